// The WebGPU backend next to the CPU backend: matmul GFLOP/s (square n×n·n×n,
// the result read back, as a training step does) and char-LSTM training tokens/s
// (DNI with a linear synthesizer, the whole step: forward, backward, both
// optimizers), both through the synchronous Backend interface.
//   npm run -s build && node dist/bench/webgpu.js [--quick] [--json]
// Without a GPU, WebGPU runs on SwiftShader (a CPU Vulkan driver):
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json LD_LIBRARY_PATH=/usr/lib/chromium node dist/bench/webgpu.js
// (numbers that say nothing about a GPU, only that the path works).
import { setBackend, type Backend } from '../src/backends/backend.js';
import { cpuBackend } from '../src/backends/cpu/index.js';
import { createWebGpuBackend, WebGpuUnavailableError, type WebGpuBackend } from '../src/backends/webgpu/index.js';
import { batchify } from '../src/data/batch.js';
import { LstmLm } from '../src/models/lstm-lm.js';
import { createSynthesizer } from '../src/models/synthesizers.js';
import { Rng } from '../src/tensor/rng.js';
import { resolveConfig } from '../src/train/config.js';
import { Trainer } from '../src/train/trainer.js';
import { lmChunkSource } from '../src/train/lm-source.js';

const quick = process.argv.includes('--quick');
const json = process.argv.includes('--json');

/** Runs f until `minMs` have passed (at least `minReps` times, after one warm-up); returns ms per call. */
function time(f: () => void, minMs: number, minReps = 3): number {
  f();
  let reps = 0;
  const t0 = performance.now();
  let t = t0;
  while (reps < minReps || t - t0 < minMs) {
    f();
    reps++;
    t = performance.now();
  }
  return (t - t0) / reps;
}

function matmulGflops(b: Backend, n: number, minMs: number): number {
  const rng = new Rng(1);
  const a = Float32Array.from({ length: n * n }, () => rng.uniformRange(-1, 1));
  const w = Float32Array.from({ length: n * n }, () => rng.uniformRange(-1, 1));
  const c = new Float32Array(n * n);
  const ms = time(() => b.matmul(a, w, c, n, n, n, false, true, false), minMs);
  return (2 * n * n * n) / (ms * 1e6);
}

interface LmShape { embed: number; hidden: number; batch: number; bptt: number; vocab: number }

function trainTokensPerSec(b: Backend, s: LmShape, minMs: number): number {
  const cfg = resolveConfig({ task: 'charlm', data: 'bench.txt', split: null, embed: s.embed, hidden: [s.hidden], batch: s.batch, bptt: s.bptt, steps: 1000,
    policy: { name: 'dni' }, synthesizer: { kind: 'linear' } }, { baseDir: '/', source: 'bench' });
  const rng = new Rng(0);
  const ids = Int32Array.from({ length: 200_000 }, () => rng.int(s.vocab));
  const lm = new LstmLm({ vocab: s.vocab, embed: s.embed, hidden: [s.hidden], tied: false });
  lm.params.initUniform(rng, 0.1);
  const synth = createSynthesizer(cfg.synthesizer!, lm.stateSize, rng, 0.1);
  const trainer = new Trainer(cfg, lmChunkSource(lm, batchify(ids, s.batch), s.bptt), synth, rng);
  const previous = setBackend(b);
  try {
    const ms = time(() => trainer.stepOnce(), minMs, 2);
    return (s.batch * s.bptt) / (ms / 1000);
  } finally {
    setBackend(previous);
  }
}

let gpu: WebGpuBackend | null = null;
let why = '';
try {
  gpu = await createWebGpuBackend({ minMatmulWork: 0 });
} catch (e) {
  if (!(e instanceof WebGpuUnavailableError)) throw e;
  why = e.reason;
}
const backends: [string, Backend][] = [['cpu', cpuBackend]];
if (gpu) backends.push([`webgpu (${gpu.adapterName})`, gpu]);

const minMs = quick ? 300 : 1500;
const sizes = quick ? [128, 256] : [128, 256, 512, 1024];
const shapes: LmShape[] = quick
  ? [{ embed: 32, hidden: 128, batch: 16, bptt: 20, vocab: 65 }]
  : [{ embed: 32, hidden: 128, batch: 16, bptt: 20, vocab: 65 }, { embed: 64, hidden: 512, batch: 32, bptt: 35, vocab: 65 }];

const results: { backend: string; bench: string; value: number; unit: string }[] = [];
for (const [name, b] of backends) {
  for (const n of sizes) results.push({ backend: name, bench: `matmul ${n}x${n}x${n}`, value: matmulGflops(b, n, minMs), unit: 'GFLOP/s' });
  for (const s of shapes) {
    results.push({ backend: name, bench: `train charlm H=${s.hidden} E=${s.embed} B=${s.batch} T=${s.bptt} (dni, linear)`, value: trainTokensPerSec(b, s, minMs), unit: 'tokens/s' });
  }
}
gpu?.dispose();

if (json) {
  process.stdout.write(JSON.stringify({ results, webgpu: gpu ? gpu.adapterName : null, reason: why || null }, null, 2) + '\n');
} else {
  if (!gpu) process.stdout.write(`webgpu: not available: ${why}\n`);
  const width = Math.max(...results.map((r) => r.bench.length));
  for (const bench of [...new Set(results.map((r) => r.bench))]) {
    const row = results.filter((r) => r.bench === bench).map((r) => `${r.backend}: ${r.value.toFixed(r.unit === 'GFLOP/s' ? 2 : 0)} ${r.unit}`);
    process.stdout.write(`${bench.padEnd(width)}  ${row.join('   ')}\n`);
  }
}
