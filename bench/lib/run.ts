// `synthgrad bench [--json] [--quick] [--threads N]`: CPU speed of this engine next to
// tfjs-backend-cpu and tfjs-backend-wasm, all measured in the same process.
//
// 1. Matrix product GFLOP/s (2·M·K·N / median seconds) for 256³, 1024³, 32×320×1024
//    and 32×2048×4096 (C = A·B, no transposes), for our plain TypeScript kernel, our
//    WebAssembly SIMD kernel (unfused, and fused where relaxed SIMD fuses) on one
//    thread, the fastest on N threads (--threads, default: the logical CPUs), and
//    tf.matMul on each tfjs backend (dataSync included, as our timing includes
//    copying the result out).
// 2. Char-LSTM language-model training tokens/s (V 65, E 64, B 32, T 32; H 256 and
//    1024, --quick skips 1024) for bptt and dni with a linear synthesizer: our Trainer
//    (src/train) on a generated random-text corpus, with the SIMD kernels and with
//    the plain TypeScript ones, and on N threads; and the same model and step written with tfjs ops
//    (makeTfStep in ./tfjs.ts: tfjs-core alone has no registered gradients, so the LSTM's
//    backward is spelled out; Adam is tf.train.adam).
//
// tfjs is loaded lazily (dynamic import); when it is not installed its columns say
// so. Products are timed with tinybench when it is installed (a plain median
// otherwise), the implementations in interleaved rounds, each keeping its best
// round; training steps by the median of bptt and dni steps (one thread and N
// threads) run in alternation.
import * as os from 'node:os';
import { kernelsAvailable, simdAvailable } from '../../src/backends/wasm/variant.js';
import { createThreadedBackend } from '../../src/backends/threads/index.js';
import type { BenchOptions, BenchReport, MatmulResult, TrainResult } from './results.js';
import { makeTimer } from './timing.js';
import { loadTf } from './tfjs.js';
import { benchMatmul } from './matmul.js';
import { benchTraining } from './training.js';

export async function runBench(opts: BenchOptions, command = 'synthgrad bench'): Promise<BenchReport> {
  const log = opts.log ?? (() => {});
  const timer = await makeTimer();
  const tfb = await loadTf();
  const notes: string[] = [];
  const kernels = kernelsAvailable('wasm-simd-fma');
  const pool = opts.threads > 1 && simdAvailable() ? await createThreadedBackend(opts.threads, { kernels }) : null;
  let matmul: MatmulResult[], training: TrainResult[], torch: string | null;
  try {
    matmul = await benchMatmul(opts, timer, tfb, pool, log);
    ({ rows: training, torch } = await benchTraining(opts, tfb, pool, log));
  } finally {
    pool?.dispose();
  }
  const cpus = os.cpus();
  return {
    machine: { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, node: process.version, platform: `${process.platform} ${process.arch}` },
    command,
    threads: opts.threads,
    simd: simdAvailable(),
    kernels,
    timer: `products: ${timer.name}, best of interleaved rounds; training: median ms per step, trainers in alternation, each timed step right after an untimed one of the same trainer`,
    matmul,
    training,
    torch,
    notes,
  };
}
