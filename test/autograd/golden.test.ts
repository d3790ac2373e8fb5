// Our ops against PyTorch (torch.nn.LSTMCell ×2 unrolled, torch.nn.GRUCell,
// F.cross_entropy, F.binary_cross_entropy_with_logits), forward and backward.
// Fixtures: test/fixtures/golden/*.json, written by scripts/golden/make_golden.py.
//
// The inputs in the fixtures are float32 values (read back bit-exactly through a
// Float32Array); PyTorch computed the references in float64 from exactly those
// values, written with 12 significant digits. So:
//
// * float64 path: both sides compute the same function of the same numbers in
//   double precision; only summation order differs (~1e-15) plus the fixture's
//   12-digit rounding (5e-13 relative, so ~5e-12 on the loss of magnitude ~10).
//   Observed worst 3e-12. Tolerance 1e-10 abs + 1e-9 rel.
//
// * float32 path (what training uses): every op stores its result in float32
//   (unit roundoff 6e-8; matmul sums are accumulated in double and rounded once).
//   Through 2 layers × 3 steps forward and backward the rounding errors stay at a
//   few ulps of these O(1) values: observed worst 9e-8 (the last test prints it).
//   Tolerance 1e-5 abs + 1e-4 rel: 100× above that float32 noise, yet far below
//   what a wrong term in a backward does here (a dropped or sign-flipped
//   contribution changes some gradient by ≥1e-3).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ag from '../../src/autograd/index.js';
import { Var } from '../../src/autograd/index.js';
import { Tensor, type DType } from '../../src/tensor/index.js';

interface Entry { shape: number[]; data: number[] }
interface Fixture {
  dims?: Record<string, unknown>;
  inputs: Record<string, Entry | number[]>;
  consts?: Record<string, Entry>;
  outputs: Record<string, Entry | number>;
  grads: Record<string, Entry>;
}

const load = (name: string): Fixture => JSON.parse(readFileSync(new URL(`../fixtures/golden/${name}`, import.meta.url), 'utf8')) as Fixture;

const TOL: Record<DType, { atol: number; rtol: number }> = {
  float64: { atol: 1e-10, rtol: 1e-9 },
  float32: { atol: 1e-5, rtol: 1e-4 },
};

/** The fixture's float32 values, as a tensor of `dtype` (float64 holds them exactly). */
function tensor(e: Entry, dtype: DType, shape: readonly number[] = e.shape): Tensor {
  const f32 = Float32Array.from(e.data);
  return Tensor.from(f32, shape, dtype);
}

const leaf = (e: Entry, dtype: DType, shape?: readonly number[]) => new Var(tensor(e, dtype, shape), true);
const konst = (e: Entry, dtype: DType, shape?: readonly number[]) => new Var(tensor(e, dtype, shape), false);

/** Worst error seen per dtype, for the report. */
const worst: Record<DType, number> = { float64: 0, float32: 0 };

function expectClose(actual: ArrayLike<number>, expected: readonly number[] | number, dtype: DType, what: string): void {
  const exp = typeof expected === 'number' ? [expected] : expected;
  expect(actual.length, `${what}: length`).toBe(exp.length);
  const { atol, rtol } = TOL[dtype];
  let bad = -1, maxErr = 0;
  for (let i = 0; i < exp.length; i++) {
    const err = Math.abs(actual[i]! - exp[i]!);
    maxErr = Math.max(maxErr, err);
    if (!(err <= atol + rtol * Math.abs(exp[i]!)) && bad < 0) bad = i;
  }
  worst[dtype] = Math.max(worst[dtype], maxErr);
  if (bad >= 0) throw new Error(`${what} (${dtype}): element ${bad} is ${actual[bad]} but PyTorch has ${exp[bad]} (tolerance ${atol} + ${rtol}·|ref|; max error ${maxErr})`);
}

const entry = (x: Entry | number | number[] | undefined): Entry => x as Entry;

describe.each(['float64', 'float32'] as const)('golden values from PyTorch (%s)', (dtype) => {
  describe('2-layer LSTM (nn.LSTMCell ×2, T=3, B=2)', () => {
    const fx = load('lstm2.json');
    const { T, B, D, H } = fx.dims as { T: number; B: number; D: number; H: [number, number] };
    const inp = (k: string, shape?: number[]) => leaf(entry(fx.inputs[k]), dtype, shape);

    /** Builds the model with lstmSequence (unrolled = false) or per-step lstmCell; returns every h_t, c_t it can see, the loss, and the leaves. */
    function run(unrolled: boolean) {
      const x = inp('x', [T * B, D]);
      const layers = [0, 1].map((l) => ({
        h0: inp(`h0_${l}`), c0: inp(`c0_${l}`),
        w: { wih: inp(`weight_ih_${l}`), whh: inp(`weight_hh_${l}`), bih: inp(`bias_ih_${l}`), bhh: inp(`bias_hh_${l}`) },
      }));
      const c = fx.consts!;
      const R = konst(c.R!, dtype, [T * B, H[1]]), Q1 = konst(c.Q1!, dtype), Q2 = konst(c.Q2!, dtype), P = konst(c.P!, dtype);
      let hs: Var[], hT: Var[], cT: Var[], cAll: Var[][] | null = null;
      if (!unrolled) {
        const [hs1, hT1, cT1] = ag.lstmSequence(x, layers[0]!.h0, layers[0]!.c0, layers[0]!.w, T);
        const [hs2, hT2, cT2] = ag.lstmSequence(hs1, layers[1]!.h0, layers[1]!.c0, layers[1]!.w, T);
        hs = [hs1, hs2];
        hT = [hT1, hT2];
        cT = [cT1, cT2];
      } else {
        const steps = ag.split(ag.reshape(x, [1, T * B * D]), Array(T).fill(B * D) as number[]);
        const state = layers.map((L) => [L.h0, L.c0] as [Var, Var]);
        const hSteps: Var[][] = [[], []], cSteps: Var[][] = [[], []];
        for (let t = 0; t < T; t++) {
          let input = ag.reshape(steps[t]!, [B, D]);
          for (let l = 0; l < 2; l++) {
            state[l] = ag.lstmCell(input, state[l]![0], state[l]![1], layers[l]!.w);
            hSteps[l]!.push(state[l]![0]);
            cSteps[l]!.push(state[l]![1]);
            input = state[l]![0];
          }
        }
        const stack = (vs: Var[], Hl: number) => ag.reshape(ag.concat(vs.map((v) => ag.reshape(v, [1, B * Hl]))), [T * B, Hl]);
        hs = [stack(hSteps[0]!, H[0]), stack(hSteps[1]!, H[1])];
        hT = [hSteps[0]![T - 1]!, hSteps[1]![T - 1]!];
        cT = [cSteps[0]![T - 1]!, cSteps[1]![T - 1]!];
        cAll = [[stack(cSteps[0]!, H[0])], [stack(cSteps[1]!, H[1])]];
      }
      const loss = ag.add(ag.add(ag.sum(ag.mul(hs[1]!, R)), ag.sum(ag.mul(cT[0]!, Q1))), ag.add(ag.sum(ag.mul(cT[1]!, Q2)), ag.sum(ag.mul(hT[0]!, P))));
      const leaves: Record<string, Var> = { x };
      layers.forEach((L, l) => {
        leaves[`h0_${l}`] = L.h0;
        leaves[`c0_${l}`] = L.c0;
        leaves[`weight_ih_${l}`] = L.w.wih;
        leaves[`weight_hh_${l}`] = L.w.whh;
        leaves[`bias_ih_${l}`] = L.w.bih;
        leaves[`bias_hh_${l}`] = L.w.bhh;
      });
      return { hs, cT, cAll, loss, leaves };
    }

    for (const unrolled of [false, true]) {
      const how = unrolled ? 'lstmCell unrolled' : 'lstmSequence';
      it(`${how}: forward (every h_t${unrolled ? ' and c_t' : ', final c'}) and the loss`, () => {
        const { hs, cT, cAll, loss } = run(unrolled);
        for (const l of [0, 1]) {
          const href = entry(fx.outputs[`h_${l}`]).data, cref = entry(fx.outputs[`c_${l}`]).data;
          expectClose(hs[l]!.value.data, href, dtype, `${how} h of layer ${l}`);
          expectClose(cT[l]!.value.data, cref.slice((T - 1) * B * H[l]!), dtype, `${how} final c of layer ${l}`);
          if (cAll) expectClose(cAll[l]![0]!.value.data, cref, dtype, `${how} c of layer ${l}`);
        }
        expectClose([loss.item()], fx.outputs.loss as number, dtype, `${how} loss`);
      });
      it(`${how}: backward (input, initial states, all weights)`, () => {
        const { loss, leaves } = run(unrolled);
        ag.backward([loss]);
        const names = Object.keys(fx.grads);
        expect(new Set(names)).toEqual(new Set(Object.keys(leaves)));
        for (const k of names) expectClose(leaves[k]!.grad!.data, fx.grads[k]!.data, dtype, `${how} d loss / d ${k}`);
      });
    }
  });

  it('GRU cell (nn.GRUCell): forward and backward', () => {
    const fx = load('gru.json');
    const v = Object.fromEntries(Object.entries(fx.inputs).map(([k, e]) => [k, leaf(entry(e), dtype)]));
    const h1 = ag.gruCell(v.x!, v.h!, { wih: v.weight_ih!, whh: v.weight_hh!, bih: v.bias_ih!, bhh: v.bias_hh! });
    expectClose(h1.value.data, entry(fx.outputs.h1).data, dtype, "gruCell h'");
    const loss = ag.sum(ag.mul(h1, konst(fx.consts!.R!, dtype)));
    expectClose([loss.item()], fx.outputs.loss as number, dtype, 'gruCell loss');
    ag.backward([loss]);
    for (const k of Object.keys(fx.grads)) expectClose(v[k]!.grad!.data, fx.grads[k]!.data, dtype, `gruCell d loss / d ${k}`);
  });

  it('softmax cross-entropy (F.cross_entropy, mean): forward and grad w.r.t. logits', () => {
    const fx = load('ce.json');
    const logits = leaf(entry(fx.inputs.logits), dtype);
    const loss = ag.softmaxCrossEntropy(logits, fx.inputs.targets as number[]);
    expectClose([loss.item()], fx.outputs.loss as number, dtype, 'cross-entropy loss');
    ag.backward([loss]);
    expectClose(logits.grad!.data, fx.grads.logits!.data, dtype, 'cross-entropy d loss / d logits');
  });

  it('BCE with logits (F.binary_cross_entropy_with_logits, mean): forward and grads w.r.t. logits and targets', () => {
    const fx = load('bce.json');
    const logits = leaf(entry(fx.inputs.logits), dtype), targets = leaf(entry(fx.inputs.targets), dtype);
    const loss = ag.sigmoidBinaryCrossEntropy(logits, targets);
    expectClose([loss.item()], fx.outputs.loss as number, dtype, 'BCE loss');
    ag.backward([loss]);
    expectClose(logits.grad!.data, fx.grads.logits!.data, dtype, 'BCE d loss / d logits');
    expectClose(targets.grad!.data, fx.grads.targets!.data, dtype, 'BCE d loss / d targets');
  });

  it('reports the worst error against PyTorch', () => {
    // runs last in its block: every comparison above has been made
    console.log(`golden ${dtype}: worst abs error vs PyTorch ${worst[dtype].toExponential(2)} (tolerance ${TOL[dtype].atol} + ${TOL[dtype].rtol}·|ref|)`);
    expect(worst[dtype]).toBeLessThan(TOL[dtype].atol + TOL[dtype].rtol * 10);
  });
});
