// Every WebGPU kernel against the CPU reference (src/backends/cpu) over
// property-generated shapes, most of them not multiples of the 64×64 matmul tile
// or the 64-thread element-wise workgroup.
//
// Tolerances (float32 on the device, float64 sums rounded once on the CPU):
// - matmul: |gpu − cpu| ≤ 1e-5·(Σ_k |a_ik|·|b_kj| + |c0_ij|) + 1e-6, i.e. relative
//   to the sum of absolute terms (the bound float32 rounding error scales with;
//   relative to the result itself it would fail on cancellation);
// - LSTM forward/backward: |gpu − cpu| ≤ 1e-4·|cpu| + 1e-5·max|cpu| per output
//   array (errors of exp/tanh and of the recurrent sums compound over the steps).
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { matmulCpu } from '../../src/backends/cpu/matmul.js';
import { lstmBackwardCpu, lstmForwardCpu } from '../../src/backends/cpu/lstm.js';
import { cpuBackend } from '../../src/backends/cpu/index.js';
import type { LstmBackwardArgs, LstmForwardArgs } from '../../src/backends/backend.js';
import type { WebGpuKernels } from '../../src/backends/webgpu/kernels.js';
import { Rng } from '../../src/tensor/rng.js';
import { haveWebGpu, openKernels } from './helpers.js';

const available = await haveWebGpu();
let k: WebGpuKernels;

beforeAll(async () => {
  if (available) k = (await openKernels())!;
});

function rand(rng: Rng, n: number, r = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniformRange(-r, r);
  return a;
}

function abs(a: Float32Array): Float32Array {
  return a.map(Math.abs);
}

/** Largest violation of |got − want| ≤ rtol·|want| + atol·max|want| (≤ 0 means within). */
function excess(name: string, got: Float32Array, want: Float32Array, rtol = 1e-4, atol = 1e-5): { name: string; worst: number; at: number } {
  let scale = 0;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  let worst = -Infinity, at = -1;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i]! - want[i]!) - (rtol * Math.abs(want[i]!) + atol * scale);
    if (!(e <= worst)) { worst = e; at = i; }
    if (Number.isNaN(got[i]!)) return { name, worst: Infinity, at: i };
  }
  return { name, worst, at };
}

describe.skipIf(!available)('WebGPU kernels vs the CPU reference', () => {
  it('matmul: all four transpose variants, accumulate or not, any shape', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 150 }), fc.integer({ min: 0, max: 150 }), fc.integer({ min: 1, max: 150 }),
        fc.boolean(), fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (M, K, N, transA, transB, accumulate, seed) => {
          const rng = new Rng(seed);
          const a = rand(rng, M * K), b = rand(rng, K * N), c0 = rand(rng, M * N);
          const want = c0.slice(), got = c0.slice();
          matmulCpu(a, b, want, M, K, N, transA, transB, accumulate);
          await k.matmul(a, b, got, M, K, N, transA, transB, accumulate);
          // the bound: Σ|a||b| (+ |c0|), computed by the reference on absolute values
          const bound = accumulate ? abs(c0) : new Float32Array(M * N);
          matmulCpu(abs(a), abs(b), bound, M, K, N, transA, transB, true);
          for (let i = 0; i < M * N; i++) {
            const err = Math.abs(got[i]! - want[i]!);
            if (!(err <= 1e-5 * bound[i]! + 1e-6)) {
              throw new Error(`M=${M} K=${K} N=${N} transA=${transA} transB=${transB} acc=${accumulate}: C[${i}] = ${got[i]}, want ${want[i]} (bound ${bound[i]})`);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('matmul: operands that are views into a larger buffer stay on the device until they change', async () => {
    const rng = new Rng(3);
    const M = 7, K = 300, N = 5;
    const flat = rand(rng, 2 * K * N + 10);
    const w = flat.subarray(10, 10 + K * N); // a view, as ParamSet stores parameters
    const a = rand(rng, M * K);
    const run = async () => {
      const want = new Float32Array(M * N), got = new Float32Array(M * N);
      matmulCpu(a, w, want, M, K, N, false, false, false);
      await k.matmul(a, w, got, M, K, N, false, false, false);
      for (let i = 0; i < M * N; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-4);
    };
    await run();
    const before = k.host.stats().residents;
    await run(); // unchanged: the device copy is used
    expect(k.host.stats().residents).toBe(before);
    w[17] = w[17]! + 1; // an optimizer step changes it: uploaded again
    await run();
    for (let i = 0; i < w.length; i++) w[i] = -w[i]!;
    await run();
  });

  function lstmCase(T: number, B: number, D: number, H: number, seed: number) {
    const rng = new Rng(seed);
    const G = 4 * H;
    const fwd = (): LstmForwardArgs => ({
      T, B, D, H,
      x: rand(rng, T * B * D), h0: rand(rng, B * H, 0.5), c0: rand(rng, B * H, 0.5),
      wih: rand(rng, G * D, 0.5), whh: rand(rng, G * H, 0.5), bih: rand(rng, G, 0.5), bhh: rand(rng, G, 0.5),
      gates: new Float32Array(T * B * G), cs: new Float32Array(T * B * H), hs: new Float32Array(T * B * H),
    });
    return { rng, fwd: fwd() };
  }

  function copyForward(a: LstmForwardArgs): LstmForwardArgs {
    return { ...a, gates: new Float32Array(a.gates.length), cs: new Float32Array(a.cs.length), hs: new Float32Array(a.hs.length) };
  }

  function backwardArgs(f: LstmForwardArgs, rng: Rng, accumulate: boolean, which: number): LstmBackwardArgs {
    const { T, B, D, H } = f;
    const G = 4 * H;
    const init = (n: number) => (accumulate ? rand(rng, n) : new Float32Array(n));
    const on = (bit: number) => (which & (1 << bit)) !== 0;
    return {
      ...f,
      dhs: rand(rng, T * B * H), dcT: rand(rng, B * H),
      dx: on(0) ? new Float32Array(T * B * D) : null,
      dh0: on(1) ? new Float32Array(B * H) : null,
      dc0: on(2) ? new Float32Array(B * H) : null,
      dwih: on(3) ? init(G * D) : null,
      dwhh: on(4) ? init(G * H) : null,
      dbih: on(5) ? init(G) : null,
      dbhh: on(6) ? init(G) : null,
    };
  }

  function cloneOuts(b: LstmBackwardArgs): LstmBackwardArgs {
    const c = (a: Float32Array | Float64Array | null) => (a ? (a as Float32Array).slice() : null);
    return { ...b, dx: c(b.dx), dh0: c(b.dh0), dc0: c(b.dc0), dwih: c(b.dwih), dwhh: c(b.dwhh), dbih: c(b.dbih), dbhh: c(b.dbhh) };
  }

  const outNames = ['dx', 'dh0', 'dc0', 'dwih', 'dwhh', 'dbih', 'dbhh'] as const;

  it('LSTM forward and backward over a chunk (kept on the device, or uploaded again)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }),
        fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 127 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (T, B, D, H, accumulate, keep, which, seed) => {
          const { rng, fwd } = lstmCase(T, B, D, H, seed);
          const got = copyForward(fwd);
          lstmForwardCpu(fwd, cpuBackend.kernels);
          await k.lstmForward(got);
          const shape = `T=${T} B=${B} D=${D} H=${H}`;
          for (const n of ['gates', 'cs', 'hs'] as const) {
            const r = excess(n, got[n] as Float32Array, fwd[n] as Float32Array);
            if (r.worst > 0) throw new Error(`${shape}: forward ${n}[${r.at}] = ${got[n][r.at]}, want ${fwd[n][r.at]}`);
          }
          // the backward from the CPU's saved activations; the device uses its own copy unless told to forget it
          if (!keep) k.invalidate(got.gates);
          const want = backwardArgs(fwd, rng, accumulate, which);
          const mine = cloneOuts(want);
          lstmBackwardCpu(want, cpuBackend.kernels);
          await k.lstmBackward({ ...mine, gates: got.gates, cs: got.cs, hs: got.hs });
          for (const n of outNames) {
            if (!want[n]) continue;
            const r = excess(n, mine[n] as Float32Array, want[n] as Float32Array);
            if (r.worst > 0) throw new Error(`${shape} acc=${accumulate} keep=${keep}: ${n}[${r.at}] = ${mine[n]![r.at]}, want ${want[n]![r.at]}`);
          }
        },
      ),
      { numRuns: 40 },
    );
    // every kept forward was consumed by its backward
    expect(k.host.stats().saved).toBe(0);
    expect(k.stats().saved).toBe(0);
  });

  it('two stacked layers: the second reads the first one\'s h from the device', async () => {
    const T = 5, B = 3, D = 9, H = 11;
    const l1 = lstmCase(T, B, D, H, 11).fwd;
    const l2base = lstmCase(T, B, H, 13, 12).fwd;
    const g1 = copyForward(l1);
    await k.lstmForward(g1);
    lstmForwardCpu(l1, cpuBackend.kernels);
    const l2 = { ...l2base, x: l1.hs };
    const g2 = { ...copyForward(l2base), x: g1.hs };
    lstmForwardCpu(l2, cpuBackend.kernels);
    await k.lstmForward(g2);
    expect(excess('hs', g2.hs as Float32Array, l2.hs as Float32Array).worst).toBeLessThanOrEqual(0);
    expect(k.host.stats().saved).toBe(2);
    const rng = new Rng(5);
    const w2 = backwardArgs(l2, rng, false, 127), m2 = cloneOuts(w2);
    lstmBackwardCpu(w2, cpuBackend.kernels);
    await k.lstmBackward({ ...m2, x: g1.hs, gates: g2.gates, cs: g2.cs, hs: g2.hs });
    for (const n of outNames) expect(excess(n, m2[n] as Float32Array, w2[n] as Float32Array).worst, n).toBeLessThanOrEqual(0);
    const w1 = backwardArgs(l1, rng, false, 127), m1 = cloneOuts(w1);
    lstmBackwardCpu(w1, cpuBackend.kernels);
    await k.lstmBackward({ ...m1, gates: g1.gates, cs: g1.cs, hs: g1.hs });
    for (const n of outNames) expect(excess(n, m1[n] as Float32Array, w1[n] as Float32Array).worst, n).toBeLessThanOrEqual(0);
    expect(k.host.stats().saved).toBe(0);
  });

  it('forwards without a backward (evaluation) are dropped beyond the budget', async () => {
    const before = k.stats().saved;
    for (let i = 0; i < 70; i++) {
      const f = lstmCase(2, 2, 3, 4, i).fwd;
      await k.lstmForward(f);
    }
    expect(k.host.stats().saved).toBeLessThanOrEqual(64);
    expect(k.stats().saved).toBeLessThanOrEqual(64 + before);
    expect(k.stats().saved).toBe(k.host.stats().saved);
  });

  it('float64 arrays are refused with a message that names the CPU backend', async () => {
    await expect(k.lstmForward({ ...lstmCase(1, 1, 1, 1, 1).fwd, x: new Float64Array(1) })).rejects.toThrow(/float64/);
  });
});
