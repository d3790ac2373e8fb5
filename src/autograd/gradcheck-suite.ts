// Every op of the engine gradient-checked on several small random shapes, plus two
// composed graphs: a 2-layer LSTM language model and the DNI multi-root backward
// (`backward([loss, s], [1, seed])`). Backs `synthgrad gradcheck`. Deterministic:
// shapes and values come from one seeded Rng. Imports nothing from models/train/cli.
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import { gradcheck, gradcheckRoots } from './gradcheck.js';
import { Var } from './variable.js';
import { add, exp, log, mul, neg, relu, scale, sigmoid, sub, tanh } from './ops/elementwise.js';
import { mean, reshape, sum, sumSquares } from './ops/reduce.js';
import { matmul } from './ops/matmul.js';
import { linear } from './ops/linear.js';
import { embedding } from './ops/embedding.js';
import { concat, split } from './ops/concat.js';
import { sigmoidBinaryCrossEntropy, softmaxCrossEntropy } from './ops/losses.js';
import { lstmCell, lstmSequence, type LstmWeights } from './ops/lstm.js';
import { gruCell } from './ops/gru.js';

export interface GradcheckRow {
  op: string;
  maxAbsError: number;
  maxRelError: number;
  ok: boolean;
  cases: number;
}

// ---------------------------------------------------------------------------
// The composed 2-layer LSTM language model (§2 of docs/algorithm.md, built from ops)

export interface LmDims {
  /** vocabulary */
  V: number;
  /** embedding width */
  d: number;
  H1: number;
  H2: number;
  T: number;
  B: number;
}

/** Shapes of the LM's inputs, in the order `lmForward` takes them: E, 4 weights of layer 1, 4 of layer 2, W_o, b_o, sPrev. */
export function lmInputShapes(m: LmDims): number[][] {
  const layer = (D: number, H: number) => [[4 * H, D], [4 * H, H], [4 * H], [4 * H]];
  return [[m.V, m.d], ...layer(m.d, m.H1), ...layer(m.H1, m.H2), [m.V, m.H2], [m.V], [m.B, 2 * (m.H1 + m.H2)]];
}

/**
 * embedding → lstmSequence ×2 → linear decoder → softmaxCrossEntropy.
 * The initial state is one leaf sPrev [B, S] split into per-layer h0, c0 (the DNI
 * state layout [h_1, c_1, h_2, c_2]); `s` is the same layout of the final states.
 */
export function lmForward(m: LmDims, ids: readonly number[], targets: readonly number[], xs: Var[]): { loss: Var; s: Var } {
  const [E, wih1, whh1, bih1, bhh1, wih2, whh2, bih2, bhh2, Wo, bo, sPrev] = xs as [Var, Var, Var, Var, Var, Var, Var, Var, Var, Var, Var, Var];
  const [h01, c01, h02, c02] = split(sPrev, [m.H1, m.H1, m.H2, m.H2]) as [Var, Var, Var, Var];
  const x = embedding(E, ids);
  const [hs1, hT1, cT1] = lstmSequence(x, h01, c01, { wih: wih1, whh: whh1, bih: bih1, bhh: bhh1 }, m.T);
  const [hs2, hT2, cT2] = lstmSequence(hs1, h02, c02, { wih: wih2, whh: whh2, bih: bih2, bhh: bhh2 }, m.T);
  const logits = linear(hs2, Wo, bo);
  return { loss: softmaxCrossEntropy(logits, targets), s: concat([hT1, cT1, hT2, cT2]) };
}

// ---------------------------------------------------------------------------
// The suite

function randTensor(rng: Rng, shape: Shape, lo = -1, hi = 1): Tensor {
  const t = Tensor.zeros(shape, 'float64');
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniformRange(lo, hi);
  return t;
}

function leaf(rng: Rng, shape: Shape, lo = -1, hi = 1): Var {
  return new Var(randTensor(rng, shape, lo, hi), true);
}

/** 1 + a uniform integer in [0, max). */
function dim(rng: Rng, max = 4): number {
  return 1 + rng.int(max);
}

/** Flattens and concatenates several outputs into one [1, n] Var so that one seed reaches all of them. */
function flatCat(vs: Var[]): Var {
  const flat = vs.map((v) => reshape(v, [1, v.value.size]));
  return flat.length === 1 ? flat[0]! : concat(flat);
}

function lstmWeights(rng: Rng, D: number, H: number): LstmWeights {
  return { wih: leaf(rng, [4 * H, D], -0.8, 0.8), whh: leaf(rng, [4 * H, H], -0.8, 0.8), bih: leaf(rng, [4 * H], -0.5, 0.5), bhh: leaf(rng, [4 * H], -0.5, 0.5) };
}

/** A case: a function to check and the float64 leaves it reads. */
type Case = { f: (...xs: Var[]) => Var; inputs: Var[] } | { roots: (...xs: Var[]) => Var[]; inputs: Var[]; seeds: (Tensor | number)[] };

interface OpSpec {
  op: string;
  make: (rng: Rng, k: number) => Case;
}

function elementwiseUnary(op: string, fn: (a: Var) => Var, lo: number, hi: number, avoid = 0): OpSpec {
  return {
    op,
    make: (rng) => {
      const a = leaf(rng, [dim(rng), dim(rng)], lo, hi);
      if (avoid > 0) for (let i = 0; i < a.value.size; i++) if (Math.abs(a.value.data[i]!) < avoid) a.value.data[i] = a.value.data[i]! < 0 ? -avoid : avoid;
      return { f: fn, inputs: [a] };
    },
  };
}

/** Same shapes for case k ≡ 0 (mod 3), b broadcast over the rows of a for 1, a over the rows of b for 2. */
function binaryShapes(rng: Rng, k: number): [Shape, Shape] {
  const M = dim(rng), N = dim(rng);
  const mode = k % 3;
  return mode === 0 ? [[M, N], [M, N]] : mode === 1 ? [[M, N], [N]] : [[N], [M, N]];
}

function binary(op: string, fn: (a: Var, b: Var) => Var, modes: 'cycle' | 'same' | 'b-row' | 'a-row'): OpSpec {
  return {
    op,
    make: (rng, k) => {
      const which = modes === 'cycle' ? k : modes === 'same' ? 0 : modes === 'b-row' ? 1 : 2;
      const [sa, sb] = binaryShapes(rng, which);
      return { f: fn, inputs: [leaf(rng, sa), leaf(rng, sb)] };
    },
  };
}

function matmulSpec(transA: boolean, transB: boolean): OpSpec {
  const op = `matmul${transA || transB ? ` (${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'})` : ''}`;
  return {
    op,
    make: (rng) => {
      const M = dim(rng, 5), K = dim(rng, 5), N = dim(rng, 5);
      const a = leaf(rng, transA ? [K, M] : [M, K]);
      const b = leaf(rng, transB ? [N, K] : [K, N]);
      return { f: (x, y) => matmul(x!, y!, { transA, transB }), inputs: [a, b] };
    },
  };
}

/** Strict subsets of {hs, hT, cT}: hs only, hT only, cT only, the final state only, hs + hT, hs + cT. */
const SOME_OUTPUTS = [1, 2, 4, 6, 3, 5];

/** Gradient arriving at the outputs of lstmSequence picked by `mask` (bit 0 hs, 1 hT, 2 cT). */
function lstmSequenceSpec(op: string, mask: number | null): OpSpec {
  return {
    op,
    make: (rng, k) => {
      const T = dim(rng, 4), B = dim(rng, 3), D = dim(rng, 4), H = dim(rng, 4);
      const m = mask ?? SOME_OUTPUTS[k % SOME_OUTPUTS.length]!;
      const w = lstmWeights(rng, D, H);
      const inputs = [leaf(rng, [T * B, D]), leaf(rng, [B, H]), leaf(rng, [B, H]), w.wih, w.whh, w.bih, w.bhh];
      return {
        f: (x, h, c, wih, whh, bih, bhh) => {
          const outs = lstmSequence(x!, h!, c!, { wih: wih!, whh: whh!, bih: bih!, bhh: bhh! }, T);
          return flatCat(outs.filter((_, i) => (m >> i) & 1));
        },
        inputs,
      };
    },
  };
}

function specs(): OpSpec[] {
  return [
    binary('add', add, 'cycle'),
    binary('sub', sub, 'cycle'),
    binary('mul', mul, 'same'),
    binary('mul (b broadcast over rows)', mul, 'b-row'),
    binary('mul (a broadcast over rows)', mul, 'a-row'),
    {
      op: 'scale',
      make: (rng) => {
        const c = rng.uniformRange(-2, 2);
        return { f: (a) => scale(a!, c), inputs: [leaf(rng, [dim(rng), dim(rng)])] };
      },
    },
    elementwiseUnary('neg', neg, -1, 1),
    elementwiseUnary('sigmoid', sigmoid, -4, 4),
    elementwiseUnary('tanh', tanh, -3, 3),
    elementwiseUnary('relu', relu, -2, 2, 0.01),
    elementwiseUnary('exp', exp, -2, 2),
    elementwiseUnary('log', log, 0.1, 3),
    { op: 'sum', make: (rng) => ({ f: (a) => sum(a!), inputs: [leaf(rng, [dim(rng), dim(rng), dim(rng)])] }) },
    { op: 'mean', make: (rng) => ({ f: (a) => mean(a!), inputs: [leaf(rng, [dim(rng), dim(rng), dim(rng)])] }) },
    { op: 'sumSquares', make: (rng) => ({ f: (a) => sumSquares(a!), inputs: [leaf(rng, [dim(rng), dim(rng), dim(rng)])] }) },
    {
      op: 'reshape',
      make: (rng) => {
        const a = dim(rng), b = dim(rng), c = dim(rng);
        // a product with a non-uniform partner so that a wrong index mapping shows
        const w = new Var(randTensor(rng, [a * b, c]));
        return { f: (x) => mul(reshape(x!, [a * b, c]), w), inputs: [leaf(rng, [a, b * c])] };
      },
    },
    matmulSpec(false, false),
    matmulSpec(true, false),
    matmulSpec(false, true),
    matmulSpec(true, true),
    {
      op: 'linear',
      make: (rng) => {
        const N = dim(rng, 5), I = dim(rng, 5), O = dim(rng, 5);
        return { f: (x, W, b) => linear(x!, W!, b!), inputs: [leaf(rng, [N, I]), leaf(rng, [O, I]), leaf(rng, [O])] };
      },
    },
    {
      op: 'embedding',
      make: (rng) => {
        const V = dim(rng, 5), d = dim(rng, 5), n = 2 + rng.int(6);
        const ids = Array.from({ length: n }, () => rng.int(V));
        ids.push(ids[0]!); // at least one repeated id: the scatter must add
        return { f: (E) => embedding(E!, ids), inputs: [leaf(rng, [V, d])] };
      },
    },
    {
      op: 'concat',
      make: (rng) => {
        const R = dim(rng), n = dim(rng, 4);
        return { f: (...xs) => concat(xs), inputs: Array.from({ length: n }, () => leaf(rng, [R, dim(rng)])) };
      },
    },
    {
      op: 'split',
      make: (rng) => {
        const R = dim(rng), n = 1 + dim(rng, 3);
        const widths = Array.from({ length: n }, () => dim(rng, 3));
        const W = widths.reduce((a, b) => a + b, 0);
        // gradient reaches only some pieces: a non-empty strict subset (n ≥ 2)
        let mask = 1 + rng.int((1 << n) - 1);
        if (n > 1 && mask === (1 << n) - 1) mask ^= 1 << rng.int(n);
        return { f: (x) => flatCat(split(x!, widths).filter((_, i) => (mask >> i) & 1)), inputs: [leaf(rng, [R, W])] };
      },
    },
    {
      op: 'softmaxCrossEntropy',
      make: (rng) => {
        const N = dim(rng, 5), V = dim(rng, 5);
        const targets = Array.from({ length: N }, () => rng.int(V));
        return { f: (x) => softmaxCrossEntropy(x!, targets), inputs: [leaf(rng, [N, V], -3, 3)] };
      },
    },
    {
      op: 'sigmoidBinaryCrossEntropy',
      make: (rng) => {
        const shape = [dim(rng), dim(rng)];
        return { f: (x, y) => sigmoidBinaryCrossEntropy(x!, y!), inputs: [leaf(rng, shape, -3, 3), leaf(rng, shape, 0, 1)] };
      },
    },
    lstmSequenceSpec('lstmSequence', 7),
    lstmSequenceSpec('lstmSequence (some outputs)', null),
    {
      op: 'lstmCell',
      make: (rng, k) => {
        const B = dim(rng, 3), D = dim(rng, 4), H = dim(rng, 4);
        const w = lstmWeights(rng, D, H);
        const m = 1 + (k % 3);
        return {
          f: (x, h, c, wih, whh, bih, bhh) => flatCat(lstmCell(x!, h!, c!, { wih: wih!, whh: whh!, bih: bih!, bhh: bhh! }).filter((_, i) => (m >> i) & 1)),
          inputs: [leaf(rng, [B, D]), leaf(rng, [B, H]), leaf(rng, [B, H]), w.wih, w.whh, w.bih, w.bhh],
        };
      },
    },
    {
      op: 'gruCell',
      make: (rng) => {
        const B = dim(rng, 3), D = dim(rng, 4), H = dim(rng, 4);
        const inputs = [leaf(rng, [B, D]), leaf(rng, [B, H]), leaf(rng, [3 * H, D], -0.8, 0.8), leaf(rng, [3 * H, H], -0.8, 0.8), leaf(rng, [3 * H], -0.5, 0.5), leaf(rng, [3 * H], -0.5, 0.5)];
        return { f: (x, h, wih, whh, bih, bhh) => gruCell(x!, h!, { wih: wih!, whh: whh!, bih: bih!, bhh: bhh! }), inputs };
      },
    },
    {
      op: '2-layer LSTM LM',
      make: (rng) => {
        const { m, ids, targets, inputs } = lmCase(rng);
        return { f: (...xs) => lmForward(m, ids, targets, xs).loss, inputs };
      },
    },
    {
      op: 'multi-root backward([loss, s], [1, seed])',
      make: (rng) => {
        const { m, ids, targets, inputs } = lmCase(rng);
        const seed = randTensor(rng, [m.B, 2 * (m.H1 + m.H2)]);
        return {
          roots: (...xs) => {
            const { loss, s } = lmForward(m, ids, targets, xs);
            return [loss, s];
          },
          inputs,
          seeds: [1, seed],
        };
      },
    },
  ];
}

function lmCase(rng: Rng): { m: LmDims; ids: number[]; targets: number[]; inputs: Var[] } {
  const m: LmDims = { V: 1 + dim(rng, 4), d: dim(rng, 3), H1: dim(rng, 3), H2: dim(rng, 3), T: dim(rng, 3), B: dim(rng, 2) };
  const ids = Array.from({ length: m.T * m.B }, () => rng.int(m.V));
  const targets = Array.from({ length: m.T * m.B }, () => rng.int(m.V));
  const inputs = lmInputShapes(m).map((s, i) => leaf(rng, s, i === 0 ? -1 : -0.8, i === 0 ? 1 : 0.8));
  return { m, ids, targets, inputs };
}

/** Cases per op: several random shapes each. */
const CASES = 6;

/** Runs gradcheck (float64, central differences) over every op and the two composed graphs. */
export function runGradcheckSuite(opts: { seed?: number } = {}): GradcheckRow[] {
  const rng = new Rng(opts.seed ?? 0);
  return specs().map((spec) => {
    const row: GradcheckRow = { op: spec.op, maxAbsError: 0, maxRelError: 0, ok: true, cases: 0 };
    for (let k = 0; k < CASES; k++) {
      const c = spec.make(rng, k);
      const r = 'f' in c ? gradcheck(c.f, c.inputs) : gradcheckRoots(c.roots, c.inputs, c.seeds);
      row.cases += 1;
      row.ok &&= r.ok;
      row.maxAbsError = Number.isNaN(r.maxAbsError) || Number.isNaN(row.maxAbsError) ? NaN : Math.max(row.maxAbsError, r.maxAbsError);
      row.maxRelError = Math.max(row.maxRelError, r.maxRelError);
    }
    return row;
  });
}

/** An aligned text table: op, cases, max abs error, max rel error, pass/FAIL, and a summary line. */
export function formatGradcheckTable(rows: GradcheckRow[]): string {
  const head = ['op', 'cases', 'max abs error', 'max rel error', 'result'];
  const body = rows.map((r) => [r.op, String(r.cases), r.maxAbsError.toExponential(2), r.maxRelError.toExponential(2), r.ok ? 'pass' : 'FAIL']);
  const width = (s: string) => Array.from(s).length;
  const widths = head.map((h, j) => Math.max(width(h), ...body.map((b) => width(b[j]!))));
  const pad = (s: string, j: number) => (j === 0 ? s + ' '.repeat(widths[j]! - width(s)) : ' '.repeat(widths[j]! - width(s)) + s);
  const line = (cells: string[]) => cells.map(pad).join('  ').trimEnd();
  const failed = rows.filter((r) => !r.ok).length;
  return [
    line(head),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
    '',
    failed === 0 ? `all ${rows.length} checks passed` : `${failed} of ${rows.length} checks FAILED`,
  ].join('\n');
}
