#!/usr/bin/python3
"""Self-checks of the PyTorch reference trainer against docs/algorithm.md.

    /usr/bin/python3 scripts/reference/selfcheck_reference.py

Each check prints one line; the script exits non-zero if any fails.

  safetensors      round trip F32/F64, header padded to 8, offsets
  data             code-point sort, split, unseen held-out char error, word
                   tokenisation rules, batchify layout, chunk count/lengths
  lstm             the chunk forward equals torch.nn.LSTM and a hand-written
                   i,f,g,o cell
  schedule         SGDR lr sequences checked against hand-computed values
                   (steps, t_mult 2, explicit cycles that repeat, fractional
                   epochs), dni warmup, alternating modes
  lambda0          synthetic mode with lambda = 0 gives exactly the BPTT run
  delta_fd         delta_{k-1} and the parameter gradient match central finite
                   differences of L_k + lambda * ghat . s_k (float64), real and
                   synthetic mode, mid-epoch state, 2 layers
  sg_loss          l_SG = mean over B of the sum over S, computed with phi
                   before its update; ghat uses phi before the update
  optimizers       a hand-written replay (Adam / SGD momentum, coupled weight
                   decay, clip coefficient clip/(norm+1e-6)) of several steps
                   gives the same weights as the trainer
  tied             the tied matrix is one parameter; its gradient is the sum
                   of the embedding and decoder gradients of an untied copy
  init_errors      missing / extra / mis-shaped init tensors are errors
  fixtures         rerunning every fixture case reproduces its
                   expected_metrics.jsonl and final.safetensors bit for bit (to
                   float32 rounding where the BLAS differs from the one that
                   made them),
                   and the fixture records show the intended modes/lrs
"""
import copy
import json
import math
import os
import sys
import tempfile
import traceback

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import selfcheck_io  # noqa: E402,F401  (registers the I/O checks first)
import synth_fits  # noqa: E402
import make_parity_fixtures as fixtures  # noqa: E402
import torch_reference as ref  # noqa: E402
from selfcheck_common import CHECKS, FIX, check, close, tiny_setup  # noqa: E402


@check
def lstm_matches_nn_lstm_and_hand_cell():
    torch.manual_seed(1)
    V, d, H, B, T = 7, 5, 6, 3, 4
    m = ref.LM(V, d, [H, H], False).double()
    for p in m.parameters():
        torch.nn.init.uniform_(p, -0.5, 0.5)
    x = torch.randint(0, V, (T, B))
    y = torch.randint(0, V, (T, B))
    s0 = torch.randn(B, m.S, dtype=torch.float64) * 0.3
    loss, s_k = m.forward_chunk(x, y, s0)
    # torch.nn.LSTM with the same weights
    lstm = torch.nn.LSTM(d, H, num_layers=2).double()
    with torch.no_grad():
        for l in range(2):
            for n in ('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'):
                getattr(lstm, f'{n}_l{l}').copy_(getattr(m.rnns[l], n))
    st = m.split_state(s0)
    h0 = torch.stack([st[0][0], st[1][0]])
    c0 = torch.stack([st[0][1], st[1][1]])
    out, (hn, cn) = lstm(m.encoder(x), (h0, c0))
    logits = m.decoder(out)
    want = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
    close(loss.item(), want.item(), 1e-12, 'loss vs nn.LSTM')
    want_s = torch.cat([hn[0], cn[0], hn[1], cn[1]], 1)
    assert torch.allclose(s_k, want_s, atol=1e-12, rtol=0)
    # hand-written cell (gate order i, f, g, o) and hand-written cross-entropy
    h = [st[0][0], st[1][0]]
    c = [st[0][1], st[1][1]]
    nll = 0.0
    for t in range(T):
        inp = m.encoder.weight[x[t]]
        for l in range(2):
            r = m.rnns[l]
            z = inp @ r.weight_ih.t() + r.bias_ih + h[l] @ r.weight_hh.t() + r.bias_hh
            i, f, g, o = z.split(H, 1)
            c[l] = torch.sigmoid(f) * c[l] + torch.sigmoid(i) * torch.tanh(g)
            h[l] = torch.sigmoid(o) * torch.tanh(c[l])
            inp = h[l]
        lg = inp @ m.decoder.weight.t() + m.decoder.bias
        nll += (torch.logsumexp(lg, 1) - lg.gather(1, y[t][:, None])[:, 0]).sum()
    close(loss.item(), (nll / (T * B)).item(), 1e-12, 'loss vs hand cell')


@check
def schedule_by_hand():
    C = 13
    # step units, t0 = 3, t_mult = 2: cycles [0,3) [3,9) [9,21)
    s = {'eta_max': 1.0, 'eta_min': 0.0, 't0': 3, 't_mult': 2, 'cycles': None, 'unit': 'step', 'fractional': False}
    want = [1.0, 0.75, 0.25,
            1.0, (1 + math.cos(math.pi / 6)) / 2, 0.75, 0.5, 0.25, (1 + math.cos(5 * math.pi / 6)) / 2,
            1.0]
    got = [ref.sgdr_lr(s, float(t)) for t in range(10)]
    assert all(abs(a - b) < 1e-15 for a, b in zip(got, want)), got
    # with eta_min: lr = eta_min + (eta_max - eta_min) * (1 + cos) / 2
    s2 = dict(s, eta_max=0.003, eta_min=0.001)
    close(ref.sgdr_lr(s2, 1.0), 0.001 + 0.002 * 0.75, 1e-15, 'eta_min')
    # explicit cycles [1, 2] in epochs; the last length repeats: starts 0, 1, 3, 5, 7
    c = {'eta_max': 1.0, 'eta_min': 0.0, 't0': None, 't_mult': 1, 'cycles': [1, 2], 'unit': 'epoch',
         'fractional': False}
    assert [ref.cycle_position(c, float(u))[0] for u in range(8)] == [0, 1, 1, 2, 2, 3, 3, 4]
    assert [ref.sgdr_lr(c, float(u)) for u in range(6)] == [1.0, 1.0, 0.5, 1.0, 0.5, 1.0]
    # lr constant within an epoch (not fractional); fractional: u = epoch + chunk/C
    cfg = {'optimizer': {'lr': 1.0}, 'schedule': dict(c, t0=1, t_mult=2, cycles=None)}
    assert {ref.lr_for_step(cfg, t, t // C, t % C, C) for t in range(C)} == {1.0}
    cfg['schedule']['fractional'] = True
    for t in range(3 * C):
        e, k = divmod(t, C)
        u = e + k / C
        if u < 1:
            want = 0.5 * (1 + math.cos(math.pi * u))
        else:
            want = 0.5 * (1 + math.cos(math.pi * (u - 1) / 2))
        close(ref.lr_for_step(cfg, t, e, k, C), want, 1e-15, f'fractional t={t}')
    # no schedule: constant optimizer.lr
    assert ref.lr_for_step({'optimizer': {'lr': 0.3}, 'schedule': None}, 5, 0, 5, C) == 0.3
    # dni warmup 3 steps -> steps 0-2 real
    dni = {'policy': {'name': 'dni', 'warmup': 3, 'unit': 'step', 'first_mode': 'real'}, 'schedule': None}
    assert [ref.mode_for_step(dni, t, t // C, t % C, C) for t in range(5)] == ['real'] * 3 + ['synthetic'] * 2
    # dni warmup 1 epoch -> the whole first epoch real
    dni['policy'].update(unit='epoch', warmup=1)
    modes = [ref.mode_for_step(dni, t, t // C, t % C, C) for t in range(2 * C)]
    assert modes == ['real'] * C + ['synthetic'] * C
    # alternating in steps, t0 = 8, t_mult = 1, first real
    alt = {'policy': {'name': 'alternating', 'warmup': 0, 'unit': 'step', 'first_mode': 'real'},
           'schedule': dict(s, t0=8, t_mult=1)}
    modes = [ref.mode_for_step(alt, t, t // C, t % C, C) for t in range(40)]
    want = [('real' if (t // 8) % 2 == 0 else 'synthetic') for t in range(40)]
    assert modes == want
    # alternating, cycles [1, 2] in epochs, first synthetic: epochs 0 syn, 1-2 real, 3-4 syn
    alt = {'policy': {'name': 'alternating', 'warmup': 0, 'unit': 'epoch', 'first_mode': 'synthetic'},
           'schedule': c}
    modes = [ref.mode_for_step(alt, t, t // C, t % C, C) for t in range(5 * C)]
    assert modes == ['synthetic'] * C + ['real'] * (2 * C) + ['synthetic'] * (2 * C)


@check
def lambda0_equals_bptt():
    with tempfile.TemporaryDirectory() as tmp:
        for dtype in (torch.float32, torch.float64):
            recs = {}
            finals = {}
            for name, pol, scale in (('bptt', {'name': 'bptt'}, 0.1), ('syn0', {'name': 'dni', 'warmup': 0}, 0.0)):
                sub = os.path.join(tmp, name + str(dtype))
                os.makedirs(sub)
                cfg_path, init_path = tiny_setup(sub, {'policy': pol, 'optimizer': {'name': 'adam', 'lr': 0.01},
                                                       'clip': 0.5, 'synthesizer': {'kind': 'linear', 'scale': scale}},
                                                 dtype=dtype)
                recs[name] = ref.run(cfg_path, init_path, 25, os.path.join(sub, 'out'), dtype=dtype, quiet=True)
                finals[name], _ = ref.load_safetensors(os.path.join(sub, 'out', 'final.safetensors'))
            assert all(r['mode'] == 'synthetic' and r['ghat_norm'] > 0 for r in recs['syn0'])
            for a, b in zip(recs['bptt'], recs['syn0']):
                for k in ('loss', 'grad_norm', 'delta_norm', 'sg_loss'):
                    assert a[k] == b[k], (dtype, a['step'], k, a[k], b[k])
            for k in finals['bptt']:
                assert torch.equal(finals['bptt'][k], finals['syn0'][k]), k


@check
def delta_and_param_grad_by_finite_differences():
    with tempfile.TemporaryDirectory() as tmp:
        cfg_path, init_path = tiny_setup(tmp, {'policy': {'name': 'dni'},
                                               'synthesizer': {'kind': 'mlp', 'scale': 0.7, 'hidden': [5]}},
                                         synth_scale=0.5)
        tr = ref.Trainer(ref.load_config(cfg_path), init_path, torch.float64)
        for t in range(3):  # a mid-epoch, non-zero state
            tr.step(t)
        k = 3
        x, y = tr.chunk(k)
        s_prev = tr.state.clone()
        lam = 0.7
        for mode in ('real', 'synthetic'):
            tr.model.zero_grad(set_to_none=True)
            loss, s_k, delta, ghat, _ = tr.forward_backward(x, y, s_prev, mode)
            if mode == 'synthetic':
                assert ghat is not None and ghat.abs().max() > 1e-3
                g_const = ghat.clone()
            else:
                g_const = torch.zeros_like(s_k)

            def objective(s):
                with torch.no_grad():
                    l, sk = tr.model.forward_chunk(x, y, s)
                    return (l + lam * (g_const * sk).sum()).item()

            eps = 1e-6
            fd = torch.zeros_like(s_prev)
            for b in range(s_prev.shape[0]):
                for j in range(s_prev.shape[1]):
                    e = torch.zeros_like(s_prev)
                    e[b, j] = eps
                    fd[b, j] = (objective(s_prev + e) - objective(s_prev - e)) / (2 * eps)
            err = (fd - delta).abs().max().item()
            assert err < 1e-8 * max(1.0, delta.abs().max().item()) + 1e-9, (mode, err)
            # parameter gradient (synthetic contribution included), a few coordinates of every tensor
            for name, p in tr.model.named_parameters():
                flat = p.data.view(-1)
                gflat = p.grad.view(-1)
                for idx in range(0, flat.numel(), max(1, flat.numel() // 4)):
                    old = flat[idx].item()
                    flat[idx] = old + eps
                    fp = objective(s_prev)
                    flat[idx] = old - eps
                    fm = objective(s_prev)
                    flat[idx] = old
                    close(gflat[idx].item(), (fp - fm) / (2 * eps), 1e-7, f'{mode} d/d{name}[{idx}]')
            if mode == 'synthetic':
                # the synthetic part is really there: delta differs from the real-mode delta
                assert (delta - delta_real).abs().max() > 1e-4
            else:
                delta_real = delta


@check
def sg_loss_definition_and_phi_order():
    with tempfile.TemporaryDirectory() as tmp:
        cfg_path, init_path = tiny_setup(tmp, {'policy': {'name': 'dni'}, 'synthesizer': {'kind': 'linear',
                                                                                          'lr': 0.05}},
                                         synth_scale=0.3)
        tr = ref.Trainer(ref.load_config(cfg_path), init_path, torch.float64)
        for t in range(4):
            s_prev = tr.state.clone()
            synth_before = copy.deepcopy(tr.synth)
            x, y = tr.chunk(t)
            probe = copy.deepcopy(tr)  # forward/backward on a copy to get delta with phi before the step
            probe.model.zero_grad(set_to_none=True)
            _, s_k, delta, ghat, _ = probe.forward_backward(x, y, s_prev, 'synthetic')
            rec = tr.step(t)
            with torch.no_grad():
                pred = synth_before(s_prev)
                want = ((pred - delta) ** 2).sum(1).mean().item()
                close(rec['sg_loss'], want, 1e-12, 'sg_loss = mean_b sum_S')
                close(rec['ghat_norm'], torch.norm(synth_before(s_k)).item(), 1e-12, 'ghat with phi before step')
                close(rec['delta_norm'], torch.norm(delta).item(), 1e-12, 'delta_norm')
            # (at chunk 0, s_prev = 0, so only the bias can move)
            assert not torch.equal(tr.synth.bias, synth_before.bias), 'synthesizer did not step'
            if t > 0:
                assert not torch.equal(tr.synth.weight, synth_before.weight), 'synthesizer did not step'
        # train_in_real false: no synthesizer step and sg_loss null in real mode
        cfg = ref.load_config(cfg_path)
        cfg['policy']['name'] = 'bptt'
        cfg['synthesizer']['train_in_real'] = False
        tr = ref.Trainer(cfg, init_path, torch.float64)
        w = tr.synth.weight.clone()
        rec = tr.step(0)
        assert rec['sg_loss'] is None and rec['ghat_norm'] is None and torch.equal(w, tr.synth.weight)


def replay(cfg, init_path, steps):
    """Hand-written optimizers around the trainer's forward/backward (float64)."""
    tr = ref.Trainer(cfg, init_path, torch.float64)
    o = cfg['optimizer']
    params = tr.params
    m = [torch.zeros_like(p) for p in params]
    v = [torch.zeros_like(p) for p in params]
    buf = [None for _ in params]
    for t in range(steps):
        e, k = divmod(t, tr.C)
        if k == 0:
            tr.state = torch.zeros_like(tr.state)
        x, y = tr.chunk(k)
        lr = ref.lr_for_step(cfg, t, e, k, tr.C)
        mode = ref.mode_for_step(cfg, t, e, k, tr.C)
        for p in params:
            p.grad = None
        _, s_k, delta, _, _ = tr.forward_backward(x, y, tr.state, mode)
        if tr.synth is not None:
            tr.synth_opt.zero_grad()
            ((tr.synth(tr.state) - delta) ** 2).sum(1).mean().backward()
            tr.synth_opt.step()
        norm = math.sqrt(sum((p.grad ** 2).sum().item() for p in params))
        coef = 1.0
        if cfg['clip'] and cfg['clip'] / (norm + 1e-6) < 1:
            coef = cfg['clip'] / (norm + 1e-6)
        with torch.no_grad():
            for i, p in enumerate(params):
                g = p.grad * coef + o['weight_decay'] * p
                if o['name'] == 'adam':
                    b1, b2 = o['betas']
                    m[i] = b1 * m[i] + (1 - b1) * g
                    v[i] = b2 * v[i] + (1 - b2) * g * g
                    mh = m[i] / (1 - b1 ** (t + 1))
                    vh = v[i] / (1 - b2 ** (t + 1))
                    p -= lr * mh / (vh.sqrt() + o['eps'])
                else:
                    if o['momentum']:
                        buf[i] = g.clone() if buf[i] is None else o['momentum'] * buf[i] + g
                        g = buf[i]
                    p -= lr * g
        tr.state = s_k
    return tr.tensors()


@check
def optimizers_by_hand():
    with tempfile.TemporaryDirectory() as tmp:
        for i, extra in enumerate((
                {'optimizer': {'name': 'adam', 'lr': 0.01, 'weight_decay': 0.01}, 'clip': 0.3,
                 'schedule': {'unit': 'step', 't0': 3, 't_mult': 2},
                 'policy': {'name': 'alternating'}, 'synthesizer': {'kind': 'linear'}},
                {'optimizer': {'name': 'sgd', 'lr': 0.3, 'momentum': 0.9, 'weight_decay': 0.01}, 'clip': 0.2,
                 'policy': {'name': 'dni', 'warmup': 2, 'unit': 'step'}, 'synthesizer': {'kind': 'mlp'}},
                {'optimizer': {'name': 'sgd', 'lr': 0.3}, 'tied': True, 'hidden': [4, 5]})):
            sub = os.path.join(tmp, str(i))
            os.makedirs(sub)
            cfg_path, init_path = tiny_setup(sub, extra)
            cfg = ref.load_config(cfg_path)
            steps = 12
            torch.manual_seed(0)
            ref.run(cfg_path, init_path, steps, os.path.join(sub, 'out'), dtype=torch.float64, quiet=True)
            got, _ = ref.load_safetensors(os.path.join(sub, 'out', 'final.safetensors'))
            want = replay(cfg, init_path, steps)
            for k in want:
                err = (got[k] - want[k]).abs().max().item()
                assert err < 1e-12, (i, k, err)


@check
def tied_gradient():
    with tempfile.TemporaryDirectory() as tmp:
        cfg_path, init_path = tiny_setup(tmp, {'tied': True, 'hidden': [4, 5], 'clip': 0.1})
        cfg = ref.load_config(cfg_path)
        tr = ref.Trainer(cfg, init_path, torch.float64)
        assert tr.model.decoder.weight is tr.model.encoder.weight
        names = [n for n, _ in tr.model.named_parameters()]
        assert 'decoder.weight' not in names and len(tr.params) == len(names)
        assert set(tr.tensors()) >= {'encoder.weight', 'decoder.weight'}
        x, y = tr.chunk(0)
        tr.forward_backward(x, y, tr.state, 'real')
        g_tied = tr.model.encoder.weight.grad.clone()
        untied = ref.LM(tr.V, 5, [4, 5], False).double()
        sd = tr.model.state_dict()
        untied.load_state_dict({k: v.clone() for k, v in sd.items()})
        s0 = torch.zeros_like(tr.state)
        loss, _ = untied.forward_chunk(x, y, s0)
        loss.backward()
        want = untied.encoder.weight.grad + untied.decoder.weight.grad
        assert torch.allclose(g_tied, want, atol=1e-14, rtol=0)
        # grad_norm counts the shared matrix once
        tr2 = ref.Trainer(cfg, init_path, torch.float64)
        rec = tr2.step(0)
        other = sum((p.grad ** 2).sum() for n, p in untied.named_parameters()
                    if n not in ('encoder.weight', 'decoder.weight'))
        close(rec['grad_norm'], math.sqrt((other + (want ** 2).sum()).item()), 1e-12, 'tied grad_norm')


@check
def ridge_is_weighted_least_squares():
    """The ridge reference's map minimises sum_k rho^(K-k) |X_k W - Y_k|^2 + p |W|^2 (p = mu mean diag A),
    found here by an ordinary least-squares solve of the stacked, weighted system."""
    g = torch.Generator().manual_seed(5)
    S, B, K, mu, memory = 6, 3, 5, 0.1, 4.0
    r = synth_fits.RidgeReference(S, mu, memory, 1)
    xs, ys = [], []
    for _ in range(K):
        s, y = torch.randn(B, S, generator=g), torch.randn(B, S, generator=g)
        r.add(s, y)
        xs.append(torch.cat([s.double(), torch.ones(B, 1, dtype=torch.float64)], 1))
        ys.append(y.double())
    z = r.solution()
    rho = 1 - 1 / memory
    w = [math.sqrt(rho ** (K - 1 - k)) for k in range(K)]
    a = sum(wk * wk * (x.T @ x) for wk, x in zip(w, xs))
    p = mu * torch.diagonal(a).mean().item()
    big_x = torch.cat([wk * x for wk, x in zip(w, xs)] + [math.sqrt(p) * torch.eye(S + 1, dtype=torch.float64)])
    big_y = torch.cat([wk * y for wk, y in zip(w, ys)] + [torch.zeros(S + 1, S, dtype=torch.float64)])
    want = torch.linalg.lstsq(big_x, big_y).solution
    assert torch.allclose(z, want, rtol=1e-10, atol=1e-12), (z - want).abs().max()
    r2 = synth_fits.RidgeReference(S, mu, memory, 3)
    r2.add(xs[0][:, :S].float(), ys[0].float())
    assert r2.solution() is None  # refit_every 3: not after the first pair


@check
def bound_rows_by_hand():
    """synthesizer.bound: a row within kappa sqrt(S) comes back unchanged, a longer one with norm
    kappa sqrt(S) and the same direction (each row by itself); one row counted as scaled."""
    S, kappa = 4, 0.5
    out = torch.tensor([[0.2, -0.3, 0.1, 0.4], [3.0, 0.0, -4.0, 0.0]], dtype=torch.float32)
    got, rows = ref.bound_rows(out, kappa)
    assert rows == 1
    assert torch.equal(got[0], out[0])
    close(got[1].double().norm().item(), kappa * math.sqrt(S), 1e-7, 'bounded row norm')
    close(got[1, 0].item(), 3.0 / 5.0, 1e-7, 'bounded row direction')
    close(got[1, 2].item(), -4.0 / 5.0, 1e-7, 'bounded row direction')


@check
def condition_input_by_hand():
    """synthesizer.condition: the input is [s, one-hot of the ids at p .. p+c] per batch row, with a
    zero block for a position past L; the linear synthesizer's weight is (S, S + (c+1) V)."""
    d = os.path.join(FIX, 'dni_condition')
    with tempfile.TemporaryDirectory() as tmp:
        tr = ref.Trainer(ref.load_config(os.path.join(d, 'config.json')), fixtures.case_init('dni_condition', tmp))
    V, S, L, B = tr.V, tr.S, tr.L, tr.B
    assert tuple(tr.synth.weight.shape) == (S, S + 3 * V)
    s = torch.arange(B * S, dtype=torch.float32).view(B, S)
    x = tr.synth_input(s, 8)  # the state after chunk 0 stands before position 8
    assert torch.equal(x[:, :S], s)
    for b in range(B):
        for j in range(3):
            block = x[b, S + j * V:S + (j + 1) * V]
            assert block.sum().item() == 1 and block[int(tr.data[8 + j, b])].item() == 1
    x = tr.synth_input(s, L - 1)  # after the epoch's last chunk: only position L-1 is in the stream
    assert x[:, S:S + V].sum().item() == B and x[:, S + V:].abs().sum().item() == 0


def rerun_matches(case, tmp, d):
    """The rerun's metrics and final weights (or their digest, expected_final.json) equal the
    fixture's bit for bit, or, where this machine's BLAS rounds float32 products otherwise than the
    one that made them, to 1e-4 (metrics: relative; weights: absolute, where Adam moves a weight whose
    gradient is near 0 by up to its lr on a rounding difference). The parity tests allow 1e-3 for both."""
    def read(path):
        with open(path, 'rb') as f:
            return f.read()
    got_m, want_m = read(os.path.join(tmp, 'metrics.jsonl')), read(os.path.join(d, 'expected_metrics.jsonl'))
    final = os.path.join(d, 'final.safetensors')
    gw, _ = ref.load_safetensors(os.path.join(tmp, 'final.safetensors'))
    if os.path.exists(final):
        same_w = read(os.path.join(tmp, 'final.safetensors')) == read(final)
    else:
        want_digest = read(os.path.join(d, 'expected_final.json')).decode('utf-8')
        same_w = ref.digest_json(ref.weights_digest(gw)) == want_digest
    if got_m == want_m and same_w:
        return
    got = [json.loads(line) for line in got_m.splitlines()]
    want = [json.loads(line) for line in want_m.splitlines()]
    assert len(got) == len(want), f'{case}: {len(got)} records on rerun, {len(want)} in the fixture'
    for g, w in zip(got, want):
        assert list(g) == list(w), f'{case}: fields differ at step {w["step"]}'
        for k, b in w.items():
            a = g[k]
            if isinstance(b, float) and isinstance(a, float):
                close(a, b, 1e-4, f'{case}: {k} at step {w["step"]}')
            else:
                assert a == b, f'{case}: {k} at step {w["step"]}: {a!r} != {b!r}'
    if os.path.exists(final):
        ww, _ = ref.load_safetensors(final)
        assert sorted(gw) == sorted(ww), f'{case}: other tensors in the final weights'
        for k in ww:
            assert torch.allclose(gw[k], ww[k], rtol=0, atol=1e-4), f'{case}: final {k} differs on rerun'
    else:
        got, want = ref.weights_digest(gw), json.loads(want_digest)
        assert sorted(got) == sorted(want), f'{case}: other tensors in the final weights'
        for k, w in want.items():
            g = got[k]
            assert g['shape'] == w['shape'] and [i for i, _ in g['values']] == [i for i, _ in w['values']], k
            for a, b in [(g['norm'], w['norm']), (g['sum'], w['sum'])] + [(x[1], y[1]) for x, y in zip(g['values'], w['values'])]:
                assert abs(a - b) <= 1e-4, f'{case}: final {k} differs on rerun ({a} vs {b})'
    print(f'      {case}: rerun equal to float32 rounding, not bit for bit (another BLAS kernel)')


@check
def fixtures_reproduce():
    if not os.path.isdir(FIX):
        raise AssertionError(f'{FIX} missing: run make_parity_fixtures.py first')
    # the language-model cases (make_parity_fixtures.py); copy_stream_dni is stream_copy_reference.py's
    cases = sorted(d for d in os.listdir(FIX) if os.path.exists(os.path.join(FIX, d, 'config.json'))
                   and json.load(open(os.path.join(FIX, d, 'config.json')))['task'] in ('charlm', 'wordlm'))
    assert len(cases) == 18, cases
    for case in cases:
        d = os.path.join(FIX, case)
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, 'out')
            ref.run(os.path.join(d, 'config.json'), fixtures.case_init(case, tmp), 40, out, quiet=True)
            rerun_matches(case, out, d)
        with open(os.path.join(d, 'expected_metrics.jsonl')) as f:
            recs = [json.loads(l) for l in f]
        keys = ['step', 'epoch', 'chunk', 'chunk_len', 'loss', 'lr', 'mode', 'sg_loss', 'grad_norm',
                'delta_norm', 'ghat_norm']
        cfg = ref.load_config(os.path.join(d, 'config.json'))
        scfg = cfg['synthesizer']
        later = ['sg_fit_cos'] + (['aux_loss'] if scfg is not None and scfg['aux'] > 0 else []) \
            + (['sg_bound_frac'] if scfg is not None and scfg.get('bound') is not None else [])
        assert all(list(r) == keys + later for r in recs) and len(recs) == 40
        assert [r['step'] for r in recs] == list(range(40))
        assert all((r['ghat_norm'] is None) == (r['mode'] == 'real') for r in recs)
        modes = ''.join('s' if r['mode'] == 'synthetic' else 'r' for r in recs)
        C = 13
        assert all(r['epoch'] == r['step'] // C and r['chunk'] == r['step'] % C for r in recs)
        assert all(r['chunk_len'] == (2 if cfg['task'] == 'wordlm' else 4) for r in recs if r['chunk'] == 12)
        expect_modes = {
            'bptt_adam': 'r' * 40, 'bptt_sgd_clip_wd': 'r' * 40, 'bptt_with_synth_real': 'r' * 40,
            'dni_linear_steps': 'r' * 5 + 's' * 35, 'dni_mlp': 's' * 40, 'tied_2layer_word': 'rr' + 's' * 38,
            'alt_linear_steps': ''.join('r' if (t // 8) % 2 == 0 else 's' for t in range(40)),
            'alt_linear_epochs_cycles': 's' * 13 + 'r' * 26 + 's',
            'alt_mlp_epochs_fractional': 'r' * 13 + 's' * 26 + 'r',
            'dni_popart': 'r' * 5 + 's' * 35, 'dni_discount': 's' * 40,
            'alt_mlp_aux_popart': ''.join('r' if (t // 8) % 2 == 0 else 's' for t in range(40)),
            'dni_ridge': 'r' * 5 + 's' * 35, 'dni_average': 'r' * 3 + 's' * 37, 'dni_bound': 'r' * 3 + 's' * 37,
            'dni_condition': 'r' * 3 + 's' * 37, 'dni_condition_ridge': 'r' * 5 + 's' * 35,
            'alt_mlp_condition_word': ''.join('r' if (t // 8) % 2 == 0 else 's' for t in range(40)),
        }[case]
        assert modes == expect_modes, (case, modes)
        if case in ('bptt_adam', 'bptt_sgd_clip_wd'):
            assert all(r['sg_loss'] is None for r in recs)
        elif scfg['train_at_reset']:
            assert all(r['sg_loss'] is not None for r in recs)
        else:  # no synthesizer step on the pair at a state reset
            assert all((r['sg_loss'] is None) == (r['chunk'] == 0) for r in recs)
        if case == 'dni_linear_steps':
            for t in (0, 10, 30):
                assert recs[t]['lr'] == 0.003
            close(recs[5]['lr'], 0.0015, 1e-15, 'lr at half of cycle 0')
            close(recs[20]['lr'], 0.0015, 1e-15, 'lr at half of cycle 1')
        if case == 'alt_linear_epochs_cycles':
            assert [recs[t]['lr'] for t in (0, 13, 26, 39)] == [0.003, 0.003, 1e-4 + 0.5 * (0.003 - 1e-4), 0.003]


def main():
    torch.set_num_threads(1)
    failed = 0
    for fn in CHECKS:
        try:
            fn()
            print(f'ok    {fn.__name__}')
        except Exception:  # noqa: BLE001
            failed += 1
            print(f'FAIL  {fn.__name__}')
            traceback.print_exc()
    print(f'{len(CHECKS) - failed}/{len(CHECKS)} checks passed')
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
