// cDNI (`synthesizer.condition`, docs/algorithm.md §4 and §10): the synthesizer also reads the
// one-hot ids of the c + 1 stream positions after the cut. Which ids, how they are encoded, that
// the network is the same one on the wider input, and which configurations may ask for it.
// (Step-by-step agreement with the PyTorch reference: the dni_condition* parity fixtures.)
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import * as ag from '../../src/autograd/index.js';
import { Var } from '../../src/autograd/variable.js';
import { batchify } from '../../src/data/batch.js';
import { conditionedInput, createSynthesizer, oneHotIds } from '../../src/models/synthesizers.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { applyFlags } from '../../src/train/config.js';
import { LmSource } from '../../src/train/lm-source.js';
import { runTraining } from '../../src/train/run.js';
import { setupRun } from '../../src/train/setup.js';
import { Trainer } from '../../src/train/trainer.js';
import { base, configError, resolve, withKey } from './config-helpers.js';
import { expectSameCheckpoint, tempDir, tinyConfig, writeCorpus } from './helpers.js';

describe('LmSource.conditionIds', () => {
  it('gives the ids from the chunk\'s start or from the input after it, −1 past the stream', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 9 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 0, max: 40 }),
      (B, L, T, slots, step) => {
        const ids = Int32Array.from({ length: B * L }, (_, i) => (i * 7 + 3) % 11);
        const train = batchify(ids, B);
        const source = new LmSource({ params: null, stateSize: 2 } as never, train, T);
        const C = Math.ceil((L - 1) / T), k = step % C;
        const len = Math.min(T, L - 1 - k * T);
        for (const [at, p] of [['start', k * T], ['end', k * T + len]] as const) {
          const got = source.conditionIds(step, at, slots);
          const want: number[] = [];
          // row b of the stream is ids[b·L .. (b+1)·L): batchify's layout, read back by hand
          for (let b = 0; b < B; b++) for (let j = 0; j < slots; j++) want.push(p + j < L ? ids[b * L + p + j]! : -1);
          expect(Array.from(got)).toEqual(want);
        }
      }), { numRuns: 300 });
  });
});

describe('oneHotIds and conditionedInput', () => {
  it('put a 1 at each id of each slot, nothing for −1, after s', () => {
    const s = new Tensor(Float32Array.from([1, 2, 3, 4]), [2, 2]);
    const x = conditionedInput(s, Int32Array.from([2, -1, 0, 1]), { slots: 2, vocab: 3 });
    expect(x.shape).toEqual([2, 8]);
    expect(Array.from(x.data)).toEqual([1, 2, 0, 0, 1, 0, 0, 0, 3, 4, 1, 0, 0, 0, 1, 0]);
  });

  it('rejects an id outside the vocabulary and a wrong number of ids', () => {
    expect(() => oneHotIds(Int32Array.from([3]), 1, { slots: 1, vocab: 3 }, 'float32')).toThrow(/id 3 is outside the vocabulary of 3/);
    expect(() => oneHotIds(Int32Array.from([0, 1, 2]), 2, { slots: 1, vocab: 3 }, 'float32')).toThrow(/3 ids for 2 rows of 1 positions/);
  });
});

describe('a conditioned synthesizer', () => {
  const S = 4, V = 3, slots = 2;

  it('linear: M(s, ids) = W_s s + Σ_j W_j[:, id_j] + b, one weight of [S, S + slots·V], zero at first', () => {
    const synth = createSynthesizer({ kind: 'linear', hidden: [], units: 0, noise: 0, condition: slots - 1 }, S, new Rng(1), 0.1, 'float64', V);
    const w = synth.params.get('synthesizer.weight'), bias = synth.params.get('synthesizer.bias');
    expect(w.value.shape).toEqual([S, S + slots * V]);
    expect(w.value.data.every((v) => v === 0)).toBe(true);
    fc.assert(fc.property(
      fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: S * (S + slots * V) + S, maxLength: S * (S + slots * V) + S }),
      fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 2 * S, maxLength: 2 * S }),
      fc.array(fc.integer({ min: -1, max: V - 1 }), { minLength: 2 * slots, maxLength: 2 * slots }),
      (weights, sv, idv) => {
        const I = S + slots * V;
        w.value.data.set(weights.slice(0, S * I));
        bias.value.data.set(weights.slice(S * I));
        const ids = Int32Array.from(idv);
        const out = synth.predict(new Var(new Tensor(Float64Array.from(sv), [2, S])), 'next', null, ids).value.data;
        for (let b = 0; b < 2; b++) {
          for (let o = 0; o < S; o++) {
            let want = weights[S * I + o]!;
            for (let i = 0; i < S; i++) want += weights[o * I + i]! * sv[b * S + i]!;
            for (let j = 0; j < slots; j++) if (ids[b * slots + j]! >= 0) want += weights[o * I + S + j * V + ids[b * slots + j]!]!;
            expect(out[b * S + o]).toBeCloseTo(want, 12);
          }
        }
      }), { numRuns: 100 });
  });

  it('is refused a call without its ids', () => {
    const synth = createSynthesizer({ kind: 'mlp', hidden: [5], units: 0, noise: 0, condition: 1 }, S, new Rng(1), 0.1, 'float64', V);
    expect(() => synth.predict(new Var(Tensor.zeros([1, S], 'float64')), 'next', null)).toThrow(/called without them/);
  });

  it('mlp: ℓ_SG\'s gradient by every weight matches float64 finite differences (ids fixed)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1000 }), (seed) => {
      const synth = createSynthesizer({ kind: 'mlp', hidden: [5], units: 0, noise: 0, condition: slots - 1 }, S, new Rng(seed), 0.3, 'float64', V);
      const rng = new Rng(seed + 1);
      const params = synth.params.names.map((n) => synth.params.get(n));
      for (const p of params) for (let i = 0; i < p.value.size; i++) p.value.data[i] = rng.uniform() - 0.5;
      const s = new Tensor(Float64Array.from({ length: 3 * S }, () => rng.uniform() * 2 - 1), [3, S]);
      const target = new Tensor(Float64Array.from({ length: 3 * S }, () => rng.uniform() - 0.5), [3, S]);
      const ids = Int32Array.from({ length: 3 * slots }, () => rng.int(V + 1) - 1);
      const loss = () => {
        const err = ag.sub(synth.predict(new Var(s), 'previous', null, ids), new Var(target));
        return ag.sum(ag.mul(err, err));
      };
      const r = gradcheck(loss, params);
      expect(r.ok, JSON.stringify(r.worst)).toBe(true);
    }), { numRuns: 10 });
  });
});

describe('synthesizer.condition in a run configuration', () => {
  const lm = (over: Record<string, unknown>) => ({ ...base(), policy: { name: 'dni' }, synthesizer: over });

  it('defaults to 0 (M(s), §4) and takes a count from the file or --sg-condition', () => {
    expect(resolve(lm({})).synthesizer!.condition).toBe(0);
    expect(resolve(lm({ condition: 3 })).synthesizer!.condition).toBe(3);
    expect(resolve(applyFlags(lm({}), { sgCondition: '2' })).synthesizer!.condition).toBe(2);
  });

  it('refuses a copy task, the elementwise kind and a count that is not a non-negative integer', () => {
    const copy = { task: 'copy', policy: { name: 'dni' }, synthesizer: { condition: 1 } };
    expect(configError(() => resolve(copy)).message).toMatch(/synthesizer\.condition.*only the language-model tasks \(charlm, wordlm\) have; use 0/);
    expect(resolve({ ...copy, synthesizer: { condition: 0 } }).synthesizer!.condition).toBe(0);
    expect(configError(() => resolve(lm({ kind: 'elementwise', condition: 1 }))).message).toMatch(/needs a linear or mlp synthesizer/);
    for (const bad of [-1, 1.5, '2', null]) {
      expect(configError(() => resolve(withKey('synthesizer.condition', bad, lm({})))).message).toMatch(/synthesizer\.condition.*non-negative integer/);
    }
  });

  it('trains: ĝ reads the ids after s_k, the fit the ids after s_{k−1}', () => {
    const dir = tempDir();
    const cfg = tinyConfig(dir, writeCorpus(dir, 300), { steps: 6, policy: { name: 'dni' }, synthesizer: { condition: 2, lr: 0.05 } });
    const setup = setupRun(cfg);
    const t = new Trainer(cfg, setup.source, setup.synth, setup.rng);
    const source = setup.source as LmSource;
    const calls: { call: string; ids: number[] | null; step: number }[] = [];
    const predict = setup.synth!.predict.bind(setup.synth!);
    setup.synth!.predict = (s, call, rng, ids) => {
      calls.push({ call, ids: ids ? Array.from(ids) : null, step: t.step });
      return predict(s, call, rng, ids);
    };
    for (let i = 0; i < 6; i++) t.stepOnce();
    const next = calls.filter((c) => c.call === 'next'), previous = calls.filter((c) => c.call === 'previous');
    expect(next.map((c) => c.step)).toEqual([0, 1, 2, 3, 4, 5]);
    // chunk 0's pair starts from a reset state, which train_at_reset false leaves out
    expect(previous.map((c) => c.step)).toEqual([1, 2, 3, 4, 5]);
    for (const c of next) expect(c.ids).toEqual(Array.from(source.conditionIds(c.step, 'end', 3)));
    for (const c of previous) expect(c.ids).toEqual(Array.from(source.conditionIds(c.step, 'start', 3)));
    // the ids after s_k of one chunk are the ids after s_{k−1} of the next
    expect(next[1]!.ids).toEqual(previous[1]!.ids);
  });
});

describe('a conditioned run resumes', () => {
  it.each([['adam', { condition: 2 }], ['the ridge fit', { condition: 1, fit: 'ridge' }]] as const)('with %s: a run resumed at step 7 ends as the uninterrupted one, bit for bit', async (_name, synthesizer) => {
    const dir = tempDir();
    const data = writeCorpus(dir, 400);
    const cfgAt = (steps: number) => tinyConfig(dir, data, { steps, policy: { name: 'dni', warmup: 2, unit: 'step' }, synthesizer });
    const resumed = path.join(dir, 'resumed'), straight = path.join(dir, 'straight');
    await runTraining(cfgAt(7), { outDir: resumed });
    await runTraining(cfgAt(20), { outDir: resumed, resume: true });
    await runTraining(cfgAt(20), { outDir: straight });
    expectSameCheckpoint(resumed, straight);
    const records = (d: string) => fs.readFileSync(path.join(d, 'metrics.jsonl'), 'utf8');
    expect(records(resumed)).toBe(records(straight));
  });
});
