// The fused (relaxed_madd) SIMD product against the unfused one, one thread, in
// direct alternation within one process (fused call, unfused call, …): the ratio
// on a machine whose load drifts. Needs an engine with relaxed SIMD that fuses
// (Node 22 or later; Node 20 with --experimental-wasm-relaxed-simd).
//   node dist/bench/fma-ratio.js [size=1024] [rounds=15] [runs=3]
// Also the char-LSTM step (H 256, bptt) with each variant, in alternation.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { matmulSimd } from '../src/backends/wasm/matmul-simd.js';
import { fmaAvailable } from '../src/backends/wasm/variant.js';
import { setBackend } from '../src/backends/backend.js';
import { cpuBackend, createCpuBackend } from '../src/backends/cpu/index.js';
import { benchTrainer, writeCorpus } from './lib/char-lm.js';
import { alternatingMedians } from './lib/timing.js';

const [n, rounds, runs] = [Number(process.argv[2] ?? 1024), Number(process.argv[3] ?? 15), Number(process.argv[4] ?? 3)];
if (!fmaAvailable()) {
  console.error(`fma-ratio: this engine (Node ${process.version}) has no fused relaxed_madd: run it on Node 22 or later, or with --experimental-wasm-relaxed-simd`);
  process.exit(2);
}
console.log(`${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const fill = (len: number, k: number) => Float32Array.from({ length: len }, (_, i) => Math.sin(i * 0.37 + k));
const a = fill(n * n, 1), b = fill(n * n, 2), c = new Float32Array(n * n);
const gflops = (ms: number) => (2 * n * n * n) / ms / 1e6;
const median = (x: number[]) => [...x].sort((p, q) => p - q)[x.length >> 1]!;
const ratios: number[] = [];
for (let r = 0; r < runs; r++) {
  const [fused, plain] = alternatingMedians([
    { step: () => matmulSimd(a, b, c, n, n, n, false, false, false, true), dispose: () => {} },
    { step: () => matmulSimd(a, b, c, n, n, n, false, false, false, false), dispose: () => {} },
  ], 0, rounds, 2);
  ratios.push(plain! / fused!);
  console.log(`run ${r + 1}: matmul ${n}³ fused ${gflops(fused!).toFixed(1)} GFLOP/s, unfused ${gflops(plain!).toFixed(1)} GFLOP/s: ${(plain! / fused!).toFixed(2)}x (load ${os.loadavg()[0]!.toFixed(2)})`);
}
console.log(`matmul ${n}³ fused / unfused: median ${median(ratios).toFixed(2)}x, range ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}x over ${runs} runs`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthgrad-fma-'));
const corpus = writeCorpus(dir, 200_000);
const backends = [createCpuBackend({ kernels: 'wasm-simd-fma' }), createCpuBackend({ kernels: 'wasm-simd' })];
const trainers = backends.map((bk) => ({ bk, t: benchTrainer(corpus, 256, 'bptt', bk) }));
const ms = alternatingMedians(trainers.map(({ bk, t }) => ({ prepare: () => { setBackend(bk); t.stepOnce(); }, step: () => { setBackend(bk); t.stepOnce(); }, dispose: () => {} })), 0, rounds, 2);
console.log(`char-LSTM H256 bptt step: fused ${ms[0]!.toFixed(1)} ms, unfused ${ms[1]!.toFixed(1)} ms: ${(ms[1]! / ms[0]!).toFixed(2)}x (load ${os.loadavg()[0]!.toFixed(2)})`);
setBackend(cpuBackend);
fs.rmSync(dir, { recursive: true, force: true });
