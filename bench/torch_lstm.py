"""The PyTorch side of the char-LSTM training benchmark (issue: CPU speed).

    OMP_NUM_THREADS=1 /usr/bin/python3 bench/torch_lstm.py [--hidden 256] [--threads 1] [--steps 30]

Same model and step as `synthgrad bench`: V 65, E 64, one LSTM layer of H, B 32, T 32, Adam lr 1e-3,
clip 1, truncated BPTT with the state carried (detached) between chunks. Prints tokens/s (median of the
timed steps). Which BLAS torch uses decides the figure: Debian's python3-torch takes libblas.so.3 from
update-alternatives — the reference BLAS by default, OpenBLAS once `libopenblas0-openmp` is installed.
"""
import argparse, statistics, time
import torch
import torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument('--hidden', type=int, default=256)
p.add_argument('--threads', type=int, default=1)
p.add_argument('--steps', type=int, default=30)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
V, E, B, T, H = 65, 64, 32, 32, a.hidden
enc, rnn, dec = nn.Embedding(V, E), nn.LSTM(E, H), nn.Linear(H, V)
params = list(enc.parameters()) + list(rnn.parameters()) + list(dec.parameters())
opt = torch.optim.Adam(params, lr=1e-3)
data = torch.randint(0, V, (T + 1, B))
state = (torch.zeros(1, B, H), torch.zeros(1, B, H))
times = []
for step in range(a.steps + 5):
    t0 = time.perf_counter()
    out, state = rnn(enc(data[:-1]), state)
    state = (state[0].detach(), state[1].detach())
    loss = nn.functional.cross_entropy(dec(out).reshape(-1, V), data[1:].reshape(-1))
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()
    if step >= 5:
        times.append(time.perf_counter() - t0)
print(f'torch {torch.__version__} threads {a.threads} H {H}: {B * T / statistics.median(times):.0f} tokens/s')
