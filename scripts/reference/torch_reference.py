#!/usr/bin/python3
"""Independent PyTorch reference trainer for synthgrad (parity fixtures).

This file re-implements, from docs/algorithm.md (§1-§6, §9) and
docs/config.md only, one training run of an LSTM language model with
truncated BPTT, DNI synthetic gradients at the truncation point and SGDR warm
restarts with the bptt / dni / alternating gradient-mode policies. It does not
read or share any code with the TypeScript engine; its job is to produce
step-by-step numbers that the engine is tested against.

What it implements
  * data (§1, §9): character level (vocabulary = sorted distinct code points of
    the training text; optional held-out `split` of a single file) and word
    level (PTB layout, `<eos>` after every line, ids by first appearance over
    train, valid, test); batchify into B streams; chunks of length T with a
    short last chunk, C = ceil((L-1)/T) chunks per epoch; the state is reset
    to zeros at chunk 0 of every epoch; running by steps goes on past epoch
    ends (step t = chunk t mod C of epoch t div C).
  * model (§2): embedding `encoder`, a ModuleList `rnns` of nn.LSTMCell,
    linear `decoder` (optionally tied to the embedding); loss = mean softmax
    cross-entropy over the chunk's B*T' positions.
  * state vector (§4): s = concat over layers l of [h_l, c_l] per batch row,
    S = 2 * sum(H_l).
  * one step (§3, §4, §9), in this order:
      forward from s_{k-1} (a leaf that requires grad) -> L_k, s_k
      -> ghat_k = M(s_k) without grad into the synthesizer (synthetic mode)
      -> ONE backward with two seeds: dL_k = 1 and ds_k = lambda * ghat_k
      -> delta_{k-1} = gradient arriving at s_{k-1}
      -> synthesizer step on l_SG = mean_b sum_S (M(s_{k-1}) - delta)^2 with
         its own Adam (no clip, no schedule)
      -> clip_grad_norm_ over the unique model parameters (the norm before
         clipping is logged as grad_norm) -> model optimizer step.
    In real mode the synthetic seed is dropped; the synthesizer is still
    trained unless `train_in_real` is false.
  * ALGORITHM.md §10-§13 options (each key's default here is the value that
    gives §4 exactly, so a config without them is read as §4):
      synthesizer.discount (gamma; null = lambda): the target is
        delta = dL_k/ds_{k-1} + (ds_k/ds_{k-1})^T gamma ghat_k, computed with
        torch.autograd.grad as two separate vector-Jacobian products, while the
        parameters still get lambda * ghat_k;
      synthesizer.train_at_reset (true): false skips the synthesizer step on
        the pair at chunk 0 (s_{k-1} = 0);
      synthesizer.normalize ("none" | "popart"): popart keeps, in float64,
        nu = 0.99 nu + 0.01 mean(delta^2) and sigma = sqrt(nu / (1 - 0.99^n))
        (unchanged while that is 0); before each synthesizer step it updates
        sigma, multiplies the last layer's weight and bias by sigma_old /
        sigma_new, and trains the network on delta / sigma; ghat = sigma * net(s);
        sg_loss is reported as sigma^2 times the network's loss;
      synthesizer.fit ("adam" | "ridge") with ridge, memory, refit_every, and
        synthesizer.average (0 = off): step 5 by a ridge regression over the
        decayed pairs, or Adam on a copy whose running mean gives ghat
        (synth_fits.py, from docs/algorithm.md §10);
      synthesizer.bound (kappa; null = off, popart only): each row of the
        synthesizer network's output net(s_k) is multiplied by
        min(1, kappa sqrt(S) / its norm) (float64) before it is used (ghat, the
        aux target);
      synthesizer.condition (c; 0 = off, cDNI): the synthesizer's input is
        cat([s, one_hot(ids)]) with ids the token ids at the c + 1 stream
        positions from p on (p = the chunk's start k*T for s_{k-1}, its end
        k*T + T' for s_k; a position >= L gives a zero block), so its first
        nn.Linear takes S + (c + 1) * V inputs (the ridge fit regresses on that
        whole input);
      synthesizer.aux (0 = off): an nn.Linear(H_n, S) named `aux` on the top
        layer's h_t of every step predicts net(s_k) (the synthesizer network's
        output, no grad), mean squared error over T'*B*S, times aux, added to
        L_k; its parameters are model parameters (optimizer, clipping).
    Every record also has sg_fit_cos = cos(net(s_{k-1}), delta) over the batch
    before the synthesizer step (null without one), aux_loss when aux > 0, and
    sg_bound_frac when a bound is set (the fraction of rows it scaled; null
    when nothing was predicted).
  * optimizers (§5): torch.optim.Adam / torch.optim.SGD (momentum, coupled
    weight decay, dampening 0) for the model; the lr of each step is set
    before the step from the SGDR schedule computed in float64 (§6, §9).
  * policies (§6, §9): bptt; dni (synthetic iff policy units completed before
    the step >= warmup); alternating (cycle i of the schedule runs first_mode
    if i is even, the other mode if odd).
  * synthesizers: `linear` (nn.Linear(S, S), names synthesizer.weight/bias)
    and `mlp` (nn.Sequential(Linear, ReLU, ..., Linear), names
    synthesizer.{0,2,..}.weight/bias). `elementwise` is not implemented.

How to run (Debian's system python with python3-torch, not a pyenv python):

    /usr/bin/python3 scripts/reference/torch_reference.py \
        --config test/fixtures/parity/dni_mlp/config.json \
        --init test/fixtures/parity/dni_mlp/init.safetensors \
        --steps 40 --out /tmp/ref_dni_mlp [--dtype float64]

Outputs in --out:
  metrics.jsonl       one record per optimizer step, exactly the keys of
                      docs/config.md: step, epoch, chunk, chunk_len, loss, lr, mode,
                      sg_loss, grad_norm, delta_norm, ghat_norm
  final.safetensors   final model and synthesizer tensors under PyTorch
                      state_dict names (F32 for float32 runs, F64 for
                      --dtype float64); a tied model writes both
                      encoder.weight and decoder.weight.

The run is deterministic: it uses no randomness (weights come from --init)
and sets torch to one thread.
"""
import argparse
import copy
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

# beside this file: step 5's other fits; safetensors, the configuration and the corpora
import synth_fits  # noqa: E402
from reference_io import (batchify, char_corpus, load_config, load_safetensors, read_text,  # noqa: E402,F401
                          digest_json, rule_tensor, save_safetensors, weights_digest, word_corpus, word_tokens)

# --------------------------------------------------------------------------
# model and synthesizer (§2, §4)
# --------------------------------------------------------------------------

class LM(nn.Module):
    def __init__(self, V, d, hidden, tied, aux=False):
        super().__init__()
        self.encoder = nn.Embedding(V, d)
        sizes = [d] + list(hidden)
        self.rnns = nn.ModuleList([nn.LSTMCell(sizes[l], sizes[l + 1]) for l in range(len(hidden))])
        self.decoder = nn.Linear(hidden[-1], V)
        if tied:
            self.decoder.weight = self.encoder.weight
        self.hidden = list(hidden)
        self.S = 2 * sum(hidden)
        if aux:
            self.aux = nn.Linear(hidden[-1], self.S)

    def split_state(self, s):
        """s (B, S) -> list of (h_l, c_l), s = concat_l [h_l, c_l]."""
        out, off = [], 0
        for H in self.hidden:
            out.append((s[:, off:off + H], s[:, off + H:off + 2 * H]))
            off += 2 * H
        return out

    def forward_chunk(self, x, y, s_prev, with_top=False):
        """x, y: (T', B) ids; s_prev: (B, S). Returns (mean CE loss, s_k (B, S))
        [, the top layer's h_t (T', B, H_n)]."""
        state = self.split_state(s_prev)
        emb = self.encoder(x)
        outs = []
        for t in range(x.shape[0]):
            inp = emb[t]
            for l, cell in enumerate(self.rnns):
                h, c = cell(inp, state[l])
                state[l] = (h, c)
                inp = h
            outs.append(inp)
        logits = self.decoder(torch.stack(outs))
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        s_k = torch.cat([t for hc in state for t in hc], dim=1)
        if with_top:
            return loss, s_k, torch.stack(outs)
        return loss, s_k


def bound_rows(out, kappa):
    """synthesizer.bound: each row of the network's output (B, S) scaled by
    min(1, kappa * sqrt(S) / its norm), in float64, back to out's dtype; and
    how many rows were scaled."""
    wide = out.double()
    norms = wide.norm(dim=1, keepdim=True)
    limit = kappa * math.sqrt(out.shape[1])
    over = norms > limit
    factor = torch.where(over, limit / norms, torch.ones_like(norms))
    return (wide * factor).to(out.dtype), int(over.sum().item())


def build_synthesizer(scfg, S, V=0):
    width_in = S + (int(scfg['condition']) + 1) * V if scfg['condition'] else S
    if scfg['kind'] == 'linear':
        return nn.Linear(width_in, S)
    widths = scfg['hidden'] if scfg['hidden'] is not None else [S]
    layers, prev = [], width_in
    for w in widths:
        layers += [nn.Linear(prev, int(w)), nn.ReLU()]
        prev = int(w)
    layers.append(nn.Linear(prev, S))
    return nn.Sequential(*layers)


def model_tensors(model, synth):
    """Every tensor under its checkpoint name (tied: both encoder.weight and decoder.weight)."""
    out = dict(model.state_dict())
    if synth is not None:
        for k, v in synth.state_dict().items():
            out['synthesizer.' + k] = v
    return out


def load_init(model, synth, path):
    """Copy the init file's tensors into model and synthesizer; a missing,
    extra or mis-shaped tensor is an error naming it."""
    tensors, _ = load_safetensors(path)
    expected = model_tensors(model, synth)
    tied = model.decoder.weight is model.encoder.weight
    optional = {'decoder.weight'} if tied else set()
    for name in sorted(set(expected) - set(tensors) - optional):
        raise ValueError(f'{path}: missing tensor {name!r}')
    for name in sorted(set(tensors) - set(expected)):
        raise ValueError(f'{path}: unexpected tensor {name!r}')
    for name, t in tensors.items():
        if tuple(t.shape) != tuple(expected[name].shape):
            raise ValueError(f'{path}: tensor {name!r} has shape {list(t.shape)}, expected {list(expected[name].shape)}')
    if tied and 'decoder.weight' in tensors and not torch.equal(tensors['decoder.weight'], tensors['encoder.weight']):
        raise ValueError(f'{path}: tied model but decoder.weight differs from encoder.weight')
    with torch.no_grad():
        for name, t in tensors.items():
            if name == 'decoder.weight' and tied:
                continue
            expected[name].copy_(t.to(expected[name].dtype))


# --------------------------------------------------------------------------
# schedule and policies (§6, §9), all in float64 Python
# --------------------------------------------------------------------------

def cycle_position(sched, u):
    """(cycle index i, t_cur, T_i) of the SGDR cycle that holds u units done."""
    if sched['cycles'] is not None:
        lens = sched['cycles']
        start, i = 0.0, 0
        while True:
            Ti = float(lens[min(i, len(lens) - 1)])
            if u < start + Ti:
                return i, u - start, Ti
            start += Ti
            i += 1
    t0, tm = float(sched['t0']), float(sched['t_mult'])
    if tm == 1.0:
        i = int(math.floor(u / t0))
        return i, u - i * t0, t0
    start, i, Ti = 0.0, 0, t0
    while u >= start + Ti:
        start += Ti
        Ti *= tm
        i += 1
    return i, u - start, Ti


def sgdr_lr(sched, u):
    _, t_cur, Ti = cycle_position(sched, u)
    lo, hi = float(sched['eta_min']), float(sched['eta_max'])
    return lo + 0.5 * (hi - lo) * (1.0 + math.cos(math.pi * t_cur / Ti))


def units_done(unit, fractional, t, epoch, chunk, C):
    """Units completed before step t (chunk `chunk` of epoch `epoch`)."""
    if unit == 'step':
        return float(t)
    return epoch + chunk / C if fractional else float(epoch)


def lr_for_step(cfg, t, epoch, chunk, C):
    sched = cfg['schedule']
    if sched is None:
        return float(cfg['optimizer']['lr'])
    return sgdr_lr(sched, units_done(sched['unit'], sched['fractional'], t, epoch, chunk, C))


def mode_for_step(cfg, t, epoch, chunk, C):
    pol, sched = cfg['policy'], cfg['schedule']
    if pol['name'] == 'bptt':
        return 'real'
    fractional = bool(sched is not None and sched['fractional'])
    u = units_done(pol['unit'], fractional, t, epoch, chunk, C)
    if pol['name'] == 'dni':
        return 'synthetic' if u >= pol['warmup'] else 'real'
    i, _, _ = cycle_position(sched, u)
    other = 'synthetic' if pol['first_mode'] == 'real' else 'real'
    return pol['first_mode'] if i % 2 == 0 else other


# --------------------------------------------------------------------------
# trainer
# --------------------------------------------------------------------------

class Trainer:
    def __init__(self, cfg, init_path, dtype=torch.float32):
        self.cfg = cfg
        self.dtype = dtype
        if cfg['task'] == 'charlm':
            self.vocab, train_ids, _ = char_corpus(cfg)
        else:
            self.vocab, train_ids, _ = word_corpus(cfg)
        self.V = len(self.vocab)
        self.B, self.T = int(cfg['batch']), int(cfg['bptt'])
        self.data = batchify(train_ids, self.B)
        self.L = self.data.shape[0]
        self.C = -(-(self.L - 1) // self.T)  # ceil((L-1)/T)

        scfg = cfg['synthesizer']
        self.aux = float(scfg['aux']) if scfg is not None else 0.0
        self.model = LM(self.V, int(cfg['embed']), cfg['hidden'], bool(cfg['tied']), self.aux > 0).to(dtype)
        self.S = self.model.S
        self.popart = scfg is not None and scfg['normalize'] == 'popart'
        self.bound = float(scfg['bound']) if scfg is not None and scfg['bound'] is not None else None
        if self.bound is not None and not self.popart:
            raise ValueError('synthesizer.bound needs normalize "popart"')
        self.nu, self.n_stats, self.sigma = 0.0, 0, 1.0
        self.cond = int(scfg['condition']) if scfg is not None else 0
        if self.cond and scfg['kind'] not in ('linear', 'mlp'):
            raise ValueError('synthesizer.condition needs a linear or mlp synthesizer')
        self.synth = build_synthesizer(scfg, self.S, self.V).to(dtype) if scfg is not None else None
        load_init(self.model, self.synth, init_path)
        self.ridge = self.synth_raw = None
        if scfg is not None and scfg['fit'] == 'ridge':
            if scfg['kind'] != 'linear':
                raise ValueError('synthesizer.fit "ridge" needs the linear synthesizer')
            width_in = self.synth.weight.shape[1]
            self.ridge = synth_fits.RidgeReference(self.S, scfg['ridge'], scfg['memory'], scfg['refit_every'], width_in)
        elif scfg is not None and scfg['average'] > 0:
            self.synth_raw = copy.deepcopy(self.synth)  # the weights Adam trains; self.synth holds their mean
            self.average_steps = 0

        self.params = list(self.model.parameters())  # unique: a tied matrix appears once
        o = cfg['optimizer']
        if o['name'] == 'adam':
            self.opt = torch.optim.Adam(self.params, lr=o['lr'], betas=tuple(o['betas']), eps=o['eps'],
                                        weight_decay=o['weight_decay'])
        else:
            self.opt = torch.optim.SGD(self.params, lr=o['lr'], momentum=o['momentum'], dampening=0,
                                       weight_decay=o['weight_decay'], nesterov=False)
        if self.synth is not None:
            trained = self.synth_raw if self.synth_raw is not None else self.synth
            self.synth_opt = torch.optim.Adam(trained.parameters(), lr=scfg['lr'], betas=tuple(scfg['betas']),
                                              eps=scfg['eps'], weight_decay=scfg['weight_decay'])
        self.state = torch.zeros(self.B, self.S, dtype=dtype)

    def chunk(self, k):
        start = k * self.T
        Tk = min(self.T, self.L - 1 - start)
        return self.data[start:start + Tk], self.data[start + 1:start + 1 + Tk]

    def synth_input(self, s, p):
        """What the synthesizer reads for a state standing before stream position p:
        s, or with condition c, cat([s, one_hot of the ids at p .. p+c]) (zeros past L)."""
        if not self.cond:
            return s
        blocks = [s]
        for j in range(self.cond + 1):
            if p + j < self.L:
                blocks.append(F.one_hot(self.data[p + j].long(), self.V).to(s.dtype))
            else:
                blocks.append(torch.zeros(s.shape[0], self.V, dtype=s.dtype))
        return torch.cat(blocks, dim=1)

    def rescale_last_layer(self, net, factor):
        last = net if isinstance(net, nn.Linear) else net[-1]
        with torch.no_grad():
            last.weight.copy_((last.weight.double() * factor).to(self.dtype))
            last.bias.copy_((last.bias.double() * factor).to(self.dtype))

    def forward_backward(self, x, y, s_prev_value, mode, end=None):
        """Steps 1-4 of §4: returns (loss, s_k, delta, ghat, aux_loss). Leaves the
        model's .grad filled (synthetic contribution included); changes no weight.
        `end`: the stream position s_k stands before (read only with synthesizer.condition)."""
        s_prev = s_prev_value.detach().clone().requires_grad_(True)
        loss, s_k, top = self.model.forward_chunk(x, y, s_prev, with_top=True)
        ghat, net_out, aux_loss = None, None, None
        self.bound_frac = None
        if self.synth is not None and (mode == 'synthetic' or self.aux > 0):
            with torch.no_grad():
                net_out = self.synth(self.synth_input(s_k.detach(), end))
                if self.bound is not None:
                    net_out, rows = bound_rows(net_out, self.bound)
                    self.bound_frac = rows / net_out.shape[0]
        total = loss
        if self.aux > 0:
            pred = self.model.aux(top)                      # (T', B, S)
            aux_mse = ((pred - net_out.unsqueeze(0)) ** 2).mean()
            aux_loss = aux_mse.item()
            total = loss + self.aux * aux_mse
        if mode == 'synthetic':
            ghat = self.sigma * net_out if self.popart else net_out
            scfg = self.cfg['synthesizer']
            lam = float(scfg['scale'])
            gamma = lam if scfg['discount'] is None else float(scfg['discount'])
            if gamma == lam:
                torch.autograd.backward([total, s_k], [torch.ones_like(total), lam * ghat])
                delta = s_prev.grad.detach().clone()
            else:
                d_loss, = torch.autograd.grad(total, s_prev, retain_graph=True)
                d_ghat, = torch.autograd.grad(s_k, s_prev, grad_outputs=ghat, retain_graph=True)
                torch.autograd.backward([total, s_k], [torch.ones_like(total), lam * ghat])
                delta = d_loss + gamma * d_ghat
        else:
            total.backward()
            delta = s_prev.grad.detach().clone()
        return loss.detach(), s_k.detach(), delta, ghat, aux_loss

    def update_target_scale(self, delta, net):
        """popart: sigma takes in this delta and net's last layer is rescaled by sigma_old / sigma_new."""
        if not self.popart:
            return
        self.n_stats += 1
        self.nu = 0.99 * self.nu + 0.01 * (delta.double() ** 2).mean().item()
        mean_sq = self.nu / (1 - 0.99 ** self.n_stats)
        if mean_sq > 0:
            old, self.sigma = self.sigma, math.sqrt(mean_sq)
            self.rescale_last_layer(net, old / self.sigma)

    def adam_step(self, net, s_prev, delta):
        """One Adam step of `net` on l_SG = mean_b sum_S (net(s_{k-1}) - target)^2; returns (sg_loss, sg_fit_cos)."""
        self.update_target_scale(delta, net)
        target = (delta.double() / self.sigma).to(self.dtype) if self.popart else delta
        self.synth_opt.zero_grad(set_to_none=True)
        pred = net(s_prev.detach())
        cos = synth_fits.fit_cosine(pred, delta)
        l_sg = ((pred - target) ** 2).sum(dim=1).mean()
        l_sg.backward()
        self.synth_opt.step()
        loss = l_sg.item()
        return (self.sigma ** 2 * loss if self.popart else loss), cos

    def synth_step(self, s_prev, delta):
        """Step 5 (Adam, §4; or synthesizer.fit / average, synth_fits.py); returns (sg_loss, sg_fit_cos)."""
        if self.ridge is not None:
            return synth_fits.ridge_step(self, s_prev, delta)
        if self.synth_raw is not None:
            return synth_fits.average_step(self, s_prev, delta)
        return self.adam_step(self.synth, s_prev, delta)

    def step(self, t):
        """One optimizer step t; returns its metrics record."""
        epoch, k = divmod(t, self.C)
        if k == 0:
            self.state = torch.zeros(self.B, self.S, dtype=self.dtype)
        x, y = self.chunk(k)
        lr = lr_for_step(self.cfg, t, epoch, k, self.C)
        mode = mode_for_step(self.cfg, t, epoch, k, self.C)
        for g in self.opt.param_groups:
            g['lr'] = lr

        self.opt.zero_grad(set_to_none=True)
        start = k * self.T
        loss, s_k, delta, ghat, aux_loss = self.forward_backward(x, y, self.state, mode, start + int(x.shape[0]))

        sg_loss, fit_cos = None, None
        scfg = self.cfg['synthesizer']
        if self.synth is not None and (mode == 'synthetic' or scfg['train_in_real']) \
                and (k != 0 or scfg['train_at_reset']):
            sg_loss, fit_cos = self.synth_step(self.synth_input(self.state, start), delta)

        clip = self.cfg['clip']
        if clip:
            grad_norm = torch.nn.utils.clip_grad_norm_(self.params, float(clip)).item()
        else:
            grad_norm = torch.norm(torch.stack([torch.norm(p.grad.detach(), 2) for p in self.params]), 2).item()
        self.opt.step()
        self.state = s_k

        return {'step': t, 'epoch': epoch, 'chunk': k, 'chunk_len': int(x.shape[0]), 'loss': loss.item(),
                'lr': lr, 'mode': mode, 'sg_loss': sg_loss, 'grad_norm': grad_norm,
                'delta_norm': torch.norm(delta).item(),
                'ghat_norm': torch.norm(ghat).item() if ghat is not None else None,
                'sg_fit_cos': fit_cos, **({'aux_loss': aux_loss} if self.aux > 0 else {}),
                **({'sg_bound_frac': self.bound_frac} if self.bound is not None else {})}

    def tensors(self):
        return model_tensors(self.model, self.synth)


def run(config_path, init_path, steps, out_dir, dtype=torch.float32, quiet=False):
    """Train `steps` optimizer steps; write metrics.jsonl and final.safetensors. Returns the records."""
    torch.set_num_threads(1)
    cfg = load_config(config_path)
    tr = Trainer(cfg, init_path, dtype)
    if steps is None:
        if cfg['steps'] is not None:
            steps = int(cfg['steps'])
        elif cfg['epochs'] is not None:
            steps = int(cfg['epochs']) * tr.C
        else:
            raise ValueError('no run length: give --steps or steps/epochs in the config')
    os.makedirs(out_dir, exist_ok=True)
    records = []
    with open(os.path.join(out_dir, 'metrics.jsonl'), 'w') as f:
        for t in range(steps):
            rec = tr.step(t)
            records.append(rec)
            f.write(json.dumps(rec) + '\n')
    save_safetensors(os.path.join(out_dir, 'final.safetensors'), tr.tensors(),
                     dtype='F64' if dtype == torch.float64 else 'F32')
    if not quiet:
        print(f'{config_path}: V={tr.V} L={tr.L} C={tr.C} S={tr.S} steps={steps} '
              f'loss {records[0]["loss"]:.4f} -> {records[-1]["loss"]:.4f}', file=sys.stderr)
    return records


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--config', required=True, help='run configuration (docs/config.md JSON schema)')
    ap.add_argument('--init', required=True, help='initial weights (safetensors, F32 or F64)')
    ap.add_argument('--steps', type=int, default=None, help='optimizer steps [config steps, or epochs*C]')
    ap.add_argument('--out', required=True, help='output folder')
    ap.add_argument('--dtype', choices=['float32', 'float64'], default='float32')
    a = ap.parse_args(argv)
    run(a.config, a.init, a.steps, a.out, torch.float64 if a.dtype == 'float64' else torch.float32)


if __name__ == '__main__':
    main()
