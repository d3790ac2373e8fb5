"""Loads a synthgrad checkpoint into the equivalent PyTorch module with load_state_dict (strict).

    /usr/bin/python3 scripts/load_checkpoint_in_torch.py runs/x/checkpoint.safetensors

Reads the safetensors file with the standard library (no `safetensors` package needed), builds
nn.Embedding `encoder`, a ModuleList `rnns` of nn.LSTMCell and nn.Linear `decoder` from the
shapes in the file, and loads the model part. The other tensors (synthesizer.*, optimizer.*,
state.*) are listed: they are what a synthgrad resume needs.
"""
import json, struct, sys
import torch
import torch.nn as nn


def read_safetensors(path):
    raw = open(path, 'rb').read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    buf = raw[8 + n:]
    dt = {'F32': torch.float32, 'F64': torch.float64, 'I32': torch.int32}
    return {k: torch.frombuffer(bytearray(buf[v['data_offsets'][0]:v['data_offsets'][1]]), dtype=dt[v['dtype']]).reshape(v['shape'])
            for k, v in header.items() if k != '__metadata__'}


class LstmLm(nn.Module):
    def __init__(self, vocab, embed, hidden, tied):
        super().__init__()
        self.encoder = nn.Embedding(vocab, embed)
        self.rnns = nn.ModuleList([nn.LSTMCell(embed if l == 0 else hidden[l - 1], h) for l, h in enumerate(hidden)])
        self.decoder = nn.Linear(hidden[-1], vocab)
        if tied:
            self.decoder.weight = self.encoder.weight


state = read_safetensors(sys.argv[1])
model_state = {k: v for k, v in state.items() if k.split('.')[0] in ('encoder', 'rnns', 'decoder')}
vocab, embed = state['encoder.weight'].shape
layers = sorted({int(k.split('.')[1]) for k in model_state if k.startswith('rnns.')})
hidden = [state[f'rnns.{l}.weight_hh'].shape[1] for l in layers]
tied = torch.equal(state['decoder.weight'], state['encoder.weight']) and hidden[-1] == embed
model = LstmLm(vocab, embed, hidden, tied)
print(model.load_state_dict(model_state))
print('also in the file:', sorted(k for k in state if k not in model_state))
