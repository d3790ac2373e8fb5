"""The reference trainer's input and output, written from docs/config.md and docs/algorithm.md §1, §9:
safetensors files, the run configuration with every default filled, and the corpora (character and
word level, batchified). Part of the independent PyTorch reference (torch_reference.py)."""
import json
import math
import os
import struct

import numpy as np
import torch

# --------------------------------------------------------------------------
# safetensors (tiny reader / writer: 8-byte LE header length, JSON header,
# raw little-endian data; offsets relative to the start of the data buffer)
# --------------------------------------------------------------------------

_NP_DTYPES = {'F32': '<f4', 'F64': '<f8'}


def save_safetensors(path, tensors, metadata=None, dtype='F32'):
    """Write {name: tensor} to `path` in `dtype` ('F32' or 'F64'), names sorted."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name].detach().cpu().double().numpy().astype(_NP_DTYPES[dtype]))
        raw = arr.tobytes()
        header[name] = {'dtype': dtype, 'shape': list(arr.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header['__metadata__'] = {str(k): str(v) for k, v in metadata.items()}
    hjson = json.dumps(header, separators=(',', ':')).encode('utf-8')
    hjson += b' ' * ((8 - len(hjson) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(hjson)))
        f.write(hjson)
        for raw in blobs:
            f.write(raw)


def load_safetensors(path):
    """Read a safetensors file: returns ({name: float64 torch tensor}, metadata)."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f'{path}: not a safetensors file (too short)')
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n].decode('utf-8'))
    buf = data[8 + n:]
    meta = header.pop('__metadata__', {}) or {}
    out = {}
    for name, info in header.items():
        dt = info['dtype']
        if dt not in _NP_DTYPES:
            raise ValueError(f'{path}: tensor {name!r} has unsupported dtype {dt}')
        b, e = info['data_offsets']
        arr = np.frombuffer(buf[b:e], dtype=_NP_DTYPES[dt]).reshape(info['shape'])
        out[name] = torch.from_numpy(arr.astype(np.float64))
    return out, meta


# --------------------------------------------------------------------------
# fixtures without weight files (test/fixtures/parity/README.md): initial values
# by a rule both languages compute bit for bit, and a digest of the final weights
# --------------------------------------------------------------------------

RULE_RANGE = {'model': 0.1, 'synthesizer': 0.05}
DIGEST_POINTS = 16


def _fmix32(h):
    h &= 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    return h ^ (h >> 16)


def _fnv1a(name):
    h = 0x811C9DC5
    for b in name.encode('utf-8'):
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def rule_tensor(name, shape):
    """Element i of tensor `name`: (2u - 1) r, u = fmix32(fnv1a(name) + i * 0x9E3779B9) / 2^32, in
    float64 then float32; r = 0.05 for synthesizer.* tensors, 0.1 for the model's."""
    r = RULE_RANGE['synthesizer' if name.startswith('synthesizer.') else 'model']
    base, n = _fnv1a(name), math.prod(shape)
    vals = [(2.0 * _fmix32(base + i * 0x9E3779B9) / 4294967296.0 - 1.0) * r for i in range(n)]
    return torch.tensor(vals, dtype=torch.float64).to(torch.float32).reshape(shape)


def digest_indices(n):
    """The DIGEST_POINTS evenly spaced flat indices a digest keeps (all of them when fewer)."""
    if n <= DIGEST_POINTS:
        return list(range(n))
    return [k * (n - 1) // (DIGEST_POINTS - 1) for k in range(DIGEST_POINTS)]


def weights_digest(tensors):
    """{name: {shape, norm, sum, values: [[i, x_i], ...]}} of a run's final weights (float64 sums)."""
    out = {}
    for name in sorted(tensors):
        flat = tensors[name].detach().double().flatten()
        out[name] = {'shape': list(tensors[name].shape), 'norm': flat.norm().item(), 'sum': flat.sum().item(),
                     'values': [[i, flat[i].item()] for i in digest_indices(flat.numel())]}
    return out


def digest_json(digest):
    """A digest as JSON text, one tensor a line."""
    lines = [f' {json.dumps(k)}: {json.dumps(v, separators=(",", ":"))}' for k, v in digest.items()]
    return '{\n' + ',\n'.join(lines) + '\n}\n'


# --------------------------------------------------------------------------
# configuration (docs/config.md)
# --------------------------------------------------------------------------

_TOP_KEYS = {'task', 'data', 'split', 'embed', 'hidden', 'layers', 'tied', 'batch', 'bptt', 'optimizer',
             'clip', 'schedule', 'policy', 'synthesizer', 'steps', 'epochs', 'backend', 'seed',
             'init_range', 'eval'}
_OPT_DEFAULTS = {'name': 'adam', 'lr': 1e-3, 'betas': [0.9, 0.999], 'eps': 1e-8, 'weight_decay': 0.0,
                 'momentum': 0.0}
_SCHED_DEFAULTS = {'eta_max': None, 'eta_min': 0.0, 't0': None, 't_mult': 1, 'cycles': None,
                   'unit': 'epoch', 'fractional': False}
_POLICY_DEFAULTS = {'name': 'bptt', 'warmup': 0, 'first_mode': 'real', 'unit': None}
_SYNTH_DEFAULTS = {'kind': 'linear', 'scale': 0.1, 'lr': 1e-3, 'betas': [0.9, 0.999], 'eps': 1e-8,
                   'weight_decay': 0.0, 'hidden': None, 'units': 50, 'noise': 0.5, 'train_in_real': True,
                   'discount': None, 'train_at_reset': True, 'normalize': 'none', 'aux': 0.0,
                   'fit': 'adam', 'ridge': 0.01, 'memory': 1000, 'refit_every': 1, 'average': 0,
                   'bound': None, 'condition': 0}
_EVAL_DEFAULTS = {'batch': 10, 'every': None}


def _strip_comments(d):
    return {k: v for k, v in d.items() if not k.startswith('_')}


def _with_defaults(section, given, defaults):
    if given is None:
        return None
    if not isinstance(given, dict):
        raise ValueError(f'config: {section} must be an object or null')
    given = _strip_comments(given)
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ValueError(f'config: unknown key(s) in {section}: {", ".join(unknown)}')
    out = dict(defaults)
    out.update(given)
    return out


def load_config(path):
    """Read a docs/config.md run configuration and fill every default.

    `data` is resolved relative to the config file's folder."""
    with open(path, 'r', encoding='utf-8') as f:
        raw = json.load(f)
    cfg = _strip_comments(raw)
    unknown = sorted(set(cfg) - _TOP_KEYS)
    if unknown:
        raise ValueError(f'config: unknown key(s): {", ".join(unknown)}')
    for k in ('task', 'data', 'embed', 'hidden', 'batch', 'bptt'):
        if k not in cfg:
            raise ValueError(f'config: missing required key {k!r}')
    if cfg['task'] not in ('charlm', 'wordlm'):
        raise ValueError(f'reference trainer supports charlm and wordlm only, not {cfg["task"]!r}')
    cfg['data'] = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)), cfg['data']))
    cfg.setdefault('split', None)

    hidden = cfg['hidden']
    if isinstance(hidden, list):
        layers = cfg.get('layers', len(hidden))
        if layers != len(hidden):
            raise ValueError(f'config: layers={layers} but hidden lists {len(hidden)} widths')
    else:
        layers = cfg.get('layers', 1)
        hidden = [hidden] * layers
    cfg['hidden'] = [int(h) for h in hidden]
    cfg['layers'] = layers
    cfg.setdefault('tied', False)
    if cfg['tied'] and cfg['hidden'][-1] != cfg['embed']:
        raise ValueError('config: tied needs the last hidden width to equal embed')

    cfg['optimizer'] = _with_defaults('optimizer', cfg.get('optimizer', {}), _OPT_DEFAULTS)
    if cfg['optimizer']['name'] not in ('adam', 'sgd'):
        raise ValueError(f'config: unknown optimizer {cfg["optimizer"]["name"]!r}')
    cfg.setdefault('clip', None)

    sched = _with_defaults('schedule', cfg.get('schedule'), _SCHED_DEFAULTS)
    if sched is not None:
        if sched['eta_max'] is None:
            sched['eta_max'] = cfg['optimizer']['lr']
        if sched['cycles'] is None and sched['t0'] is None:
            raise ValueError('config: schedule needs t0 or cycles')
        if sched['cycles'] is not None and (not sched['cycles'] or any(c <= 0 for c in sched['cycles'])):
            raise ValueError('config: schedule.cycles must be a non-empty list of positive integers')
        if sched['unit'] not in ('epoch', 'step'):
            raise ValueError(f'config: schedule.unit must be "epoch" or "step"')
    cfg['schedule'] = sched

    policy = _with_defaults('policy', cfg.get('policy', {}), _POLICY_DEFAULTS)
    if policy['unit'] is None:
        policy['unit'] = sched['unit'] if sched is not None else 'epoch'
    if policy['name'] not in ('bptt', 'dni', 'alternating'):
        raise ValueError(f'config: unknown policy {policy["name"]!r}')
    if policy['first_mode'] not in ('real', 'synthetic'):
        raise ValueError('config: policy.first_mode must be "real" or "synthetic"')
    cfg['policy'] = policy

    synth = _with_defaults('synthesizer', cfg.get('synthesizer'), _SYNTH_DEFAULTS)
    if synth is not None and synth['kind'] not in ('linear', 'mlp'):
        raise ValueError(f'reference trainer supports linear and mlp synthesizers, not {synth["kind"]!r}')
    cfg['synthesizer'] = synth
    if policy['name'] in ('dni', 'alternating') and synth is None:
        raise ValueError(f'config: policy {policy["name"]!r} needs a synthesizer')
    if policy['name'] == 'alternating' and sched is None:
        raise ValueError('config: policy "alternating" needs a schedule (it toggles at warm restarts)')

    cfg['eval'] = _with_defaults('eval', cfg.get('eval', {}), _EVAL_DEFAULTS)
    for k, v in (('steps', None), ('epochs', None), ('backend', 'cpu'), ('seed', 0), ('init_range', 0.1)):
        cfg.setdefault(k, v)
    return cfg


# --------------------------------------------------------------------------
# data (§1, §9)
# --------------------------------------------------------------------------

def read_text(path):
    """UTF-8 text, no normalisation: '\\r\\n' stays two characters, a BOM is U+FEFF."""
    with open(path, 'rb') as f:
        return f.read().decode('utf-8')


def char_corpus(cfg):
    """Returns (vocab list, train ids, {split: ids})."""
    data = cfg['data']
    held = {}
    if os.path.isdir(data):
        train = read_text(os.path.join(data, 'train.txt'))
        for name in ('valid', 'test'):
            p = os.path.join(data, name + '.txt')
            if os.path.exists(p):
                held[name] = (read_text(p), p)
    else:
        text = read_text(data)
        split = cfg['split']
        if split is None:
            train = text
        else:
            split = _strip_comments(split)
            cps = list(text)  # Python str iterates code points
            n = len(cps)
            nv = math.floor(n * split.get('valid', 0))
            nt = math.floor(n * split.get('test', 0))
            train = ''.join(cps[:n - nv - nt])
            held['valid'] = (''.join(cps[n - nv - nt:n - nt]), data)
            held['test'] = (''.join(cps[n - nt:]), data)
    vocab = sorted(set(train), key=ord)
    index = {ch: i for i, ch in enumerate(vocab)}
    held_ids = {}
    for name, (txt, p) in held.items():
        for ch in txt:
            if ch not in index:
                raise ValueError(f'character {ch!r} (U+{ord(ch):04X}) of {name} data {p} is not in the training text')
        held_ids[name] = [index[ch] for ch in txt]
    return vocab, [index[ch] for ch in train], held_ids


def word_tokens(text):
    """Lines split on '\\n' (a final '\\n' does not start a line; an empty file
    has no line), each line's str.split() words followed by '<eos>'."""
    if text == '':
        return []  # an empty file has no lines
    lines = text.split('\n')
    if text.endswith('\n'):
        lines.pop()
    toks = []
    for line in lines:
        toks.extend(line.split())
        toks.append('<eos>')
    return toks


def word_corpus(cfg):
    folder = cfg['data']
    index = {}
    streams = {}
    for name in ('train', 'valid', 'test'):
        toks = word_tokens(read_text(os.path.join(folder, name + '.txt')))
        for w in toks:
            if w not in index:
                index[w] = len(index)
        streams[name] = [index[w] for w in toks]
    vocab = sorted(index, key=index.get)
    return vocab, streams['train'], {'valid': streams['valid'], 'test': streams['test']}


def batchify(ids, B):
    """(L, B) long tensor: column t of the batch is (ids[0*L+t], ..., ids[(B-1)*L+t])."""
    L = len(ids) // B
    if L < 2:
        raise ValueError(f'{len(ids)} ids are too few for batch {B}')
    return torch.tensor(ids[:B * L], dtype=torch.long).view(B, L).t().contiguous()
