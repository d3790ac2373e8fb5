#!/usr/bin/python3
"""Generate the step-by-step parity fixtures under test/fixtures/parity/.

    /usr/bin/python3 scripts/reference/make_parity_fixtures.py

Deterministic: the corpora are written inline / from a seeded Python RNG, the
initial weights come from torch.manual_seed, and the reference trainer
(torch_reference.py, float32, one thread) has no randomness of its own.

For every case it writes test/fixtures/parity/<case>/:
  config.json             run configuration (docs/config.md schema, "data" relative
                          to the case folder, "steps": 40)
  expected_metrics.jsonl  the reference's 40 per-step records
  expected_final.json     a digest of the reference's weights after the 40 steps
                          (per tensor: shape, norm, sum, 16 values; reference_io.weights_digest)
and the shared corpora under test/fixtures/parity/data/. The initial weights
(model U(-0.1, 0.1), synthesizer U(-0.05, 0.05): non-zero, so that the synthetic
path is exercised) come from reference_io.rule_tensor, which the TypeScript test
computes too: no weight file is committed. The cases made before that rule
(WEIGHT_FILES) keep their init.safetensors (torch.manual_seed) and
final.safetensors, which the test compares in full.

At the end it reruns every case in float64 (into a temporary folder, not
kept) and prints the largest relative float32-vs-float64 differences of the
per-step loss and grad_norm, to show how far below 1e-4 float32 noise is.
"""
import json
import os
import random
import shutil
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import torch_reference as ref  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'parity')
STEPS = 40

# --------------------------------------------------------------------------
# corpora
# --------------------------------------------------------------------------

# English-like text. It deliberately holds a few non-ASCII code points:
# 'é' (U+00E9), '’' (U+2019), 'ﬁ' (U+FB01) and '😀' (U+1F600, outside the BMP).
# Sorted by code point, 'ﬁ' comes before '😀'; sorted by UTF-16 code units
# (JavaScript's default sort) '😀' (surrogates D83D DE00) would come first, so
# a wrong sort changes the ids and the losses.
CHAR_TEXT = (
    "the cat sat on the mat and the dog sat by the door. a small bird sang in the tree, "
    "and the old man read his book by the fire. it’s a ﬁne day, said the café owner 😀 "
    "as the rain fell on the roof. we went to the river to see the boats go by, "
    "then we walked home along the road in the dark.\n"
    "the children played in the park while their mother sat on a bench and read the news. "
    "a cold wind blew from the hills, and the leaves fell from the trees one by one.\n"
)
CHAR_LEN = 407  # batch 4 -> L = 101, L-1 = 100, bptt 8 -> C = 13 chunks (last one 4 long)

WORDS = ('the a cat dog man woman child bird house tree river road city market book letter '
         'saw found took gave liked wanted made read wrote kept '
         'old new small big red green quiet busy early late '
         'in on by near under over with from to of and but').split()
VALID_EXTRA = ['lantern', 'harbor']
TEST_EXTRA = ['violin']


def make_char_corpus():
    text = CHAR_TEXT
    while len(text) < CHAR_LEN:
        text += CHAR_TEXT
    return text[:CHAR_LEN]


def sentence(rng, extra=()):
    pool = WORDS + list(extra)
    return [rng.choice(pool) for _ in range(rng.randint(3, 9))]


def make_word_corpus():
    """train.txt ~ 398 tokens (B=4 -> L=99 -> C=13), valid/test ~ 50 tokens each.

    train.txt contains an empty line (a lone <eos>), a tab, a double space and
    a no-break space U+00A0 (Python str.split() whitespace), and ends with \\n."""
    rng = random.Random(1234)
    lines = []
    while sum(len(l) + 1 for l in lines) < 398 - 12:
        lines.append(sentence(rng))
    train_lines = [' '.join(l) for l in lines]
    train_lines[3] = train_lines[3].replace(' ', '\t', 1)
    train_lines[5] = train_lines[5].replace(' ', '  ', 1)
    train_lines[7] = train_lines[7].replace(' ', '\u00a0', 1)
    train_lines.insert(9, '')
    ntok = sum(len(l.split()) + 1 for l in train_lines)
    # top up to exactly 398 tokens with a last line
    last = ['the', 'old', 'man', 'saw', 'a', 'red', 'bird', 'in', 'the', 'tree', 'by', 'the', 'river']
    train_lines.append(' '.join(last[:398 - ntok - 1]))
    valid = [' '.join(sentence(rng, VALID_EXTRA)) for _ in range(7)]
    test = [' '.join(sentence(rng, TEST_EXTRA)) for _ in range(7)]
    # words never seen in train.txt: they still get ids (train first, then valid, then test)
    valid[-1] += ' ' + ' '.join(VALID_EXTRA)
    test[-1] += ' ' + ' '.join(TEST_EXTRA)
    return '\n'.join(train_lines) + '\n', '\n'.join(valid) + '\n', '\n'.join(test) + '\n'


def write_data():
    d = os.path.join(OUT, 'data')
    os.makedirs(os.path.join(d, 'words'), exist_ok=True)
    with open(os.path.join(d, 'chars.txt'), 'wb') as f:
        f.write(make_char_corpus().encode('utf-8'))
    tr, va, te = make_word_corpus()
    for name, txt in (('train', tr), ('valid', va), ('test', te)):
        with open(os.path.join(d, 'words', name + '.txt'), 'wb') as f:
            f.write(txt.encode('utf-8'))


# --------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------

CHAR = {'task': 'charlm', 'data': '../data/chars.txt', 'split': None}
WORD = {'task': 'wordlm', 'data': '../data/words'}
NET = {'embed': 16, 'hidden': 32, 'batch': 4, 'bptt': 8}
ADAM = {'name': 'adam', 'lr': 3e-3}
LINEAR = {'kind': 'linear', 'scale': 0.1, 'lr': 1e-3}
MLP = {'kind': 'mlp', 'scale': 0.1, 'lr': 1e-3, 'hidden': [32]}


def case(comment, *parts, **keys):
    cfg = {'_case': comment}
    for p in parts:
        cfg.update(p)
    cfg.update(keys)
    cfg['steps'] = STEPS
    cfg['seed'] = 0
    return cfg


CASES = {
    'bptt_adam': case(
        'plain truncated BPTT, Adam, constant lr, no synthesizer (sg_loss null)',
        CHAR, NET, optimizer=ADAM, clip=None, schedule=None, policy={'name': 'bptt'}, synthesizer=None),
    'bptt_sgd_clip_wd': case(
        'BPTT, SGD momentum 0.9 + coupled weight decay, clipping at 0.5',
        CHAR, NET, optimizer={'name': 'sgd', 'lr': 0.5, 'momentum': 0.9, 'weight_decay': 1e-4}, clip=0.5,
        schedule=None, policy={'name': 'bptt'}, synthesizer=None),
    'dni_linear_steps': case(
        'DNI after 5 real warmup steps, linear synthesizer, SGDR in steps t0=10 t_mult=2',
        CHAR, NET, optimizer=ADAM, clip=None,
        schedule={'unit': 'step', 't0': 10, 't_mult': 2},
        policy={'name': 'dni', 'warmup': 5, 'unit': 'step'}, synthesizer=LINEAR),
    'dni_mlp': case(
        'DNI from step 0, MLP synthesizer (hidden [32]), clip 1.0, constant lr',
        CHAR, NET, optimizer=ADAM, clip=1.0, schedule=None,
        policy={'name': 'dni', 'warmup': 0}, synthesizer=MLP),
    'alt_linear_steps': case(
        'alternating real/synthetic at each restart of SGDR in steps (t0=8, t_mult=1), starting real',
        CHAR, NET, optimizer=ADAM, clip=None,
        schedule={'unit': 'step', 't0': 8, 't_mult': 1},
        policy={'name': 'alternating', 'first_mode': 'real'}, synthesizer=LINEAR),
    'alt_linear_epochs_cycles': case(
        'alternating starting synthetic, SGDR in whole epochs with explicit cycles [1, 2] (repeats 2), eta_min 1e-4',
        CHAR, NET, optimizer=ADAM, clip=None,
        schedule={'unit': 'epoch', 'cycles': [1, 2], 'eta_min': 1e-4},
        policy={'name': 'alternating', 'first_mode': 'synthetic'}, synthesizer=LINEAR),
    'alt_mlp_epochs_fractional': case(
        'alternating starting real, per-batch (fractional) SGDR in epochs t0=1 t_mult=2, Adam weight decay 1e-5',
        CHAR, NET, optimizer={'name': 'adam', 'lr': 3e-3, 'weight_decay': 1e-5}, clip=None,
        schedule={'unit': 'epoch', 't0': 1, 't_mult': 2, 'fractional': True},
        policy={'name': 'alternating'}, synthesizer=MLP),
    'tied_2layer_word': case(
        'word level, 2 layers [24, 16], tied embedding/decoder, DNI after 2 warmup steps, SGD momentum 0.5, clip 0.25',
        WORD, NET, hidden=[24, 16], layers=2, tied=True,
        optimizer={'name': 'sgd', 'lr': 0.5, 'momentum': 0.5}, clip=0.25, schedule=None,
        policy={'name': 'dni', 'warmup': 2, 'unit': 'step'}, synthesizer=LINEAR),
    'bptt_with_synth_real': case(
        'BPTT policy with a linear synthesizer that still learns from real targets (train_in_real)',
        CHAR, NET, optimizer=ADAM, clip=None, schedule=None, policy={'name': 'bptt'},
        synthesizer=dict(LINEAR, train_in_real=True)),
    # ALGORITHM.md §10-§13: each case states every new key
    'dni_popart': case(
        'DNI after 5 real warmup steps, linear synthesizer fitting delta/sigma (normalize popart), '
        'no synthesizer step at a state reset, clip 1.0',
        CHAR, NET, optimizer=ADAM, clip=1.0, schedule=None, policy={'name': 'dni', 'warmup': 5, 'unit': 'step'},
        synthesizer=dict(LINEAR, normalize='popart', train_at_reset=False, discount=None, aux=0)),
    'dni_discount': case(
        'DNI from step 0, linear synthesizer, target discount gamma 1 while the seed keeps lambda 0.1 (normalize none)',
        CHAR, NET, optimizer=ADAM, clip=None, schedule=None, policy={'name': 'dni', 'warmup': 0},
        synthesizer=dict(LINEAR, normalize='none', train_at_reset=True, discount=1.0, aux=0)),
    'alt_mlp_aux_popart': case(
        'alternating every 8 steps from real, MLP synthesizer with popart, gamma 0.9, DNI+Aux weight 0.5, clip 1.0',
        CHAR, NET, optimizer=ADAM, clip=1.0, schedule={'unit': 'step', 't0': 8, 't_mult': 1},
        policy={'name': 'alternating', 'first_mode': 'real'},
        synthesizer=dict(MLP, normalize='popart', train_at_reset=True, discount=0.9, aux=0.5)),
    # docs/algorithm.md §10's fits other than Adam's step (synth_fits.py)
    'dni_ridge': case(
        'DNI after 5 real warmup steps, linear synthesizer set by the ridge fit (penalty 0.1, memory 20 steps, '
        'solved after every 3rd pair), popart, no synthesizer step at a state reset, clip 1.0',
        CHAR, NET, optimizer=ADAM, clip=1.0, schedule=None, policy={'name': 'dni', 'warmup': 5, 'unit': 'step'},
        synthesizer=dict(LINEAR, normalize='popart', train_at_reset=False, discount=None, aux=0,
                         fit='ridge', ridge=0.1, memory=20, refit_every=3)),
    'dni_average': case(
        'DNI after 3 real warmup steps, linear synthesizer (lr 3e-2, so that its iterates move) whose ghat comes '
        'from the running mean of its Adam iterates over about 4 steps (average 4), popart, clip 1.0',
        CHAR, NET, optimizer=ADAM, clip=1.0, schedule=None, policy={'name': 'dni', 'warmup': 3, 'unit': 'step'},
        synthesizer=dict(LINEAR, lr=3e-2, normalize='popart', train_at_reset=True, discount=None, aux=0, average=4)),
    'dni_bound': case(
        'DNI after 3 real warmup steps, linear synthesizer (lr 3e-2), popart, each row of ghat bounded to '
        '100 sqrt(S) sigma (synthesizer.bound 100: the random init predicts far above the targets; from about '
        'step 15 on the bound cuts ghat to 0.4-0.8 of the unbounded run\'s norm), clip 1.0',
        CHAR, NET, optimizer=ADAM, clip=1.0, schedule=None, policy={'name': 'dni', 'warmup': 3, 'unit': 'step'},
        synthesizer=dict(LINEAR, lr=3e-2, normalize='popart', train_at_reset=True, discount=None, aux=0, bound=100)),
    # cDNI (ALGORITHM.md §4's option): the synthesizer also reads the ids after the cut
    'dni_condition': case(
        'DNI after 3 real warmup steps, linear synthesizer conditioned on the ids of the 3 stream positions after '
        'the cut (condition 2: the next input and 2 targets; the epoch\'s last chunk ends at position 100 of '
        'L = 101, so 2 of its 3 ids are past the end), popart, synthesizer step at a reset too, clip 1.0',
        CHAR, NET, optimizer=ADAM, clip=1.0, schedule=None, policy={'name': 'dni', 'warmup': 3, 'unit': 'step'},
        synthesizer=dict(LINEAR, normalize='popart', train_at_reset=True, discount=None, aux=0, condition=2)),
    'alt_mlp_condition_word': case(
        'word level, alternating every 8 steps from real, MLP synthesizer (hidden [32]) conditioned on the next '
        'input and target (condition 1), popart, gamma 0.5, no synthesizer step at a reset, clip 1.0',
        WORD, NET, optimizer=ADAM, clip=1.0, schedule={'unit': 'step', 't0': 8, 't_mult': 1},
        policy={'name': 'alternating', 'first_mode': 'real'},
        synthesizer=dict(MLP, normalize='popart', train_at_reset=False, discount=0.5, aux=0, condition=1)),
    'dni_condition_ridge': case(
        'DNI after 5 real warmup steps, linear synthesizer conditioned on the next input and target (condition 1) '
        'and set by the ridge fit over [s, one-hot ids, 1] (penalty 0.1, memory 20, solved after every 2nd pair), '
        'popart, clip 1.0',
        CHAR, NET, optimizer=ADAM, clip=1.0, schedule=None, policy={'name': 'dni', 'warmup': 5, 'unit': 'step'},
        synthesizer=dict(LINEAR, normalize='popart', train_at_reset=False, discount=None, aux=0, condition=1,
                         fit='ridge', ridge=0.1, memory=20, refit_every=2)),
}


# the cases made before the rule: their weights are files (torch.manual_seed), compared in full
WEIGHT_FILES = set(CASES) - {'dni_condition', 'alt_mlp_condition_word', 'dni_condition_ridge'}


def make_init(cfg_path, seed, rule):
    """F32 initial weights for the configured model and synthesizer: reference_io.rule_tensor's
    values (rule), or drawn with torch.manual_seed(seed)."""
    cfg = ref.load_config(cfg_path)
    if cfg['task'] == 'charlm':
        vocab, _, _ = ref.char_corpus(cfg)
    else:
        vocab, _, _ = ref.word_corpus(cfg)
    torch.manual_seed(seed)
    aux = cfg['synthesizer'] is not None and cfg['synthesizer']['aux'] > 0
    model = ref.LM(len(vocab), cfg['embed'], cfg['hidden'], cfg['tied'], aux)
    tensors = {}
    for name, p in model.state_dict().items():
        if name == 'decoder.weight' and cfg['tied']:
            continue
        tensors[name] = ref.rule_tensor(name, list(p.shape)) if rule else torch.empty_like(p).uniform_(-0.1, 0.1)
    if cfg['tied']:
        tensors['decoder.weight'] = tensors['encoder.weight'].clone()
    if cfg['synthesizer'] is not None:
        synth = ref.build_synthesizer(cfg['synthesizer'], model.S, len(vocab))
        for name, p in synth.state_dict().items():
            full = 'synthesizer.' + name
            tensors[full] = ref.rule_tensor(full, list(p.shape)) if rule else torch.empty_like(p).uniform_(-0.05, 0.05)
    return tensors


def case_init(name, tmp):
    """The path of case `name`'s initial weights: its init.safetensors, or the rule's written into tmp."""
    d = os.path.join(OUT, name)
    if name in WEIGHT_FILES:
        return os.path.join(d, 'init.safetensors')
    path = os.path.join(tmp, 'init.safetensors')
    ref.save_safetensors(path, make_init(os.path.join(d, 'config.json'), 0, rule=True), dtype='F32')
    return path


def main(argv=None):
    """Optional arguments: case names to (re)write; default all."""
    only = set(sys.argv[1:] if argv is None else argv)
    unknown = only - set(CASES)
    if unknown:
        raise SystemExit(f'unknown case(s): {", ".join(sorted(unknown))}')
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    write_data()
    for i, (name, cfg) in enumerate(CASES.items()):
        if only and name not in only:
            continue
        d = os.path.join(OUT, name)
        os.makedirs(d, exist_ok=True)
        cfg_path = os.path.join(d, 'config.json')
        with open(cfg_path, 'w') as f:
            f.write(json.dumps(cfg, indent=2) + '\n')
        with tempfile.TemporaryDirectory() as tmp:
            if name in WEIGHT_FILES:
                ref.save_safetensors(os.path.join(d, 'init.safetensors'), make_init(cfg_path, 1000 + i, rule=False), dtype='F32')
            out = os.path.join(tmp, 'out')
            ref.run(cfg_path, case_init(name, tmp), STEPS, out)
            shutil.copy(os.path.join(out, 'metrics.jsonl'), os.path.join(d, 'expected_metrics.jsonl'))
            if name in WEIGHT_FILES:
                shutil.copy(os.path.join(out, 'final.safetensors'), os.path.join(d, 'final.safetensors'))
            else:
                final, _ = ref.load_safetensors(os.path.join(out, 'final.safetensors'))
                with open(os.path.join(d, 'expected_final.json'), 'w') as f:
                    f.write(ref.digest_json(ref.weights_digest(final)))

    print('\nfloat32 vs float64 (max over the 40 steps of |x32 - x64| / |x64|):')
    for name in CASES:
        if only and name not in only:
            continue
        d = os.path.join(OUT, name)
        with tempfile.TemporaryDirectory() as tmp:
            init = case_init(name, tmp)
            r64 = ref.run(os.path.join(d, 'config.json'), init, STEPS, os.path.join(tmp, '64'), dtype=torch.float64, quiet=True)
            w64, _ = ref.load_safetensors(os.path.join(tmp, '64', 'final.safetensors'))
            ref.run(os.path.join(d, 'config.json'), init, STEPS, os.path.join(tmp, '32'), quiet=True)
            w32, _ = ref.load_safetensors(os.path.join(tmp, '32', 'final.safetensors'))
        with open(os.path.join(d, 'expected_metrics.jsonl')) as f:
            r32 = [json.loads(l) for l in f]

        def rel(key):
            vals = [abs(a[key] - b[key]) / abs(b[key]) for a, b in zip(r32, r64) if b[key] is not None]
            return max(vals) if vals else float('nan')

        wdiff = max((w32[k] - w64[k]).abs().max().item() for k in w64)
        print(f'  {name:28s} loss {rel("loss"):.2e}  grad_norm {rel("grad_norm"):.2e}  '
              f'delta_norm {rel("delta_norm"):.2e}  sg_loss {rel("sg_loss"):.2e}  '
              f'final weights max abs {wdiff:.2e}')


if __name__ == '__main__':
    main()
