"""Self-checks of the reference's input and output: safetensors, the data rules,
and the errors for a bad init file (registered when selfcheck_reference.py imports this)."""
import json
import math
import os
import tempfile

import torch

import torch_reference as ref
from selfcheck_common import check, tiny_setup, write


@check
def safetensors_roundtrip():
    with tempfile.TemporaryDirectory() as tmp:
        p = os.path.join(tmp, 'x.safetensors')
        t = {'b': torch.randn(3, 5, dtype=torch.float64), 'a': torch.randn(7, dtype=torch.float64),
             'c': torch.randn(2, 1, 4, dtype=torch.float64)}
        for dt in ('F32', 'F64'):
            ref.save_safetensors(p, t, metadata={'k': 'v'}, dtype=dt)
            with open(p, 'rb') as f:
                raw = f.read()
            n = int.from_bytes(raw[:8], 'little')
            assert n % 8 == 0, 'header not padded to 8'
            hdr = json.loads(raw[8:8 + n])
            assert hdr['__metadata__'] == {'k': 'v'}
            assert hdr['a']['data_offsets'][0] == 0
            assert len(raw) == 8 + n + sum(v['data_offsets'][1] - v['data_offsets'][0]
                                           for k, v in hdr.items() if k != '__metadata__')
            back, meta = ref.load_safetensors(p)
            for k in t:
                want = t[k].float().double() if dt == 'F32' else t[k]
                assert torch.equal(back[k], want), k


@check
def data_rules():
    with tempfile.TemporaryDirectory() as tmp:
        # code-point sort: U+FB01 < U+1F600 (UTF-16 unit order would swap them), \r\n two chars, BOM kept
        write(os.path.join(tmp, 'a.txt'), '\ufeffb\U0001F600a\ufb01\r\nab')
        cfg = {'task': 'charlm', 'data': 'a.txt', 'split': None, 'embed': 2, 'hidden': 2, 'batch': 2, 'bptt': 2}
        with open(os.path.join(tmp, 'c.json'), 'w') as f:
            json.dump(cfg, f)
        vocab, ids, _ = ref.char_corpus(ref.load_config(os.path.join(tmp, 'c.json')))
        assert vocab == ['\n', '\r', 'a', 'b', '\ufb01', '\ufeff', '\U0001F600'], vocab
        assert len(ids) == 9
        # split: last floor(n v) + floor(n t) code points held out, valid first
        write(os.path.join(tmp, 's.txt'), 'abcabcabcabcabcabcaX')  # n = 20: valid 2 ('ca'), test 1 ('X')
        cfg.update(data='s.txt', split={'valid': 0.1, 'test': 0.05})
        with open(os.path.join(tmp, 'c.json'), 'w') as f:
            json.dump(cfg, f)
        try:
            ref.char_corpus(ref.load_config(os.path.join(tmp, 'c.json')))
            raise AssertionError('unseen test character not reported')
        except ValueError as e:
            assert "'X'" in str(e) and 's.txt' in str(e), str(e)
        write(os.path.join(tmp, 's.txt'), 'abcabcabcabcabcabcab')
        vocab, ids, held = ref.char_corpus(ref.load_config(os.path.join(tmp, 'c.json')))
        assert len(ids) == 17 and held['valid'] == [2, 0] and held['test'] == [1], (len(ids), held)
        # word level
        assert ref.word_tokens('a b\n\nc\u00a0d\te\n') == ['a', 'b', '<eos>', '<eos>', 'c', 'd', 'e', '<eos>']
        assert ref.word_tokens('a\nb') == ['a', '<eos>', 'b', '<eos>']
        assert ref.word_tokens('') == []
        d = os.path.join(tmp, 'w')
        write(os.path.join(d, 'train.txt'), 'x y\ny\n')
        write(os.path.join(d, 'valid.txt'), 'z x\n')
        write(os.path.join(d, 'test.txt'), 'q\n')
        with open(os.path.join(tmp, 'w.json'), 'w') as f:
            json.dump({'task': 'wordlm', 'data': 'w', 'embed': 2, 'hidden': 2, 'batch': 1, 'bptt': 2}, f)
        vocab, ids, held = ref.word_corpus(ref.load_config(os.path.join(tmp, 'w.json')))
        assert vocab == ['x', 'y', '<eos>', 'z', 'q'] and ids == [0, 1, 2, 1, 2], (vocab, ids)
        assert held == {'valid': [3, 0, 2], 'test': [4, 2]}
    # batchify: N = 11, B = 3 -> L = 3, stream b = ids[3b:3b+3]
    data = ref.batchify(list(range(11)), 3)
    assert data.tolist() == [[0, 3, 6], [1, 4, 7], [2, 5, 8]], data.tolist()
    # chunks
    with tempfile.TemporaryDirectory() as tmp:
        cfg_path, init_path = tiny_setup(tmp, {'batch': 4, 'bptt': 8})
        tr = ref.Trainer(ref.load_config(cfg_path), init_path, torch.float64)
        L, T = tr.L, tr.T
        assert tr.C == math.ceil((L - 1) / T)
        lens = [tr.chunk(k)[0].shape[0] for k in range(tr.C)]
        assert sum(lens) == L - 1 and all(l == T for l in lens[:-1]) and 1 <= lens[-1] <= T, lens
        x, y = tr.chunk(tr.C - 1)
        assert torch.equal(y[:-1], x[1:]) and torch.equal(y[-1], tr.data[L - 1])


@check
def init_errors():
    with tempfile.TemporaryDirectory() as tmp:
        cfg_path, init_path = tiny_setup(tmp, {'synthesizer': {'kind': 'linear'}})
        cfg = ref.load_config(cfg_path)
        good, _ = ref.load_safetensors(init_path)
        for what, tensors in (('missing', {k: v for k, v in good.items() if k != 'rnns.1.bias_hh'}),
                              ('unexpected', dict(good, extra=torch.zeros(2))),
                              ('shape', dict(good, **{'synthesizer.bias': torch.zeros(3)}))):
            p = os.path.join(tmp, 'bad.safetensors')
            ref.save_safetensors(p, tensors)
            try:
                ref.Trainer(cfg, p, torch.float32)
                raise AssertionError(f'{what}: no error')
            except ValueError as e:
                assert what in str(e), str(e)
