// Every op of src/autograd/index.ts gradient-checked by fast-check properties over
// small random shapes (dims 1..5, T 1..4) and float64 values, the composed 2-layer
// LSTM LM and the DNI multi-root backward, and the engine's bookkeeping
// (accumulation, zeroGrad, noGrad, detach, graph release, shared Vars, errors,
// float32 vs float64).
//
// Arbitraries are real fast-check ones (integers for dims, arrays of doubles sized
// from the dims through `chain`), so a failure shrinks to a small printed case; the
// property then throws with gradcheck's worst element.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ag from '../../src/autograd/index.js';
import { Var, type GradcheckResult } from '../../src/autograd/index.js';
import { lmForward, lmInputShapes, type LmDims } from '../../src/autograd/gradcheck-suite.js';
import { gradcheckRoots } from '../../src/autograd/gradcheck.js';
import { ShapeError, Tensor, type DType } from '../../src/tensor/index.js';

/** Runs per gradcheck property (the composed graphs use fewer). */
const RUNS = 50;
const LM_RUNS = 25;

// ---------------------------------------------------------------------------
// Arbitraries and helpers

const dim = (max = 5, min = 1) => fc.integer({ min, max });
const shape2 = () => fc.tuple(dim(), dim());
const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const doubles = (n: number, min = -1, max = 1) => fc.array(fc.double({ min, max, noNaN: true }), { minLength: n, maxLength: n });
/** One array of values per shape. */
const valuesFor = (shapes: readonly (readonly number[])[], min = -1, max = 1) => fc.tuple(...shapes.map((s) => doubles(sizeOf(s), min, max)));
/** Values in [-max, -margin] ∪ [margin, max]: away from a kink at 0 (finite differences use ε = 1e-6). */
const awayFromZero = (n: number, margin = 0.01, max = 2) =>
  doubles(n, -max, max).map((xs) => xs.map((x) => (x >= 0 ? Math.min(max, x + margin) : Math.max(-max, x - margin))));

const v64 = (data: readonly number[], shape: readonly number[], requiresGrad = true) => new Var(Tensor.from(data, shape, 'float64'), requiresGrad);

function expectOk(r: GradcheckResult, what: string): void {
  if (!r.ok) {
    throw new Error(`${what}: gradcheck failed: max abs error ${r.maxAbsError}, max rel error ${r.maxRelError}, worst element ${JSON.stringify(r.worst)}`);
  }
}

function check(what: string, f: (...xs: Var[]) => Var, inputs: Var[]): void {
  expectOk(ag.gradcheck(f, inputs), what);
}

/** Flattens and concatenates outputs into one [1, n] Var so the (varied) gradcheck seed reaches all of them. */
function flatCat(vs: Var[]): Var {
  const flat = vs.map((v) => ag.reshape(v, [1, v.value.size]));
  return flat.length === 1 ? flat[0]! : ag.concat(flat);
}

/** The elements of `xs` picked by the bits of `mask`. */
const pick = <T>(xs: T[], mask: number): T[] => xs.filter((_, i) => (mask >> i) & 1);

// includeErrorInReport: the report shows the shrunk counterexample and the error naming gradcheck's worst element
const prop = <T>(arb: fc.Arbitrary<T>, body: (x: T) => void, numRuns = RUNS) => fc.assert(fc.property(arb, body), { numRuns, includeErrorInReport: true });

// ---------------------------------------------------------------------------
// Elementwise

type Mode = 'same' | 'b over rows' | 'a over rows' | 'b over a 3-d a' | 'b scalar';

function binaryShapes(mode: Mode, p: number, m: number, n: number): [number[], number[]] {
  switch (mode) {
    case 'same': return [[m, n], [m, n]];
    case 'b over rows': return [[m, n], [n]];
    case 'a over rows': return [[n], [m, n]];
    case 'b over a 3-d a': return [[p, m, n], [m, n]];
    case 'b scalar': return [[m, n], []];
  }
}

const binaryCase = (mode: Mode) =>
  fc.tuple(dim(3), dim(), dim()).chain(([p, m, n]) => {
    const [sa, sb] = binaryShapes(mode, p, m, n);
    return fc.record({ sa: fc.constant(sa), sb: fc.constant(sb), vals: valuesFor([sa, sb]) });
  });

describe('gradcheck: elementwise ops (property)', () => {
  const binaries: [string, (a: Var, b: Var) => Var, Mode[]][] = [
    ['add', ag.add, ['same', 'b over rows', 'a over rows', 'b over a 3-d a', 'b scalar']],
    ['sub', ag.sub, ['same', 'b over rows', 'a over rows', 'b scalar']],
    ['mul', ag.mul, ['same', 'b over rows', 'a over rows', 'b over a 3-d a', 'b scalar']],
  ];
  for (const [name, op, modes] of binaries) {
    for (const mode of modes) {
      it(`${name}: ${mode}`, () => {
        prop(binaryCase(mode), ({ sa, sb, vals: [a, b] }) => {
          check(`${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, (x, y) => op(x!, y!), [v64(a, sa), v64(b, sb)]);
        }, 30);
      });
    }
  }

  it('scale', () => {
    const arb = fc.tuple(shape2(), fc.double({ min: -3, max: 3, noNaN: true })).chain(([s, c]) => fc.record({ s: fc.constant(s), c: fc.constant(c), a: doubles(sizeOf(s)) }));
    prop(arb, ({ s, c, a }) => check('scale', (x) => ag.scale(x!, c), [v64(a, s)]));
  });

  const unaries: [string, (a: Var) => Var, (n: number) => fc.Arbitrary<number[]>][] = [
    ['neg', ag.neg, (n) => doubles(n)],
    ['sigmoid', ag.sigmoid, (n) => doubles(n, -5, 5)],
    ['tanh', ag.tanh, (n) => doubles(n, -3, 3)],
    // relu's kink at 0 is kept 0.01 away from every generated value
    ['relu', ag.relu, (n) => awayFromZero(n)],
    ['exp', ag.exp, (n) => doubles(n, -3, 3)],
    // log on positive inputs only
    ['log', ag.log, (n) => doubles(n, 0.05, 4)],
  ];
  for (const [name, op, values] of unaries) {
    it(name, () => {
      const arb = shape2().chain((s) => fc.record({ s: fc.constant(s), a: values(sizeOf(s)) }));
      prop(arb, ({ s, a }) => check(name, (x) => op(x!), [v64(a, s)]));
    });
  }
});

// ---------------------------------------------------------------------------
// Reductions, reshape, matmul, embedding, concat/split, losses

describe('gradcheck: reductions, reshape, matmul, embedding, concat, split, losses (property)', () => {
  const anyShape = fc.array(dim(4), { minLength: 0, maxLength: 3 });
  for (const [name, op] of [['sum', ag.sum], ['sumSquares', ag.sumSquares], ['mean', ag.mean]] as const) {
    it(name, () => {
      prop(anyShape.chain((s) => fc.record({ s: fc.constant(s), a: doubles(sizeOf(s)) })), ({ s, a }) => check(`${name} ${JSON.stringify(s)}`, (x) => op(x!), [v64(a, s)]));
    });
  }

  it('sumSquares has the bits of sum(mul(a, a)): the value and the gradient, float32 and float64', () => {
    // magnitudes from 1e-40 to 1e3: squares that round, squares below float32's range, and g·a subnormal in float32
    const value = fc.oneof(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.double({ min: -1e-18, max: 1e-18, noNaN: true }), fc.double({ min: -1e-37, max: 1e-37, noNaN: true }));
    const arb = fc.tuple(anyShape, fc.constantFrom<DType>('float32', 'float64'), fc.double({ min: -4, max: 4, noNaN: true }))
      .chain(([s, dtype, c]) => fc.record({ s: fc.constant(s), dtype: fc.constant(dtype), c: fc.constant(c), a: fc.array(value, { minLength: sizeOf(s), maxLength: sizeOf(s) }) }));
    prop(arb, ({ s, dtype, c, a }) => {
      const run = (f: (x: Var) => Var) => {
        const x = new Var(Tensor.from(a, s, dtype), true);
        const y = ag.scale(f(x), c);
        ag.backward([y]);
        return [y.value.data[0]!, ...Array.from(x.grad!.data)];
      };
      const fused = run((x) => ag.sumSquares(x)), composed = run((x) => ag.sum(ag.mul(x, x)));
      expect(fused.map((v) => Object.is(v, -0) ? '-0' : v)).toEqual(composed.map((v) => Object.is(v, -0) ? '-0' : v));
    });
  });

  it('sumSquares rounds each square and each g·a as mul does (cases where skipping a rounding shows)', () => {
    const grads = (f: (x: Var) => Var, a: number[], c: number) => {
      const x = new Var(Tensor.from(a, [a.length], 'float32'), true);
      const y = ag.scale(f(x), c);
      ag.backward([y]);
      return [y.value.data[0]!, ...Array.from(x.grad!.data)];
    };
    // (1 + 2⁻¹²)² rounds to 1 + 2⁻¹¹ in float32: three unrounded squares would sum 2⁻²² higher
    const square = [1 + 2 ** -12, 1 + 2 ** -12, 1 + 2 ** -12];
    // g·a = 2.45·2⁻¹⁴⁹ rounds to 2·2⁻¹⁴⁹ (subnormal): doubled 4·2⁻¹⁴⁹, where 2·g·a rounded at once is 5·2⁻¹⁴⁹
    const tiny = [7 * 2 ** -149];
    for (const [a, c] of [[square, 1], [tiny, 0.35]] as const) {
      expect(grads((x) => ag.sumSquares(x), [...a], c)).toEqual(grads((x) => ag.sum(ag.mul(x, x)), [...a], c));
    }
    expect(grads((x) => ag.sumSquares(x), square, 1)[0]).toBe(Math.fround(3 * Math.fround((1 + 2 ** -12) ** 2)));
    expect(grads((x) => ag.sumSquares(x), tiny, 0.35)[1]).toBe(4 * 2 ** -149);
  });

  it('reshape', () => {
    // [a, b·c] viewed as [a·b, c] or as [c, a·b] or flat: the seed is varied, so a wrong index mapping shows
    const arb = fc.tuple(dim(), dim(), dim(), fc.integer({ min: 0, max: 2 })).chain(([a, b, c, k]) => fc.record({ a: fc.constant(a), b: fc.constant(b), c: fc.constant(c), k: fc.constant(k), x: doubles(a * b * c) }));
    prop(arb, ({ a, b, c, k, x }) => {
      const to = [[a * b, c], [c, a * b], [a * b * c]][k]!;
      check(`reshape [${a},${b * c}] → ${JSON.stringify(to)}`, (v) => ag.reshape(v!, to), [v64(x, [a, b * c])]);
    });
  });

  it('matmul: all four transpose variants', () => {
    const arb = fc.tuple(dim(), dim(), dim(), fc.boolean(), fc.boolean()).chain(([M, K, N, transA, transB]) => {
      const sa = transA ? [K, M] : [M, K], sb = transB ? [N, K] : [K, N];
      return fc.record({ sa: fc.constant(sa), sb: fc.constant(sb), transA: fc.constant(transA), transB: fc.constant(transB), vals: valuesFor([sa, sb]) });
    });
    prop(arb, ({ sa, sb, transA, transB, vals: [a, b] }) => {
      check(`matmul ${JSON.stringify(sa)} x ${JSON.stringify(sb)} transA=${transA} transB=${transB}`, (x, y) => ag.matmul(x!, y!, { transA, transB }), [v64(a, sa), v64(b, sb)]);
    }, 50);
  });

  it('embedding: repeated ids accumulate (scatter-add)', () => {
    const arb = fc.tuple(dim(), dim()).chain(([V, d]) =>
      fc.record({
        V: fc.constant(V),
        d: fc.constant(d),
        ids: fc.array(fc.integer({ min: 0, max: V - 1 }), { minLength: 1, maxLength: 8 }),
        w: doubles(V * d),
      }),
    );
    prop(arb, ({ V, d, ids, w }) => {
      const all = [...ids, ids[0]!]; // the first id appears at least twice
      check(`embedding [${V},${d}] ids ${JSON.stringify(all)}`, (E) => ag.embedding(E!, all), [v64(w, [V, d])]);
    });
  });

  it('concat', () => {
    const arb = fc.tuple(fc.array(dim(3), { minLength: 1, maxLength: 2 }), fc.array(dim(4), { minLength: 1, maxLength: 4 })).chain(([lead, widths]) => {
      const shapes = widths.map((w) => [...lead, w]);
      return fc.record({ shapes: fc.constant(shapes), vals: valuesFor(shapes) });
    });
    prop(arb, ({ shapes, vals }) => check(`concat ${JSON.stringify(shapes)}`, (...xs) => ag.concat(xs), vals.map((v, i) => v64(v, shapes[i]!))));
  });

  it('split: gradient arriving at only some pieces', () => {
    const arb = fc.tuple(dim(4), fc.array(dim(3), { minLength: 2, maxLength: 4 })).chain(([R, widths]) => {
      const W = widths.reduce((a, b) => a + b, 0);
      const all = (1 << widths.length) - 1;
      // a non-empty strict subset of the pieces
      return fc.record({ R: fc.constant(R), widths: fc.constant(widths), mask: fc.integer({ min: 1, max: all - 1 }), x: doubles(R * W) });
    });
    prop(arb, ({ R, widths, mask, x }) => {
      const W = widths.reduce((a, b) => a + b, 0);
      check(`split [${R},${W}] into ${JSON.stringify(widths)}, grads at mask ${mask}`, (v) => flatCat(pick(ag.split(v!, widths), mask)), [v64(x, [R, W])]);
    });
  });

  it('split: gradient at every piece', () => {
    const arb = fc.tuple(dim(4), fc.array(dim(3), { minLength: 1, maxLength: 4 })).chain(([R, widths]) =>
      fc.record({ R: fc.constant(R), widths: fc.constant(widths), x: doubles(R * widths.reduce((a, b) => a + b, 0)) }),
    );
    prop(arb, ({ R, widths, x }) => {
      const W = widths.reduce((a, b) => a + b, 0);
      check(`split [${R},${W}] into ${JSON.stringify(widths)}`, (v) => flatCat(ag.split(v!, widths)), [v64(x, [R, W])]);
    }, 30);
  });

  it('softmaxCrossEntropy', () => {
    const arb = fc.tuple(dim(), dim()).chain(([N, V]) =>
      fc.record({ N: fc.constant(N), V: fc.constant(V), x: doubles(N * V, -4, 4), t: fc.array(fc.integer({ min: 0, max: V - 1 }), { minLength: N, maxLength: N }) }),
    );
    prop(arb, ({ N, V, x, t }) => check(`softmaxCrossEntropy [${N},${V}] targets ${JSON.stringify(t)}`, (l) => ag.softmaxCrossEntropy(l!, t), [v64(x, [N, V])]));
  });

  it('sigmoidBinaryCrossEntropy: gradient w.r.t. logits and targets', () => {
    const arb = shape2().chain((s) => fc.record({ s: fc.constant(s), x: doubles(sizeOf(s), -4, 4), y: doubles(sizeOf(s), 0, 1) }));
    prop(arb, ({ s, x, y }) => check(`sigmoidBinaryCrossEntropy ${JSON.stringify(s)}`, (l, t) => ag.sigmoidBinaryCrossEntropy(l!, t!), [v64(x, s), v64(y, s)]));
  });
});

// ---------------------------------------------------------------------------
// Recurrent ops

interface RnnDims { T: number; B: number; D: number; H: number }
const rnnDims = (Tmax: number) => fc.record({ T: dim(Tmax), B: dim(3), D: dim(), H: dim() });
const lstmShapes = ({ T, B, D, H }: RnnDims) => [[T * B, D], [B, H], [B, H], [4 * H, D], [4 * H, H], [4 * H], [4 * H]];
const gruShapes = ({ B, D, H }: RnnDims) => [[B, D], [B, H], [3 * H, D], [3 * H, H], [3 * H], [3 * H]];
const rnnCase = (Tmax: number, shapesOf: (d: RnnDims) => number[][], maskMax: number) =>
  rnnDims(Tmax).chain((d) => fc.record({ d: fc.constant(d), mask: fc.integer({ min: 1, max: maskMax }), vals: valuesFor(shapesOf(d)) }));
const leaves = (vals: number[][], shapes: number[][]) => vals.map((v, i) => v64(v, shapes[i]!));

describe('gradcheck: recurrent ops (property)', () => {
  it('lstmSequence: gradient arriving at hs, hT, cT and every non-empty subset of them', () => {
    // mask bit 0: hs, bit 1: hT, bit 2: cT
    prop(rnnCase(4, lstmShapes, 7), ({ d, mask, vals }) => {
      check(`lstmSequence ${JSON.stringify(d)} grads at mask ${mask}`, (x, h, c, wih, whh, bih, bhh) =>
        flatCat(pick(ag.lstmSequence(x!, h!, c!, { wih: wih!, whh: whh!, bih: bih!, bhh: bhh! }, d.T), mask)), leaves(vals, lstmShapes(d)));
    }, 50);
  });

  it('lstmCell: gradient arriving at h\', c\' or both', () => {
    const shapes = (d: RnnDims) => lstmShapes({ ...d, T: 1 });
    prop(rnnCase(1, shapes, 3), ({ d, mask, vals }) => {
      check(`lstmCell ${JSON.stringify(d)} grads at mask ${mask}`, (x, h, c, wih, whh, bih, bhh) =>
        flatCat(pick(ag.lstmCell(x!, h!, c!, { wih: wih!, whh: whh!, bih: bih!, bhh: bhh! }), mask)), leaves(vals, shapes(d)));
    });
  });

  it('gruCell', () => {
    prop(rnnCase(1, gruShapes, 1), ({ d, vals }) => {
      check(`gruCell ${JSON.stringify(d)}`, (x, h, wih, whh, bih, bhh) => ag.gruCell(x!, h!, { wih: wih!, whh: whh!, bih: bih!, bhh: bhh! }), leaves(vals, gruShapes(d)));
    });
  });

  it('lstmSequence equals lstmCell unrolled over T steps, forward and backward', () => {
    prop(rnnCase(4, lstmShapes, 1), ({ d, vals }) => {
      const { T, B, D, H } = d;
      const run = (unrolled: boolean) => {
        const xs = leaves(vals, lstmShapes(d));
        const [x, h0, c0, wih, whh, bih, bhh] = xs as [Var, Var, Var, Var, Var, Var, Var];
        const w = { wih, whh, bih, bhh };
        let hs: Var, cT: Var;
        if (unrolled) {
          const steps = ag.split(ag.reshape(x, [1, T * B * D]), Array(T).fill(B * D) as number[]);
          let h = h0, c = c0;
          const out: Var[] = [];
          for (const s of steps) {
            [h, c] = ag.lstmCell(ag.reshape(s, [B, D]), h, c, w);
            out.push(ag.reshape(h, [1, B * H]));
          }
          hs = ag.reshape(out.length === 1 ? out[0]! : ag.concat(out), [T * B, H]);
          cT = c;
        } else {
          [hs, , cT] = ag.lstmSequence(x, h0, c0, w, T);
        }
        const loss = ag.add(ag.sum(ag.mul(hs, ag.tanh(hs))), ag.sum(ag.mul(cT, cT)));
        ag.backward([loss]);
        return { loss: loss.item(), hs: hs.value.toArray(), grads: xs.map((v) => v.grad!.toArray()) };
      };
      const a = run(false), b = run(true);
      expect(b.loss).toBeCloseTo(a.loss, 12);
      b.hs.forEach((v, i) => expect(Math.abs(v - a.hs[i]!)).toBeLessThan(1e-13));
      b.grads.forEach((g, k) => g.forEach((v, i) => expect(Math.abs(v - a.grads[k]![i]!), `input ${k} [${i}]`).toBeLessThan(1e-12)));
    }, 30);
  });
});

// ---------------------------------------------------------------------------
// Composed graphs: the 2-layer LSTM LM, and DNI's multi-root backward

const lmArb = fc
  .record({ V: dim(5, 2), d: dim(4), H1: dim(4), H2: dim(4), T: dim(4), B: dim(3) })
  .chain((m: LmDims) =>
    fc.record({
      m: fc.constant(m),
      ids: fc.array(fc.integer({ min: 0, max: m.V - 1 }), { minLength: m.T * m.B, maxLength: m.T * m.B }),
      targets: fc.array(fc.integer({ min: 0, max: m.V - 1 }), { minLength: m.T * m.B, maxLength: m.T * m.B }),
      vals: valuesFor(lmInputShapes(m), -0.8, 0.8),
      seed: doubles(m.B * 2 * (m.H1 + m.H2)),
    }),
  );

const lmLeaves = (m: LmDims, vals: number[][], dtype: DType = 'float64') =>
  lmInputShapes(m).map((s, i) => new Var(Tensor.from(vals[i]!, s, dtype), true));

describe('gradcheck: composed graphs (property)', () => {
  it('2-layer LSTM LM: embedding → lstmSequence ×2 → matmul(transB) + bias → softmaxCrossEntropy', () => {
    prop(lmArb, ({ m, ids, targets, vals }) => {
      check(`LM ${JSON.stringify(m)}`, (...xs) => lmForward(m, ids, targets, xs).loss, lmLeaves(m, vals));
    }, LM_RUNS);
  });

  it('multi-root backward([loss, s], [1, seed]) matches finite differences of loss + <seed, s>, sPrev included', () => {
    prop(lmArb, ({ m, ids, targets, vals, seed }) => {
      const S = 2 * (m.H1 + m.H2);
      const inputs = lmLeaves(m, vals);
      const r = gradcheckRoots((...xs) => {
        const { loss, s } = lmForward(m, ids, targets, xs);
        return [loss, s];
      }, inputs, [1, Tensor.from(seed, [m.B, S], 'float64')]);
      expectOk(r, `multi-root LM ${JSON.stringify(m)}`);
      // δ reached the leaf initial state that was split into per-layer h0, c0
      const sPrev = inputs[inputs.length - 1]!;
      expect(sPrev.grad?.shape).toEqual([m.B, S]);
    }, LM_RUNS);
  });

  it('multi-root backward is the sum of the single-root backwards (linear in the seeds)', () => {
    prop(lmArb, ({ m, ids, targets, vals, seed }) => {
      const S = 2 * (m.H1 + m.H2);
      const g = Tensor.from(seed, [m.B, S], 'float64');
      const grads = (roots: ('loss' | 's')[], seeds: (Tensor | number)[]) => {
        const xs = lmLeaves(m, vals);
        const out = lmForward(m, ids, targets, xs);
        ag.backward(roots.map((r) => out[r]), seeds);
        return xs.map((v) => (v.grad ? v.grad.toArray() : Array(v.value.size).fill(0) as number[]));
      };
      const both = grads(['loss', 's'], [1, g]);
      const loss = grads(['loss'], [1]);
      const s = grads(['s'], [g]);
      both.forEach((gk, k) => gk.forEach((v, i) => expect(Math.abs(v - (loss[k]![i]! + s[k]![i]!))).toBeLessThan(1e-12)));
    }, LM_RUNS);
  });
});

// ---------------------------------------------------------------------------
// Engine behaviour

/** A small graph x, w → scalar used by the engine properties. */
const mmCase = fc.tuple(dim(4), dim(4), dim(4)).chain(([M, K, N]) => fc.record({ M: fc.constant(M), K: fc.constant(K), N: fc.constant(N), vals: valuesFor([[M, K], [K, N]]) }));
function mmLoss(x: Var, w: Var): Var {
  return ag.sum(ag.tanh(ag.matmul(x, w)));
}

describe('engine behaviour (property)', () => {
  it('gradients accumulate across two backward calls; zeroGrad resets them', () => {
    prop(mmCase, ({ M, K, N, vals: [a, b] }) => {
      const x = v64(a, [M, K]), w = v64(b, [K, N]);
      ag.backward([mmLoss(x, w)]);
      const once = x.grad!.toArray(), onceW = w.grad!.toArray();
      ag.backward([mmLoss(x, w)]);
      expect(x.grad!.toArray()).toEqual(once.map((v) => v + v));
      expect(w.grad!.toArray()).toEqual(onceW.map((v) => v + v));
      // a different loss adds its own gradient
      ag.backward([ag.sum(ag.mul(x, x))]);
      x.grad!.toArray().forEach((v, i) => expect(v).toBeCloseTo(2 * once[i]! + 2 * a[i]!, 12));
      // zeroGrad keeps the owned buffer, filled with zeros; the next backward starts afresh
      const buf = x.grad!;
      x.zeroGrad();
      w.zeroGrad();
      expect(x.grad === null || x.grad.toArray().every((v) => v === 0)).toBe(true);
      expect(x.grad).toBe(buf);
      ag.backward([mmLoss(x, w)]);
      expect(x.grad!.toArray()).toEqual(once);
      expect(w.grad!.toArray()).toEqual(onceW);
    });
  });

  it('noGrad records nothing and restores the mode, even after a throw', () => {
    prop(mmCase, ({ M, K, N, vals: [a, b] }) => {
      const x = v64(a, [M, K]), w = v64(b, [K, N]);
      const y = ag.noGrad(() => {
        expect(ag.isGradEnabled()).toBe(false);
        return mmLoss(x, w);
      });
      expect(ag.isGradEnabled()).toBe(true);
      expect(y.node).toBeNull();
      expect(y.requiresGrad).toBe(false);
      expect(() => ag.backward([y])).toThrow(/does not require grad/);
      expect(x.grad).toBeNull();
      expect(() => ag.noGrad(() => { throw new Error('boom'); })).toThrow('boom');
      expect(ag.isGradEnabled()).toBe(true);
      // the same graph with recording on does reach x
      expect(mmLoss(x, w).node).not.toBeNull();
    });
  });

  it('detach blocks the gradient', () => {
    prop(shape2().chain((s) => fc.record({ s: fc.constant(s), a: doubles(sizeOf(s)) })), ({ s, a }) => {
      const x = v64(a, s);
      const y = ag.tanh(x);
      const yd = y.detach();
      expect(yd.isLeaf).toBe(true);
      expect(yd.requiresGrad).toBe(false);
      expect(yd.value).toBe(y.value);
      // d/dx Σ tanh(x)_const · x = tanh(x): nothing flows through the detached factor
      ag.backward([ag.sum(ag.mul(yd, x))]);
      x.grad!.toArray().forEach((v, i) => expect(v).toBe(Math.tanh(a[i]!)));
    });
  });

  it('a Var used twice gets the sum of both gradients', () => {
    prop(shape2().chain((s) => fc.record({ s: fc.constant(s), a: doubles(sizeOf(s)) })), ({ s, a }) => {
      const x = v64(a, s);
      ag.backward([ag.sum(ag.mul(x, x))]);
      x.grad!.toArray().forEach((v, i) => expect(v).toBe(2 * a[i]!));
      const y = v64(a, s);
      ag.backward([ag.sum(ag.add(y, y))]);
      expect(y.grad!.toArray().every((v) => v === 2)).toBe(true);
      // x·xᵀ: both operands of one matmul
      const z = v64(a, s);
      check('matmul(x, x, transB)', (v) => ag.matmul(v!, v!, { transB: true }), [z]);
      check('concat([x, x])', (v) => ag.concat([v!, ag.tanh(v!), v!]), [v64(a, s)]);
    });
  });

  it('backward releases the graph: a second backward through it fails loudly', () => {
    prop(mmCase, ({ M, K, N, vals: [a, b] }) => {
      const x = v64(a, [M, K]), w = v64(b, [K, N]);
      const h = ag.matmul(x, w);
      const loss = ag.sum(ag.tanh(h));
      ag.backward([loss]);
      const g = x.grad!.toArray();
      // values survive; history and intermediate gradients are gone
      expect(Number.isFinite(loss.item())).toBe(true);
      expect(loss.node).toBeNull();
      expect(h.node).toBeNull();
      expect(h.grad).toBeNull();
      expect(() => ag.backward([loss])).toThrow(/already released/);
      // a new graph on top of a released intermediate cannot reach through it either
      expect(() => ag.backward([ag.sum(ag.mul(h, h))])).toThrow(/input of mul .*made by matmul.*already released/);
      // nothing was accumulated by the failed calls
      expect(x.grad!.toArray()).toEqual(g);
      // detach() is the way to reuse the value
      ag.backward([ag.sum(ag.mul(h.detach(), ag.matmul(x, w)))]);
    });
  });

  it('a seed tensor is not aliased by the gradient it lands in', () => {
    prop(shape2().chain((s) => fc.record({ s: fc.constant(s), a: doubles(sizeOf(s)) })), ({ s, a }) => {
      const x = v64(a, s);
      const seed = Tensor.from(a, s, 'float64');
      ag.backward([x], [seed]);
      seed.data.fill(7);
      expect(x.grad!.toArray()).toEqual(a);
      const y = v64(a, s);
      const seed2 = Tensor.from(a, s, 'float64');
      ag.backward([ag.reshape(y, [sizeOf(s)])], [seed2.reshape([sizeOf(s)])]);
      seed2.data.fill(7);
      expect(y.grad!.toArray()).toEqual(a);
    }, 10);
  });

  it('shape errors name the op and the shapes', () => {
    const mm = (sa: number[], sb: number[], opts: ag.MatmulOptions = {}) => () => ag.matmul(Var.zeros(sa), Var.zeros(sb), opts);
    expect(mm([32, 64], [65, 10])).toThrow('matmul: [32,64] x [65,10]: inner dimensions 64 != 65');
    expect(mm([32, 64], [65, 10])).toThrow(ShapeError);
    // every transpose variant, random shapes
    prop(fc.tuple(dim(9), dim(9), dim(9), dim(9), fc.boolean(), fc.boolean()).filter(([, k1, k2]) => k1 !== k2), ([M, K1, K2, N, transA, transB]) => {
      const sa = transA ? [K1, M] : [M, K1], sb = transB ? [N, K2] : [K2, N];
      const name = transA || transB ? `matmul(${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'})` : 'matmul';
      expect(mm(sa, sb, { transA, transB })).toThrow(`${name}: [${sa.join(',')}] x [${sb.join(',')}]: inner dimensions ${K1} != ${K2}`);
    }, 50);
    const z = (...s: number[]) => Var.zeros(s);
    const w4 = (H: number, D: number) => ({ wih: z(4 * H, D), whh: z(4 * H, H), bih: z(4 * H), bhh: z(4 * H) });
    const cases: [() => unknown, string][] = [
      [() => ag.add(z(2, 3), z(3, 2)), 'add: shapes [2,3] and [3,2] do not broadcast'],
      [() => ag.mul(z(2, 3), z(2)), 'mul: shapes [2,3] and [2] do not broadcast'],
      [() => ag.sub(z(4), z(2, 3)), 'sub: shapes [4] and [2,3] do not broadcast'],
      [() => ag.matmul(z(2, 3, 1), z(3, 2)), 'matmul: [2,3,1] x [3,2]: both operands must be 2-d'],
      [() => ag.reshape(z(2, 3), [4]), 'reshape: cannot view [2,3] as [4]'],
      [() => ag.concat([z(2, 3), z(3, 3)]), 'concat: shapes [2,3], [3,3] differ outside the last axis'],
      [() => ag.split(z(2, 3), [1, 1]), 'split: widths [1,1] do not add up to the last axis of [2,3]'],
      [() => ag.embedding(z(4, 3), [0, 5]), 'embedding: id 5 at position 1 is outside the vocabulary [0, 4) of weight [4,3]'],
      [() => ag.softmaxCrossEntropy(z(3, 4), [0, 1]), 'softmaxCrossEntropy: logits [3,4] but 2 targets'],
      [() => ag.softmaxCrossEntropy(z(2, 4), [0, 4]), 'softmaxCrossEntropy: target 4 at row 1 is outside [0, 4)'],
      [() => ag.sigmoidBinaryCrossEntropy(z(2, 3), z(3, 2)), 'sigmoidBinaryCrossEntropy: logits [2,3] and targets [3,2] differ'],
      [() => ag.lstmSequence(z(5, 3), z(2, 4), z(2, 4), w4(4, 3), 3), 'lstmSequence: x must be [T*B, D] = [3*2, D], got [5,3]'],
      [() => ag.lstmSequence(z(6, 3), z(2, 4), z(2, 5), w4(4, 3), 3), 'lstmSequence: c0 must have shape [2,4], got [2,5]'],
      [() => ag.lstmSequence(z(6, 3), z(2, 4), z(2, 4), { ...w4(4, 3), wih: z(16, 2) }, 3), 'lstmSequence: weight_ih must have shape [16,3], got [16,2]'],
      [() => ag.lstmCell(z(2, 3), z(2, 4), z(2, 4), { ...w4(4, 3), whh: z(16, 3) }), 'lstmCell: weight_hh must have shape [16,4], got [16,3]'],
      [() => ag.gruCell(z(2, 3), z(3, 4), { wih: z(12, 3), whh: z(12, 4), bih: z(12), bhh: z(12) }), 'gruCell: x must be [B,D] and h [B,H] with the same B, got [2,3] and [3,4]'],
      [() => ag.gruCell(z(2, 3), z(2, 4), { wih: z(12, 4), whh: z(12, 4), bih: z(12), bhh: z(12) }), 'gruCell: weight_ih must have shape [12,3], got [12,4]'],
    ];
    for (const [f, msg] of cases) {
      expect(f).toThrow(ShapeError);
      expect(f).toThrow(msg);
    }
    // a seed of the wrong shape names the root
    const x = new Var(Tensor.zeros([3]), true);
    expect(() => ag.backward([ag.tanh(x)], [Tensor.zeros([2])])).toThrow('backward: seed 0 has shape [2] but its root has [3]');
  });

  it('dtype mismatches are errors naming the op and both dtypes', () => {
    const f32 = (...s: number[]) => Var.zeros(s, 'float32');
    const f64 = (...s: number[]) => Var.zeros(s, 'float64');
    const cases: [() => unknown, string][] = [
      [() => ag.add(f32(2, 3), f64(2, 3)), 'add: dtype mismatch: float32[2,3] vs float64[2,3]'],
      [() => ag.sub(f64(2, 3), f32(3)), 'sub: dtype mismatch: float64[2,3] vs float32[3]'],
      [() => ag.mul(f32(3), f64(3)), 'mul: dtype mismatch'],
      [() => ag.matmul(f32(2, 3), f64(3, 2)), 'matmul: dtype mismatch: float32[2,3] vs float64[3,2]'],
      [() => ag.concat([f32(2, 1), f64(2, 2)]), 'concat: dtype mismatch'],
      [() => ag.sigmoidBinaryCrossEntropy(f32(2), f64(2)), 'sigmoidBinaryCrossEntropy: dtype mismatch'],
      [() => ag.lstmSequence(f32(2, 3), f32(2, 4), f64(2, 4), { wih: f32(16, 3), whh: f32(16, 4), bih: f32(16), bhh: f32(16) }, 1), 'lstmSequence: dtype mismatch'],
      [() => ag.gruCell(f32(2, 3), f32(2, 4), { wih: f32(12, 3), whh: f64(12, 4), bih: f32(12), bhh: f32(12) }), 'gruCell: dtype mismatch'],
    ];
    for (const [f, msg] of cases) {
      expect(f).toThrow(TypeError);
      expect(f).toThrow(msg);
    }
    const x = new Var(Tensor.zeros([3], 'float32'), true);
    expect(() => ag.backward([ag.tanh(x)], [Tensor.zeros([3], 'float64')])).toThrow('backward: seed 0 is float64 but its root is float32');
  });

  it('gradcheck itself catches a wrong backward', () => {
    // y = x² with a backward of 2x + 0.01: must fail (guards against a vacuous gradcheck)
    const wrong = (x: Var) => ag.record1('square', [x], new Tensor(x.value.data.map((v) => v * v), x.shape), (g) => [new Tensor(g.data.map((gv, i) => gv * (2 * x.value.data[i]! + 0.01)), x.shape)]);
    const r = ag.gradcheck((x) => wrong(x!), [v64([0.3, -0.7, 1.2], [3])]);
    expect(r.ok).toBe(false);
    expect(r.worst).not.toBeNull();
  });

  it('the float32 path gives nearly the float64 values and gradients (2-layer LSTM LM)', () => {
    prop(lmArb, ({ m, ids, targets, vals, seed }) => {
      const run = (dtype: DType) => {
        const xs = lmLeaves(m, vals, dtype);
        const { loss, s } = lmForward(m, ids, targets, xs);
        const sv = s.value.toArray();
        ag.backward([loss, s], [1, Tensor.from(seed, s.shape, dtype)]);
        return { loss: loss.item(), s: sv, grads: xs.map((v) => v.grad!.toArray()) };
      };
      const a = run('float64'), b = run('float32');
      // float32 rounding (ε ≈ 6e-8) through ~10 ops of a few terms each: 1e-5 leaves a wide margin
      expect(Math.abs(b.loss - a.loss)).toBeLessThan(1e-5 * (1 + Math.abs(a.loss)));
      b.s.forEach((v, i) => expect(Math.abs(v - a.s[i]!)).toBeLessThan(1e-5));
      const scaleOf = Math.max(1, ...a.grads.flat().map(Math.abs));
      b.grads.forEach((g, k) => g.forEach((v, i) => expect(Math.abs(v - a.grads[k]![i]!), `input ${k} [${i}]`).toBeLessThan(1e-5 * scaleOf)));
    }, 25);
  });
});
