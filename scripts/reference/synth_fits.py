"""The reference's step 5 without Adam on the synthesizer itself (docs/algorithm.md §10):
`synthesizer.fit: "ridge"` and `synthesizer.average`, written from that text only.

  ridge:   A <- rho A + X^T X,  C <- rho C + X^T Y,  X = [x_{k-1}, 1] (B rows), Y = delta_{k-1},
           x_{k-1} the synthesizer's input (s_{k-1}, or with synthesizer.condition s_{k-1} and the ids),
           rho = 1 - 1/memory, kept in float64; after every `refit_every`-th pair taken in,
           [W^T; b^T] = (A + mu * mean(diag A) * I)^-1 C by a Cholesky factorisation
           (no solve while A is zero); with popart the network's weights are that / sigma.
           The prediction, l_SG and sg_fit_cos are taken before the pair joins A and C.
  average: Adam trains a copy phi of the synthesizer's weights exactly as in §4; the
           synthesizer that gives ghat holds phibar <- phibar + w (phi - phibar),
           w = max(1/n, 1/N) after the n-th step; with popart its last layer is rescaled
           with the copy's when sigma moves. l_SG and sg_fit_cos are the copy's.
"""
import torch


def fit_cosine(pred, delta):
    """sg_fit_cos: cos(pred, delta) over all coordinates in float64; None when either is zero."""
    p64, d64 = pred.detach().double().flatten(), delta.double().flatten()
    norms = (p64.norm() * d64.norm()).item()
    return (p64 @ d64).item() / norms if norms > 0 else None


class RidgeReference:
    def __init__(self, S, ridge, memory, refit_every, width_in=None):
        self.S = S
        self.I = S if width_in is None else width_in
        self.F = self.I + 1
        self.mu, self.rho, self.every = float(ridge), 1.0 - 1.0 / float(memory), int(refit_every)
        self.A = torch.zeros(self.F, self.F, dtype=torch.float64)
        self.C = torch.zeros(self.F, S, dtype=torch.float64)
        self.pairs = 0

    def add(self, s_prev, delta):
        x = torch.cat([s_prev.double(), torch.ones(s_prev.shape[0], 1, dtype=torch.float64)], dim=1)
        self.A = self.rho * self.A + x.T @ x
        self.C = self.rho * self.C + x.T @ delta.double()
        self.pairs += 1

    def solution(self):
        """[W^T; b^T] ([I+1, S], float64) when a refit is due and A is not zero, else None."""
        if self.pairs % self.every != 0:
            return None
        trace = torch.diagonal(self.A).sum().item()
        if not trace > 0:
            return None
        lower = torch.linalg.cholesky(self.A + self.mu * (trace / self.F) * torch.eye(self.F, dtype=torch.float64))
        return torch.cholesky_solve(self.C, lower)


def ridge_step(tr, s_prev, delta):
    """Step 5 by the ridge fit for trainer `tr` (linear synthesizer); returns (sg_loss, sg_fit_cos)."""
    tr.update_target_scale(delta, tr.synth)
    sigma = tr.sigma if tr.popart else 1.0
    with torch.no_grad():
        pred = sigma * tr.synth(s_prev.detach()).double()
    loss = ((pred - delta.double()) ** 2).sum().item() / s_prev.shape[0]
    cos = fit_cosine(pred, delta)
    tr.ridge.add(s_prev.detach(), delta.detach())
    z = tr.ridge.solution()
    if z is not None:
        I = tr.ridge.I
        with torch.no_grad():
            tr.synth.weight.copy_((z[:I].T / sigma).to(tr.dtype))
            tr.synth.bias.copy_((z[I] / sigma).to(tr.dtype))
    return loss, cos


def average_step(tr, s_prev, delta):
    """Step 5 with averaged iterates: Adam steps the copy tr.synth_raw, tr.synth moves to the mean."""
    sigma_before = tr.sigma
    loss, cos = tr.adam_step(tr.synth_raw, s_prev, delta)
    if tr.popart and tr.sigma != sigma_before:
        tr.rescale_last_layer(tr.synth, sigma_before / tr.sigma)
    tr.average_steps += 1
    w = max(1.0 / tr.average_steps, 1.0 / float(tr.cfg['synthesizer']['average']))
    with torch.no_grad():
        for mean, raw in zip(tr.synth.parameters(), tr.synth_raw.parameters()):
            m64 = mean.double()
            mean.copy_((m64 + w * (raw.double() - m64)).to(tr.dtype))
    return loss, cos
