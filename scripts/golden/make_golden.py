#!/usr/bin/python3
"""Golden values from PyTorch for test/autograd/golden.test.ts.

Run with the system Python that has torch (Debian python3-torch):

    /usr/bin/python3 scripts/golden/make_golden.py

Every input is drawn in float32 and written to the JSON as the exact decimal
value of that float32 (so the TypeScript side reads back the very same bits).
The reference outputs and gradients are then computed by PyTorch in float64
from those float32 inputs: they are the exact answer for these inputs up to
float64 rounding, which lets the test check our float64 path tightly and our
float32 path with a tolerance that only has to cover float32 rounding.

Fixtures written to test/fixtures/golden/:
  lstm2.json  2 stacked nn.LSTMCell layers unrolled T=3 steps, B=2: every h_t, c_t
              of both layers, and the gradient of a fixed loss w.r.t. the input
              sequence, the initial states and all eight weight tensors
  gru.json    nn.GRUCell forward and backward
  ce.json     F.cross_entropy (mean) forward and grad w.r.t. the logits
  bce.json    F.binary_cross_entropy_with_logits (mean) forward and grads
              w.r.t. logits and targets
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'golden')


def f32(shape, gen, scale=1.0):
    """A float32 tensor, uniform in [-scale, scale)."""
    return ((torch.rand(shape, generator=gen, dtype=torch.float32) * 2 - 1) * scale).contiguous()


def flat(t):
    """Row-major values. A float32 tensor is written with the shortest decimal that
    reads back as the same float32 (the test rounds it through a Float32Array); a
    float64 reference with 12 significant digits (relative precision 5e-13, far
    below every tolerance of the test) to keep the files small."""
    vals = t.detach().reshape(-1).tolist()
    if t.dtype == torch.float32:
        return [float(np.format_float_positional(np.float32(v), unique=True, trim='-')) for v in vals]
    return [float('%.12g' % v) for v in vals]


def entry(t):
    return {'shape': list(t.shape), 'data': flat(t)}


def dump(name, obj):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, 'w') as fh:
        json.dump(obj, fh, separators=(',', ':'))
        fh.write('\n')
    print(f'wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)')


def lstm2(gen):
    T, B, D, H1, H2 = 3, 2, 2, 3, 2
    inputs = {'x': f32((T, B, D), gen)}
    for l, H in enumerate((H1, H2)):
        inp = D if l == 0 else H1
        inputs[f'h0_{l}'] = f32((B, H), gen, 0.5)
        inputs[f'c0_{l}'] = f32((B, H), gen, 0.5)
        # torch's own init, drawn from our generator so the fixture is reproducible
        k = 1.0 / H ** 0.5
        inputs[f'weight_ih_{l}'] = f32((4 * H, inp), gen, k)
        inputs[f'weight_hh_{l}'] = f32((4 * H, H), gen, k)
        inputs[f'bias_ih_{l}'] = f32((4 * H,), gen, k)
        inputs[f'bias_hh_{l}'] = f32((4 * H,), gen, k)
    # fixed loss: Σ_t <R_t, h2_t> + <Q1, c1_T> + <Q2, c2_T> + <P, h1_T>
    consts = {'R': f32((T, B, H2), gen), 'Q1': f32((B, H1), gen), 'Q2': f32((B, H2), gen), 'P': f32((B, H1), gen)}

    v = {k: t.double().clone().requires_grad_(True) for k, t in inputs.items()}
    c64 = {k: t.double() for k, t in consts.items()}
    cells = []
    for l, (H, inp) in enumerate(((H1, D), (H2, H1))):
        cell = torch.nn.LSTMCell(inp, H).double()
        for p in ('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'):
            delattr(cell, p)
            setattr(cell, p, v[f'{p}_{l}'])
        cells.append(cell)
    state = [(v['h0_0'], v['c0_0']), (v['h0_1'], v['c0_1'])]
    hs = [[], []]
    cs = [[], []]
    for t in range(T):
        inp = v['x'][t]
        for l in range(2):
            h, c = cells[l](inp, state[l])
            state[l] = (h, c)
            hs[l].append(h)
            cs[l].append(c)
            inp = h
    h2 = torch.stack(hs[1])
    loss = (h2 * c64['R']).sum() + (cs[0][-1] * c64['Q1']).sum() + (cs[1][-1] * c64['Q2']).sum() + (hs[0][-1] * c64['P']).sum()
    loss.backward()
    out = {
        'dims': {'T': T, 'B': B, 'D': D, 'H': [H1, H2]},
        'note': 'x is [T,B,D] time-major; h_l/c_l are [T,B,H_l] (every step); loss = sum(h_1*R) + sum(c_0[T-1]*Q1) + sum(c_1[T-1]*Q2) + sum(h_0[T-1]*P)',
        'inputs': {k: entry(t) for k, t in inputs.items()},
        'consts': {k: entry(t) for k, t in consts.items()},
        'outputs': {
            'h_0': entry(torch.stack(hs[0])), 'c_0': entry(torch.stack(cs[0])),
            'h_1': entry(torch.stack(hs[1])), 'c_1': entry(torch.stack(cs[1])),
            'loss': float('%.12g' % float(loss)),
        },
        'grads': {k: entry(t.grad) for k, t in v.items()},
    }
    dump('lstm2.json', out)


def gru(gen):
    B, D, H = 2, 3, 3
    k = 1.0 / H ** 0.5
    inputs = {
        'x': f32((B, D), gen), 'h': f32((B, H), gen, 0.8),
        'weight_ih': f32((3 * H, D), gen, k), 'weight_hh': f32((3 * H, H), gen, k),
        'bias_ih': f32((3 * H,), gen, k), 'bias_hh': f32((3 * H,), gen, k),
    }
    consts = {'R': f32((B, H), gen)}
    v = {kk: t.double().clone().requires_grad_(True) for kk, t in inputs.items()}
    cell = torch.nn.GRUCell(D, H).double()
    for p in ('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'):
        delattr(cell, p)
        setattr(cell, p, v[p])
    h1 = cell(v['x'], v['h'])
    loss = (h1 * consts['R'].double()).sum()
    loss.backward()
    dump('gru.json', {
        'dims': {'B': B, 'D': D, 'H': H},
        'note': "gate order r, z, n; loss = sum(h' * R)",
        'inputs': {kk: entry(t) for kk, t in inputs.items()},
        'consts': {kk: entry(t) for kk, t in consts.items()},
        'outputs': {'h1': entry(h1), 'loss': float('%.12g' % float(loss))},
        'grads': {kk: entry(t.grad) for kk, t in v.items()},
    })


def ce(gen):
    N, V = 5, 6
    logits = f32((N, V), gen, 3.0)
    targets = torch.randint(0, V, (N,), generator=gen)
    lv = logits.double().clone().requires_grad_(True)
    loss = F.cross_entropy(lv, targets, reduction='mean')
    loss.backward()
    dump('ce.json', {
        'inputs': {'logits': entry(logits), 'targets': [int(t) for t in targets.tolist()]},
        'outputs': {'loss': float('%.12g' % float(loss))},
        'grads': {'logits': entry(lv.grad)},
    })


def bce(gen):
    shape = (3, 4)
    logits = f32(shape, gen, 4.0)
    targets = torch.rand(shape, generator=gen, dtype=torch.float32)
    targets[0, :2] = torch.tensor([0.0, 1.0])  # hard labels too
    lv = logits.double().clone().requires_grad_(True)
    tv = targets.double().clone().requires_grad_(True)
    loss = F.binary_cross_entropy_with_logits(lv, tv, reduction='mean')
    loss.backward()
    dump('bce.json', {
        'inputs': {'logits': entry(logits), 'targets': entry(targets)},
        'outputs': {'loss': float('%.12g' % float(loss))},
        'grads': {'logits': entry(lv.grad), 'targets': entry(tv.grad)},
    })


def main():
    gen = torch.Generator().manual_seed(20240607)
    lstm2(gen)
    gru(gen)
    ce(gen)
    bce(gen)
    print(f'torch {torch.__version__}')


if __name__ == '__main__':
    main()
