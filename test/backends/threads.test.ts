// The threaded CPU backend (src/backends/threads): every split product and LSTM
// pass gives exactly the single-threaded kernels' bits (shares never split a sum),
// so it is checked for equality with them, on generated shapes, with 2 and 3
// threads and every op split (work thresholds 0; Adam too, on shared buffers), the products and
// the LSTM in each SIMD kernel variant this engine has; the single-threaded kernels are
// themselves checked against the references in matmul/lstm.property.test.ts.
// Then training: a DNI run's records and weights equal the one-thread run's, and the
// PyTorch parity fixtures pass on the threaded backend.
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setBackend, type Backend, type LstmBackwardArgs, type LstmForwardArgs } from '../../src/backends/backend.js';
import { cpuBackend, createCpuBackend, type CpuBackend } from '../../src/backends/cpu/index.js';
import { isSimd, kernelsHere } from '../../src/backends/wasm/variant.js';
import { matmulTs } from '../../src/backends/cpu/matmul.js';
import { createThreadedBackend, type ThreadedBackend } from '../../src/backends/threads/index.js';
import { share } from '../../src/backends/threads/jobs.js';
import { SPIN_MS, spinMsFor } from '../../src/backends/threads/pool.js';
import { setupRun } from '../../src/train/setup.js';
import { adamCpu } from '../../src/backends/cpu/adam.js';
import { softmaxCeCpu } from '../../src/backends/cpu/softmax-ce.js';
import { allocateShared } from '../../src/tensor/dtype.js';
import { Trainer } from '../../src/train/trainer.js';
import { Rng } from '../../src/tensor/rng.js';
import { tempDir, tinyConfig, writeCorpus } from '../train/helpers.js';
import { runParityCase } from '../train/parity-compare.js';

let two: ThreadedBackend, three: ThreadedBackend;
beforeAll(async () => {
  two = await createThreadedBackend(2, { minMatmulWork: 0, minLstmWork: 0, minAdamWork: 0, minSoftmaxWork: 0 });
  three = await createThreadedBackend(3, { minMatmulWork: 0, minLstmWork: 0, minAdamWork: 0, minSoftmaxWork: 0 });
});
afterAll(() => {
  two?.dispose();
  three?.dispose();
});

/** n values on a SharedArrayBuffer at an offset (as a parameter's view into a shared ParamSet is). */
function sharedValues(n: number, seed: number): Float32Array {
  const x = (allocateShared('float32', n + 7) as Float32Array).subarray(7);
  x.set(values(n, seed));
  return x;
}

function values(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  const r = new Rng(seed);
  for (let i = 0; i < n; i++) x[i] = r.uniform() * 2 - 1;
  return x;
}

/** Index of the first element where a and b differ bit for bit (NaN-safe), or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}

function expectSameBits(got: Float32Array, want: Float32Array, what: string): void {
  const i = firstDifference(got, want);
  if (i >= 0) expect.fail(`${what}: element ${i} is ${got[i]}, one thread gives ${want[i]}`);
}

describe('spinMsFor', () => {
  it('spins only when every thread has a logical CPU of its own', () => {
    expect(spinMsFor(2, 2)).toBe(SPIN_MS);
    expect(spinMsFor(2, 16)).toBe(SPIN_MS);
    expect(spinMsFor(3, 2)).toBe(0);
  });
});

describe('share', () => {
  it('cuts 0..total into consecutive pieces at multiples of align, covering everything once', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 8 }), (total, n, align) => {
      let next = 0;
      for (let w = 0; w < n; w++) {
        const [s, e] = share(total, w, n, align);
        expect(s).toBe(Math.min(next, total));
        expect(e).toBeGreaterThanOrEqual(s);
        if (e < total) expect(e % align).toBe(0);
        next = e;
      }
      expect(next).toBe(total);
    }));
  });
});

describe('the threaded backend without SIMD', () => {
  it('splits nothing: every kernel is the plain CPU one, on shared memory', async () => {
    const plain = await createThreadedBackend(2, { simd: false, minMatmulWork: 0, minLstmWork: 0, minAdamWork: 0, minSoftmaxWork: 0 });
    try {
      expect(plain.simd).toBe(false);
      const [M, K, N] = [40, 64, 48];
      const a = values(M * K, 1), b = values(K * N, 2), got = new Float32Array(M * N), want = new Float32Array(M * N);
      plain.matmul(a, b, got, M, K, N, false, true, false);
      matmulTs(a, b, want, M, K, N, false, true, false);
      expectSameBits(got, want, 'matmul');
      expect(plain.calls).toEqual({ split: 0, single: 1 });
      expect(plain.allocate('float32', 4).buffer).toBeInstanceOf(SharedArrayBuffer);
    } finally {
      plain.dispose();
    }
  });
});

const SIMD_VARIANTS = kernelsHere().filter(isSimd);

describe.skipIf(SIMD_VARIANTS.length === 0).each(SIMD_VARIANTS)('threaded %s kernels give the single-threaded bits of the same variant', (kernels) => {
  let two: ThreadedBackend, three: ThreadedBackend, cpuBackend: CpuBackend;
  beforeAll(async () => {
    cpuBackend = createCpuBackend({ kernels });
    two = await createThreadedBackend(2, { kernels, minMatmulWork: 0, minLstmWork: 0, minAdamWork: 0, minSoftmaxWork: 0 });
    three = await createThreadedBackend(3, { kernels, minMatmulWork: 0, minLstmWork: 0, minAdamWork: 0, minSoftmaxWork: 0 });
    expect([cpuBackend.kernels, two.kernels, three.kernels]).toEqual([kernels, kernels, kernels]);
  });
  afterAll(() => {
    two?.dispose();
    three?.dispose();
  });

  it('matmul: random shapes, transposes, accumulate; split by rows and by columns', () => {
    fc.assert(fc.property(
      fc.record({
        M: fc.integer({ min: 1, max: 70 }), K: fc.integer({ min: 0, max: 300 }), N: fc.integer({ min: 1, max: 70 }),
        transA: fc.boolean(), transB: fc.boolean(), accumulate: fc.boolean(), three: fc.boolean(), seed: fc.integer({ min: 1, max: 1 << 30 }),
        shared: fc.integer({ min: 0, max: 7 }),
      }),
      ({ M, K, N, transA, transB, accumulate, three: use3, seed, shared }) => {
        const b = use3 ? three : two;
        // bit i of `shared`: operand i (A, B, C) is on a SharedArrayBuffer, used in place
        const make = (i: number, n: number, sd: number) => ((shared >> i) & 1 ? sharedValues(n, sd) : values(n, sd));
        const a = make(0, M * K, seed), bm = make(1, K * N, seed + 1), c0 = values(M * N, seed + 2);
        const want = c0.slice(), got = (shared >> 2) & 1 ? sharedValues(M * N, seed + 2) : c0.slice();
        cpuBackend.matmul(a, bm, want, M, K, N, transA, transB, accumulate);
        const before = b.calls.split;
        b.matmul(a, bm, got, M, K, N, transA, transB, accumulate);
        // tiny products (< 4096 multiply-adds) run the TypeScript kernel on one thread, as in the CPU backend
        if (M * K * N >= 4096) expect(b.calls.split).toBe(before + 1);
        expectSameBits(got, want, `C of ${JSON.stringify({ M, K, N, transA, transB, accumulate })}`);
      },
    ), { numRuns: 120 });
  });

  it('the LSTM chunk forward and backward: random shapes, requested outputs, batches smaller than the thread count', () => {
    fc.assert(fc.property(
      fc.record({
        T: fc.integer({ min: 1, max: 5 }), B: fc.integer({ min: 1, max: 13 }), D: fc.integer({ min: 1, max: 20 }), H: fc.integer({ min: 8, max: 40 }),
        outs: fc.integer({ min: 0, max: 127 }), three: fc.boolean(), seed: fc.integer({ min: 1, max: 1 << 30 }), sharedParams: fc.boolean(),
      }),
      ({ T, B, D, H, outs, three: use3, seed, sharedParams }) => {
        const b: Backend & { calls: { split: number } } = use3 ? three : two;
        const G = 4 * H;
        // weights and their gradients on SharedArrayBuffers (used in place), as with a shared ParamSet
        const param = (n: number, sd: number) => (sharedParams ? sharedValues(n, sd) : values(n, sd));
        const inputs = { T, B, D, H, x: values(T * B * D, seed), h0: values(B * H, seed + 1), c0: values(B * H, seed + 2), wih: param(G * D, seed + 3), whh: param(G * H, seed + 4), bih: param(G, seed + 5), bhh: param(G, seed + 6) };
        const fwd = (): LstmForwardArgs => ({ ...inputs, gates: new Float32Array(T * B * G), cs: new Float32Array(T * B * H), hs: new Float32Array(T * B * H) });
        const want = fwd(), got = fwd();
        cpuBackend.lstmForward(want);
        const before = b.calls.split;
        b.lstmForward(got);
        const split = b.calls.split > before;
        for (const k of ['gates', 'cs', 'hs'] as const) expectSameBits(got[k] as Float32Array, want[k] as Float32Array, `forward ${k}`);

        const dhs = values(T * B * H, seed + 7), dcT = values(B * H, seed + 8);
        const sizes = [T * B * D, B * H, B * H, G * D, G * H, G, G];
        const init = sizes.map((n, i) => values(n, seed + 9 + i)); // accumulated outputs start non-zero
        const back = (f: LstmForwardArgs, inPlace: boolean): LstmBackwardArgs => {
          const copy = (x: Float32Array, i: number) => (inPlace && sharedParams && i >= 3 ? sharedValues(x.length, seed + 9 + i) : x.slice());
          const o = sizes.map((_, i) => ((outs >> i) & 1 ? copy(init[i]!, i) : null));
          return { ...f, dhs, dcT, dx: o[0]!, dh0: o[1]!, dc0: o[2]!, dwih: o[3]!, dwhh: o[4]!, dbih: o[5]!, dbhh: o[6]! };
        };
        const bw = back(want, false), bg = back(got, true);
        cpuBackend.lstmBackward(bw);
        b.lstmBackward(bg);
        for (const k of ['dx', 'dh0', 'dc0', 'dwih', 'dwhh', 'dbih', 'dbhh'] as const) {
          if (bw[k]) expectSameBits(bg[k] as Float32Array, bw[k] as Float32Array, `backward ${k}`);
        }
        return split || B * G * H < 4096 || T * B * D * G < 4096 || T * B * G < 4096; // split whenever every product of the one-thread kernel runs SIMD
      },
    ), { numRuns: 80 });
  });
});

describe.skipIf(!cpuBackend.simd)('threaded kernels give the single-threaded bits', () => {
  it('Adam on shared buffers: every element updated as on one thread, weight decay or not', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3000 }), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 1 << 30 }), (n, wd, use3, seed) => {
      const b = use3 ? three : two;
      const shared = (k: number) => {
        const x = allocateShared('float32', n + 5) as Float32Array;
        x.set(values(n + 5, seed + k));
        return x.subarray(3, 3 + n); // at an offset in its buffer, as a ParamSet's views are not (but may be)
      };
      const p = shared(0), g = shared(1), m = shared(2), v = shared(3);
      for (let i = 0; i < n; i++) v[i] = Math.abs(v[i]!);
      const hyper = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: wd ? 0.01 : 0, stepSize: 1e-3 / 0.1, sqrtBc2: Math.sqrt(0.001) };
      const want = { p: p.slice(), g: g.slice(), m: m.slice(), v: v.slice(), ...hyper };
      adamCpu(want);
      const before = b.calls.split;
      b.adam!({ p, g, m, v, ...hyper });
      expect(b.calls.split).toBe(before + 1);
      expectSameBits(p, want.p, 'p');
      expectSameBits(m, want.m, 'm');
      expectSameBits(v, want.v, 'v');
    }), { numRuns: 40 });
  });

  it('softmax cross-entropy: rows split, the probabilities and per-row losses as on one thread', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 80 }), fc.boolean(), fc.integer({ min: 1, max: 1 << 30 }), (N, V, use3, seed) => {
      const b = use3 ? three : two;
      const logits = values(N * V, seed).map((x) => 10 * x);
      const targets = Array.from({ length: N }, (_, r) => (r * 7 + seed) % V);
      const want = { logits, targets, N, V, probs: new Float32Array(N * V), losses: new Float64Array(N) };
      const got = { ...want, probs: new Float32Array(N * V), losses: new Float64Array(N) };
      softmaxCeCpu(want);
      const before = b.calls.split;
      b.softmaxCrossEntropy!(got);
      expect(b.calls.split).toBe(before + 1);
      expectSameBits(got.probs, want.probs, 'probs');
      expect(Array.from(got.losses)).toEqual(Array.from(want.losses));
    }), { numRuns: 40 });
  });

  it('Adam on ordinary buffers runs on the main thread', () => {
    const before = two.calls.single;
    const x = () => values(100, 5);
    two.adam!({ p: x(), g: x(), m: x(), v: new Float32Array(100), beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, stepSize: 0.01, sqrtBc2: 0.03 });
    expect(two.calls.single).toBe(before + 1);
  });

  it('more registered buffers than the pool keeps: it forgets them and registers again, results unchanged', () => {
    const M = 16, K = 64, N = 16;
    for (let r = 0; r < 90; r++) {
      const a = sharedValues(M * K, r), bm = sharedValues(K * N, r + 1000);
      const want = new Float32Array(M * N), got = sharedValues(M * N, 5);
      cpuBackend.matmul(a, bm, want, M, K, N, false, false, false);
      two.matmul(a, bm, got, M, K, N, false, false, false);
      expectSameBits(got, want, `C of product ${r}`);
    }
  });

  it('float64 operands run on the main thread (the CPU backend)', () => {
    const a = new Float64Array([1, 2, 3, 4]), c = new Float64Array(4);
    const before = two.calls.single;
    two.matmul(a, a, c, 2, 2, 2, false, false, false);
    expect(Array.from(c)).toEqual([7, 10, 15, 22]);
    expect(two.calls.single).toBe(before + 1);
  });

  it('an error in a job reaches the caller, and the pool keeps working', () => {
    expect(() => two.pool.run(12345)).toThrow(/unknown job kind 12345/);
    expect(() => three.pool.run(12345)).toThrow(/unknown job kind 12345/);
    const M = 64, K = 64, N = 64;
    const a = values(M * K, 1), b = values(K * N, 3), c = new Float32Array(M * N), want = new Float32Array(M * N);
    cpuBackend.matmul(a, b, want, M, K, N, false, false, false);
    two.matmul(a, b, c, M, K, N, false, false, false);
    expectSameBits(c, want, 'C after an error');
  });
});

describe.skipIf(!cpuBackend.simd)('training on the threaded backend', () => {
  it('a DNI run (mlp synthesizer, 30 steps) has the one-thread run\'s records and weights, bit for bit', () => {
    const dir = tempDir();
    const data = writeCorpus(dir, 6000);
    const cfg = tinyConfig(dir, data, {
      embed: 16, hidden: [24, 20], batch: 8, bptt: 6, steps: 30,
      policy: { name: 'dni' }, synthesizer: { kind: 'mlp', hidden: 32, scale: 0.5 },
    });
    const run = (b: Backend) => {
      const previous = setBackend(b);
      try {
        const s = setupRun(cfg);
        if (s.synth) s.synth.params.initUniform(new Rng(99), 0.3); // ĝ ≠ 0 from the first step
        const t = new Trainer(cfg, s.source, s.synth, s.rng);
        const records = Array.from({ length: 30 }, () => t.stepOnce());
        return { records, params: s.model.params.data.slice() as Float32Array, synth: s.synth!.params.data.slice() as Float32Array };
      } finally {
        setBackend(previous);
      }
    };
    const one = run(cpuBackend);
    const splitBefore = three.calls.split;
    const many = run(three);
    // the LSTM passes, products, both Adam updates and the loss of every step were split
    expect(three.calls.split - splitBefore).toBeGreaterThan(30 * 7);
    expect(many.records).toEqual(one.records);
    expectSameBits(many.params, one.params, 'model weights');
    expectSameBits(many.synth, one.synth, 'synthesizer weights');
  });

  it.each(['dni_linear_steps', 'alt_mlp_epochs_fractional', 'tied_2layer_word'])('parity fixture %s passes with every op split across 2 threads', async (name) => {
    const previous = setBackend(two);
    try {
      await runParityCase(name, path.join(tempDir('synthgrad-threads-parity-'), name));
    } finally {
      setBackend(previous);
    }
  });
});
