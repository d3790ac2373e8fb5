// Matrix-product GFLOP/s of our kernels and tfjs's, in interleaved rounds.
import { matmulTs } from '../../src/backends/cpu/matmul.js';
import { matmulSimd } from '../../src/backends/wasm/matmul-simd.js';
import { fmaAvailable, simdAvailable } from '../../src/backends/wasm/variant.js';
import type { ThreadedBackend } from '../../src/backends/threads/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { emptyRow, type BenchOptions, type Impl, type MatmulResult } from './results.js';
import type { Timer } from './timing.js';
import { useTfBackend, type TfBackends } from './tfjs.js';

const MATMUL_SHAPES: ReadonlyArray<[number, number, number]> = [
  [256, 256, 256],
  [1024, 1024, 1024],
  [32, 320, 1024],
  [32, 2048, 4096],
];

function randomArray(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.uniformRange(-0.5, 0.5);
  return x;
}

/**
 * GFLOP/s per implementation and shape. The machine's load drifts (other processes
 * share its cores), so the implementations are measured in interleaved rounds
 * (TS, SIMD, FMA, threads, tfjs-cpu, tfjs-wasm, then again) and each keeps its best round's
 * median. tfjs-cpu (~0.5 GFLOP/s) is measured in the first round only.
 */
export async function benchMatmul(opts: BenchOptions, timer: Timer, tfb: TfBackends, pool: ThreadedBackend | null, log: (l: string) => void): Promise<MatmulResult[]> {
  const rounds = opts.quick ? 1 : 3;
  const budget = opts.quick ? 300 : 600; // per implementation and round
  const runs = 2; // slow implementations get 2 timed runs, fast ones fill the budget
  const out: MatmulResult[] = [];
  for (const [M, K, N] of MATMUL_SHAPES) {
    const flops = 2 * M * K * N;
    const gflops = emptyRow();
    const notes: MatmulResult['notes'] = {};
    const best = (impl: Impl, ms: number) => {
      const g = flops / ms / 1e6;
      if (gflops[impl] === null || g > gflops[impl]!) gflops[impl] = g;
    };
    const a = randomArray(M * K, 1), b = randomArray(K * N, 2), c = new Float32Array(M * N);
    for (let round = 0; round < rounds; round++) {
      log(`matmul ${M}x${K}x${N}: round ${round + 1} of ${rounds}`);
      best('ts', await timer.median(() => matmulTs(a, b, c, M, K, N, false, false, false), budget, runs));
      if (simdAvailable()) best('simd', await timer.median(() => matmulSimd(a, b, c, M, K, N, false, false, false, false), budget, runs));
      else notes.simd = 'no wasm SIMD';
      if (fmaAvailable()) best('fma', await timer.median(() => matmulSimd(a, b, c, M, K, N, false, false, false, true), budget, runs));
      else notes.fma = 'no fused relaxed SIMD';
      if (pool) best('threads', await timer.median(() => pool.matmul(a, b, c, M, K, N, false, false, false), budget, runs));
      else notes.threads = opts.threads > 1 ? 'no wasm SIMD' : '--threads 1';
      for (const impl of ['tfjs-cpu', 'tfjs-wasm'] as const) {
        const tf = tfb.tf;
        if (!tf || tfb.missing[impl]) {
          notes[impl] = tfb.missing[impl] ?? 'not installed';
          continue;
        }
        if (impl === 'tfjs-cpu' && round > 0) continue;
        const err = await useTfBackend(tf, impl);
        if (err) {
          notes[impl] = err;
          continue;
        }
        const ta = tf.tensor2d(a, [M, K]), tb = tf.tensor2d(b, [K, N]);
        best(impl, await timer.median(() => {
          const tc = tf.matMul(ta, tb);
          tc.dataSync();
          tc.dispose();
        }, budget, runs));
        ta.dispose();
        tb.dispose();
      }
    }
    out.push({ M, K, N, gflops, notes });
  }
  return out;
}
