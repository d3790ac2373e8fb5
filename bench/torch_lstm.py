"""The PyTorch peer of `synthgrad bench`'s char-LSTM training (issue: CPU speed).

    OMP_NUM_THREADS=1 /usr/bin/python3 bench/torch_lstm.py [--hidden 256] [--threads 1] [--steps 30]
        [--policy bptt|dni|bptt,dni] [--seconds 0] [--json]

Same model and step as `synthgrad bench`: V 65, E 64, one LSTM layer of H, B 32, T 32, Adam lr 1e-3,
clip 1, truncated BPTT with the state carried (detached) between chunks.
  bptt: the step above (no gradient at s_{k-1}: nothing needs it; ours computes it, as its trainer logs
        δ's norm every step).
  dni:  as the bench's `dni`: the seed λ·ĝ_k at s_k in the same backward as the loss, δ_{k-1} = the
        gradient at s_{k-1} (the bootstrapped target), one step of the synthesizer (bench/torch_peer.py,
        which bench/torch_stream_copy.py uses too).
With two policies their steps are timed in alternation. Each is timed for at least --steps steps (after
5 untimed ones) and on until --seconds have passed; prints the median tokens/s (B·T / step time).
Which BLAS torch uses decides the figure: Debian's python3-torch takes libblas.so.3 from
update-alternatives — the reference BLAS by default, OpenBLAS once `libopenblas0-openmp` is installed.
"""
import argparse, json
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch_peer import Synthesizer, median_ms

p = argparse.ArgumentParser()
p.add_argument('--hidden', type=int, default=256)
p.add_argument('--threads', type=int, default=1)
p.add_argument('--steps', type=int, default=30)
p.add_argument('--policy', default='bptt')
# `synthgrad bench --torch` passes the time its own steps get, so that both medians are over
# comparable numbers of steps
p.add_argument('--seconds', type=float, default=0.0)
p.add_argument('--json', action='store_true')
a = p.parse_args()
policies = a.policy.split(',')
for policy in policies:
    if policy not in ('bptt', 'dni'):
        p.error(f'--policy: {policy!r} is not bptt or dni')
torch.set_num_threads(a.threads)
torch.manual_seed(0)
V, E, B, T, H = 65, 64, 32, 32, a.hidden
data = torch.randint(0, V, (T + 1, B))


class Run:
    def __init__(self, dni):
        self.dni = dni
        self.enc, self.rnn, self.dec = nn.Embedding(V, E), nn.LSTM(E, H), nn.Linear(H, V)
        self.params = list(self.enc.parameters()) + list(self.rnn.parameters()) + list(self.dec.parameters())
        self.opt = torch.optim.Adam(self.params, lr=1e-3)
        self.synth = Synthesizer(H) if dni else None
        self.s = torch.zeros(B, 2 * H)

    def step(self):
        self.opt.zero_grad()
        sp = self.s.clone().requires_grad_(self.dni)
        out, (h, c) = self.rnn(self.enc(data[:-1]), (sp[None, :, :H].contiguous(), sp[None, :, H:].contiguous()))
        s_k = torch.cat([h[0], c[0]], 1)
        total = F.cross_entropy(self.dec(out).reshape(-1, V), data[1:].reshape(-1))
        if self.dni:
            total = total + (s_k * self.synth.seed(s_k)).sum()
        total.backward()
        if self.dni:
            self.synth.fit(self.s, sp.grad)
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.opt.step()
        self.s = s_k.detach()


timed = median_ms([Run(policy == 'dni') for policy in policies], a.steps, a.seconds)
results = [{'policy': policy, 'msPerStep': ms, 'tokensPerSec': B * T / ms * 1000, 'steps': n} for policy, (ms, n) in zip(policies, timed)]
if a.json:
    print(json.dumps({'torch': torch.__version__, 'threads': a.threads, 'hidden': H, 'results': results}))
else:
    for r in results:
        print(f"torch {torch.__version__} threads {a.threads} H {H} {r['policy']}: {r['tokensPerSec']:.0f} tokens/s")
