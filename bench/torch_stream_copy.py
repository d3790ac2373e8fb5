"""The PyTorch peer of `synthgrad bench --stream-copy` (issue: CPU speed).

    OMP_NUM_THREADS=1 /usr/bin/python3 bench/torch_stream_copy.py [--hidden 256] [--batch 256] [--bptt 2,4,8]
        [--threads 1] [--steps 20] [--seconds 0] [--json]

The same model and step as `synthgrad train --task copy --copy-stream --hidden H --batch B --bptt T`
(docs/algorithm.md §4, §8, §12), the experiments' settings (experiments/copy/*.json): copy width 8 (input
9 bits, output 8), one LSTM layer of H, a linear decoder, mean per-bit sigmoid cross-entropy over the
chunk's output positions, Adam lr 1e-3, no clipping, the state carried (detached) between chunks.
  bptt: truncated BPTT over chunks of T positions (no gradient at s_{k-1}: ours computes it, as its
        trainer logs δ's norm every step, one per-step product more).
  dni:  the seed λ·ĝ_k at s_k in the same backward as the loss; δ_{k-1} = the gradient at s_{k-1} (the
        bootstrapped target, γ = λ); one step of the linear synthesizer with the PopArt target scale
        (bench/torch_peer.py, which bench/torch_lstm.py uses too).
The episodes (N = 1, the curriculum's first level, length 2N+1) are laid out as endless streams per row
before timing; our step draws its chunk inside the step (a few hundred µs at B 256). For each T the bptt
and dni steps are timed in alternation, at least --steps each and on until --seconds have passed; prints the
median ms per step and positions/s (B·T / step time).
"""
import argparse, json
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch_peer import Synthesizer, median_ms

p = argparse.ArgumentParser()
p.add_argument('--hidden', type=int, default=256)
p.add_argument('--batch', type=int, default=256)
p.add_argument('--bptt', default='2,4,8')
p.add_argument('--threads', type=int, default=1)
p.add_argument('--steps', type=int, default=20)
# `synthgrad bench` passes the time budget its own steps get, so that both medians are over
# comparable numbers of steps (medians of 20 steps of the peer alone spread by 1.8x on an idle machine)
p.add_argument('--seconds', type=float, default=0.0)
p.add_argument('--json', action='store_true')
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
H, B, W = a.hidden, a.batch, 8


def streams(T, steps):
    """x [positions, B, W+1], y [positions, B, W], scored [positions, B]: episodes of N = 1 back to back, rows out of phase."""
    n = T * steps + 3
    bits = torch.randint(0, 2, (n + 3, B, W)).float()
    phase = (torch.arange(n + 3)[:, None] + torch.randint(0, 3, (1, B))) % 3  # 0: the bits, 1: delimiter, 2: output
    x = torch.zeros(n + 3, B, W + 1)
    x[..., :W] = bits * (phase == 0)[..., None]
    x[..., W] = (phase == 1).float()
    y = torch.zeros(n + 3, B, W)
    y[2:][phase[2:] == 2] = bits[:-2][phase[2:] == 2]  # an output position's target: the bits two steps back
    return x[3:], y[3:], phase[3:] == 2


class Run:
    def __init__(self, T, dni, steps):
        self.T, self.dni = T, dni
        self.lstm, self.dec = nn.LSTM(W + 1, H), nn.Linear(H, W)
        for q in list(self.lstm.parameters()) + list(self.dec.parameters()):
            nn.init.uniform_(q, -0.1, 0.1)
        self.params = list(self.lstm.parameters()) + list(self.dec.parameters())
        self.opt = torch.optim.Adam(self.params, lr=1e-3)
        self.synth = Synthesizer(H) if dni else None
        self.x, self.y, self.scored = streams(T, steps)
        self.chunks = steps
        self.s = torch.zeros(B, 2 * H)
        self.k = 0

    def step(self):
        T, k = self.T, self.k
        k %= self.chunks  # a timing run longer than the laid-out streams starts them again
        x, y, m = self.x[k * T:(k + 1) * T], self.y[k * T:(k + 1) * T], self.scored[k * T:(k + 1) * T]
        self.k += 1
        self.opt.zero_grad()
        sp = self.s.clone().requires_grad_(self.dni)
        out, (h, c) = self.lstm(x, (sp[None, :, :H].contiguous(), sp[None, :, H:].contiguous()))
        s_k = torch.cat([h[0], c[0]], 1)
        logits = self.dec(out)
        total = F.binary_cross_entropy_with_logits(logits[m], y[m]) if m.any() else None
        if self.dni:
            seeded = (s_k * self.synth.seed(s_k)).sum()
            total = seeded if total is None else total + seeded
        if total is not None:
            total.backward()
        if self.dni:
            self.synth.fit(self.s, sp.grad if sp.grad is not None else torch.zeros_like(sp))
        torch.sqrt(sum((q.grad.double() ** 2).sum() for q in self.params))  # grad_norm, logged every step
        self.opt.step()
        self.s = s_k.detach()


results = []
for T in [int(t) for t in a.bptt.split(',')]:
    chunks = max(a.steps + 5, 200)
    timed = median_ms([Run(T, False, chunks), Run(T, True, chunks)], a.steps, a.seconds)
    for policy, (ms, _) in zip(['bptt', 'dni'], timed):
        results.append({'bptt': T, 'policy': policy, 'msPerStep': ms, 'positionsPerSec': B * T / ms * 1000})
head = {'torch': torch.__version__, 'threads': a.threads, 'hidden': H, 'batch': B}
if a.json:
    print(json.dumps({**head, 'results': results}))
else:
    for r in results:
        print(f"torch {head['torch']} threads {a.threads} H {H} B {B} T {r['bptt']} {r['policy']}: "
              f"{r['msPerStep']:.1f} ms/step, {r['positionsPerSec']:.0f} positions/s")
