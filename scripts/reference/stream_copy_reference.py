#!/usr/bin/python3
"""Independent PyTorch reference for the copy task as a stream (parity fixture).

Written from docs/algorithm.md §4, §8, §9, §12 and docs/config.md (the `copy`
keys), without the TypeScript code. It runs the copy task with every batch row
an endless stream of episodes:

  * episode of length N (width W bits): N steps of random bits, one delimiter
    step (input channel W), then N steps whose targets are the bits; input
    width W+1, output width W;
  * row b's stream is its episodes one after the other; chunk k feeds stream
    positions kT .. kT+T-1 of every row (time-major rows t*B + b); the state is
    reset to zeros only before step 0; a row whose episode ended draws a new
    one at the curriculum's current level when it needs its next position;
  * loss of a chunk: mean per-bit sigmoid cross-entropy over the output
    positions inside it; none: no loss (only the synthetic seed, if any,
    drives the backward; in real mode nothing does, the gradients are zero and
    the optimizers still step);
  * a bit is wrong when the sign of its logit disagrees with the target; after
    the chunk's forward, every episode that ended in it (in stream order: time,
    then row) counts one sample; one at the current level adds its wrong bits
    to the window; a full window (`sequences` episodes) whose mean is below
    `threshold` raises N by one (up to max_length) and empties the window,
    else its oldest entry leaves;
  * one step is one epoch (policy and schedule units count steps); in
    synthetic mode every chunk gets the seed lambda * ghat_k;
  * DNI exactly as §4/§9 (one backward with both seeds, delta = grad at
    s_{k-1}, synthesizer Adam step on mean_b sum_S (M(s_{k-1}) - delta)^2,
    trained at every step including step 0, then clip and the model's Adam).

Randomness: the run's generator is xoshiro128** seeded by splitmix32 (the
project's `Rng`); the initialisation draws two 32-bit words per parameter
value (model, then synthesizer) before any episode, even when --init replaces
the values; a bit is the low bit of the next word.

    /usr/bin/python3 scripts/reference/stream_copy_reference.py   # writes test/fixtures/parity/copy_stream_dni
"""
import json
import os
import shutil
import sys
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference import load_safetensors, save_safetensors  # noqa: E402

M32 = 0xFFFFFFFF


class Rng:
    def __init__(self, seed):
        x = seed & M32
        self.s = []
        for _ in range(4):
            x = (x + 0x9E3779B9) & M32
            z = x
            z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M32
            z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
            self.s.append((z ^ (z >> 16)) & M32)
        if not any(self.s):
            self.s[0] = 1

    def next_u32(self):
        s = self.s
        rotl = lambda v, k: ((v << k) | (v >> (32 - k))) & M32
        result = (rotl((s[1] * 5) & M32, 7) * 9) & M32
        t = (s[1] << 9) & M32
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 11)
        return result


class Episode:
    def __init__(self, rng, N, W):
        bits = [[rng.next_u32() & 1 for _ in range(W)] for _ in range(N)]
        self.N, self.length, self.pos, self.wrong = N, 2 * N + 1, 0, 0
        self.x = torch.zeros(self.length, W + 1, dtype=torch.float64)
        self.y = torch.zeros(self.length, W, dtype=torch.float64)
        for t in range(N):
            self.x[t, :W] = torch.tensor(bits[t], dtype=torch.float64)
            self.y[N + 1 + t] = torch.tensor(bits[t], dtype=torch.float64)
        self.x[N, W] = 1.0


class CopyNet(nn.Module):
    def __init__(self, in_w, out_w, hidden):
        super().__init__()
        self.hidden = hidden
        self.rnns = nn.ModuleList([nn.LSTMCell(in_w if l == 0 else hidden[l - 1], H) for l, H in enumerate(hidden)])
        self.decoder = nn.Linear(hidden[-1], out_w)

    def forward(self, x, s):
        """x [T, B, in_w], s [B, S] (h, c per layer) -> logits [T, B, out_w], s_k."""
        state, at = [], 0
        for H in self.hidden:
            state.append((s[:, at:at + H], s[:, at + H:at + 2 * H]))
            at += 2 * H
        outs = []
        for t in range(x.shape[0]):
            inp = x[t]
            for l, cell in enumerate(self.rnns):
                state[l] = cell(inp, state[l])
                inp = state[l][0]
            outs.append(self.decoder(inp))
        return torch.stack(outs), torch.cat([v for hc in state for v in hc], dim=1)


def run(cfg, init_path, steps, dtype=torch.float32):
    torch.set_num_threads(1)
    c = cfg['copy']
    W, B, T, hidden = c['width'], cfg['batch'], cfg['bptt'], cfg['hidden']
    S = 2 * sum(hidden)
    net = CopyNet(W + 1, W, hidden).to(dtype)
    synth = nn.Linear(S, S).to(dtype)
    init, _ = load_safetensors(init_path)
    with torch.no_grad():
        for name, p in net.named_parameters():
            p.copy_(init[name].to(dtype))
        synth.weight.copy_(init['synthesizer.weight'].to(dtype))
        synth.bias.copy_(init['synthesizer.bias'].to(dtype))
    rng = Rng(cfg['seed'])
    n_init = sum(p.numel() for p in net.parameters()) + sum(p.numel() for p in synth.parameters())
    for _ in range(2 * n_init):
        rng.next_u32()
    o, sc, pol = cfg['optimizer'], cfg['synthesizer'], cfg['policy']
    opt = torch.optim.Adam(net.parameters(), lr=o['lr'])
    sopt = torch.optim.Adam(synth.parameters(), lr=sc['lr'])
    lam = sc['scale']
    level = {'N': c['min_length'], 'samples': 0, 'window': []}
    rows = [Episode(rng, level['N'], W) for _ in range(B)]
    s_prev = torch.zeros(B, S, dtype=dtype)
    records = []
    for k in range(steps):
        mode = 'synthetic' if pol['name'] == 'dni' and k >= pol['warmup'] else 'real'
        x = torch.zeros(T, B, W + 1, dtype=dtype)
        y = torch.zeros(T, B, W, dtype=dtype)
        scored, ended = [], []
        for t in range(T):
            for b in range(B):
                e = rows[b]
                if e.pos == e.length:
                    e = rows[b] = Episode(rng, level['N'], W)
                p = e.pos
                e.pos += 1
                x[t, b], y[t, b] = e.x[p].to(dtype), e.y[p].to(dtype)
                if p > e.N:
                    scored.append((t, b, e))
                if e.pos == e.length:
                    ended.append(e)
        opt.zero_grad(set_to_none=False)
        sopt.zero_grad(set_to_none=False)
        for p in list(net.parameters()) + list(synth.parameters()):
            p.grad = torch.zeros_like(p)
        sp = s_prev.clone().requires_grad_(True)
        logits, s_k = net(x, sp)
        loss = None
        if scored:
            z = torch.stack([logits[t, b] for t, b, _ in scored])
            yy = torch.stack([y[t, b] for t, b, _ in scored])
            loss = F.binary_cross_entropy_with_logits(z, yy, reduction='mean')
        with torch.no_grad():
            for t, b, e in scored:
                e.wrong += int(((logits[t, b] > 0) != (y[t, b] > 0.5)).sum().item())
        ghat = None
        if mode == 'synthetic':
            with torch.no_grad():
                ghat = synth(s_k.detach())
        total = None
        if loss is not None:
            total = loss
        if ghat is not None:
            seeded = (s_k * (lam * ghat)).sum()
            total = seeded if total is None else total + seeded
        if total is not None:
            total.backward()
        delta = sp.grad if sp.grad is not None else torch.zeros_like(sp)
        delta = delta.detach()
        grads = [p.grad for p in net.parameters()]
        grad_norm = torch.sqrt(sum((g.double() ** 2).sum() for g in grads)).item()
        # synthesizer step on (s_{k-1}, delta_{k-1})
        sopt.zero_grad(set_to_none=False)
        pred = synth(s_prev)
        l_sg = ((pred - delta) ** 2).sum() / B
        l_sg.backward()
        sopt.step()
        clip = cfg.get('clip')
        if clip:
            coef = clip / (grad_norm + 1e-6)
            if coef < 1:
                for g in grads:
                    g.mul_(coef)
        opt.step()
        s_prev = s_k.detach()
        for e in ended:
            level['samples'] += 1
            if e.N != level['N']:
                continue
            level['window'].append(e.wrong)
            if len(level['window']) < c['sequences']:
                continue
            if sum(level['window']) / len(level['window']) < c['threshold']:
                level['N'] = min(level['N'] + 1, c['max_length'])
                level['window'] = []
            else:
                level['window'].pop(0)
        records.append({
            'step': k, 'epoch': k, 'chunk': 0, 'chunk_len': T,
            'loss': float(loss.item()) if loss is not None else 0.0, 'lr': o['lr'], 'mode': mode,
            'sg_loss': float(l_sg.item()), 'grad_norm': grad_norm,
            'delta_norm': float(delta.double().norm().item()),
            'ghat_norm': float(ghat.double().norm().item()) if ghat is not None else None,
            'copy_n': level['N'], 'copy_r': 1, 'samples': level['samples'],
        })
    tensors = {n: p.detach() for n, p in net.named_parameters()}
    tensors['synthesizer.weight'] = synth.weight.detach()
    tensors['synthesizer.bias'] = synth.bias.detach()
    return records, tensors


CASE = 'copy_stream_dni'
CONFIG = {
    '_case': 'copy as a stream (docs/algorithm.md §12): dni after 5 real steps, linear synthesizer, the level rising',
    'task': 'copy', 'hidden': [8], 'batch': 4, 'bptt': 3,
    'optimizer': {'name': 'adam', 'lr': 3e-3}, 'clip': 1.0,
    'policy': {'name': 'dni', 'warmup': 5},
    'synthesizer': {'kind': 'linear', 'scale': 0.1, 'lr': 1e-3},
    'copy': {'stream': True, 'width': 3, 'min_length': 1, 'max_length': 4, 'threshold': 3.5, 'sequences': 4},
    'steps': 40, 'seed': 0,
}


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'parity', CASE)
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, 'config.json'), 'w') as f:
        f.write(json.dumps(CONFIG, indent=2, ensure_ascii=False) + '\n')
    torch.manual_seed(2024)
    W, H = CONFIG['copy']['width'], CONFIG['hidden'][0]
    net, S = CopyNet(W + 1, W, [H]), 2 * H
    init = {n: torch.empty_like(p).uniform_(-0.1, 0.1) for n, p in net.named_parameters()}
    init['synthesizer.weight'] = torch.empty(S, S).uniform_(-0.05, 0.05)
    init['synthesizer.bias'] = torch.empty(S).uniform_(-0.05, 0.05)
    init_path = os.path.join(root, 'init.safetensors')
    save_safetensors(init_path, init)
    records, tensors = run(CONFIG, init_path, CONFIG['steps'])
    with open(os.path.join(root, 'expected_metrics.jsonl'), 'w') as f:
        for r in records:
            f.write(json.dumps(r) + '\n')
    save_safetensors(os.path.join(root, 'final.safetensors'), tensors)
    r64, _ = run(CONFIG, init_path, CONFIG['steps'], torch.float64)
    worst = max(abs(a['loss'] - b['loss']) / max(abs(b['loss']), 1e-3) for a, b in zip(records, r64))
    same = all(a['copy_n'] == b['copy_n'] and a['samples'] == b['samples'] for a, b in zip(records, r64))
    print(f'{CASE}: levels {sorted(set(r["copy_n"] for r in records))}, samples {records[-1]["samples"]}, '
          f'null-loss steps {sum(1 for r in records if r["loss"] == 0.0)}; float32 vs float64: loss {worst:.1e} rel, '
          f'curriculum {"identical" if same else "DIFFERS"}')


if __name__ == '__main__':
    main()
