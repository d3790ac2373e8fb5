"""What the self-checks share: the list of checks, a tolerance test, and tiny
corpora and configs written to a temporary folder (selfcheck_reference.py runs them)."""
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import torch_reference as ref  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
FIX = os.path.join(ROOT, 'test', 'fixtures', 'parity')

CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


def close(a, b, tol, what):
    if abs(a - b) > tol * max(1.0, abs(b)):
        raise AssertionError(f'{what}: {a!r} != {b!r} (tol {tol})')


# --------------------------------------------------------------------------
# helpers: tiny corpora and configs in a temp folder
# --------------------------------------------------------------------------

def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(text.encode('utf-8'))


def tiny_setup(tmp, cfg, seed=0, synth_scale=0.05, dtype=torch.float64):
    """Write a config + random init into tmp and return (cfg_path, init_path)."""
    text = ('hello world, this is a tiny corpus for checking the reference trainer. '
            'it has a few letters and spaces.\n') * 3
    write(os.path.join(tmp, 'c.txt'), text)
    base = {'task': 'charlm', 'data': 'c.txt', 'split': None, 'embed': 5, 'hidden': [4, 3], 'batch': 3,
            'bptt': 5}
    base.update(cfg)
    cfg_path = os.path.join(tmp, 'config.json')
    with open(cfg_path, 'w') as f:
        json.dump(base, f)
    rc = ref.load_config(cfg_path)
    vocab, _, _ = ref.char_corpus(rc)
    torch.manual_seed(seed)
    model = ref.LM(len(vocab), rc['embed'], rc['hidden'], rc['tied'])
    tensors = {k: torch.empty_like(v).uniform_(-0.3, 0.3) for k, v in model.state_dict().items()}
    if rc['tied']:
        tensors['decoder.weight'] = tensors['encoder.weight'].clone()
    if rc['synthesizer'] is not None:
        synth = ref.build_synthesizer(rc['synthesizer'], model.S)
        for k, v in synth.state_dict().items():
            tensors['synthesizer.' + k] = torch.empty_like(v).uniform_(-synth_scale, synth_scale)
    init_path = os.path.join(tmp, 'init.safetensors')
    ref.save_safetensors(init_path, tensors, dtype='F64' if dtype == torch.float64 else 'F32')
    return cfg_path, init_path
