"""What the PyTorch peers bench/torch_lstm.py and bench/torch_stream_copy.py share: the `dni` step's
synthesizer and the alternating timer.

The synthesizer is the bench's `dni` (a linear synthesizer, every other synthesizer key at its
default): M(s) on s = [h, c] (2H -> 2H, zero-initialised) with the PopArt target scale (ĝ = σ·M(s), σ
a running RMS of δ, the layer rescaled when σ moves), the seed λ·ĝ_k at s_k (λ 0.1), and one Adam step
on (1/B) Σ_b ‖M(s_{k-1}) − δ_{k-1}/σ‖² once σ has taken in δ_{k-1} (docs/algorithm.md §4, §10).
"""
import statistics, time
import torch
import torch.nn as nn

LAM, DECAY = 0.1, 0.99


class Synthesizer:
    def __init__(self, hidden):
        self.net = nn.Linear(2 * hidden, 2 * hidden)
        nn.init.zeros_(self.net.weight)
        nn.init.zeros_(self.net.bias)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=1e-3)
        self.nu, self.count, self.sigma = 0.0, 0, 1.0

    def seed(self, s_k):
        """λ·ĝ_k, a constant: the seed at s_k in the same backward as the loss."""
        with torch.no_grad():
            return LAM * (self.sigma * self.net(s_k))

    def fit(self, s_prev, delta):
        """σ takes in δ (the layer rescaled), then one Adam step towards δ/σ."""
        self.nu = DECAY * self.nu + (1 - DECAY) * float((delta.double() ** 2).mean())
        self.count += 1
        mean_sq = self.nu / (1 - DECAY ** self.count)
        if mean_sq > 0:
            old, self.sigma = self.sigma, mean_sq ** 0.5
            with torch.no_grad():
                self.net.weight.mul_(old / self.sigma)
                self.net.bias.mul_(old / self.sigma)
        self.opt.zero_grad()
        l_sg = ((self.net(s_prev) - delta / self.sigma) ** 2).sum() / s_prev.shape[0]
        l_sg.backward()
        self.opt.step()


def median_ms(runs, steps, seconds):
    """Each run's step() in alternation: 5 untimed rounds, then at least `steps` timed ones and on
    until `seconds` have passed; returns each run's median ms per step and its number of timed steps."""
    times = [[] for _ in runs]
    step, start = 0, None
    while step < steps + 5 or time.perf_counter() - start < seconds:
        if step == 5:
            start = time.perf_counter()
        for i, r in enumerate(runs):
            t0 = time.perf_counter()
            r.step()
            if step >= 5:
                times[i].append(time.perf_counter() - t0)
        step += 1
    return [(1000 * statistics.median(t), len(t)) for t in times]
