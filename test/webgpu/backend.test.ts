// The synchronous WebGPU backend (a worker thread + Atomics.wait) as autograd
// uses it: its kernels against the CPU backend, and a whole DNI training run
// whose per-step losses match the CPU run's within 1e-4 relative over 40 steps.
import { afterAll, describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { backend, setBackend, type Backend } from '../../src/backends/backend.js';
import { cpuBackend } from '../../src/backends/cpu/index.js';
import { createWebGpuBackend, WebGpuUnavailableError, type WebGpuBackend } from '../../src/backends/webgpu/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { setupRun } from '../../src/train/setup.js';
import { Trainer } from '../../src/train/trainer.js';
import { compileSources, prepareWebGpuEnv, removeCompiled } from './helpers.js';
import { tempDir, tinyConfig, writeCorpus } from '../train/helpers.js';
import { runParityCase } from '../train/parity-compare.js';

prepareWebGpuEnv();
const compiled = compileSources();
let gpu: WebGpuBackend | null = null;
try {
  gpu = await createWebGpuBackend({ workerUrl: path.join(compiled, 'src/backends/webgpu/worker.js'), minMatmulWork: 0 });
} catch (e) {
  if (!(e instanceof WebGpuUnavailableError)) throw e;
  console.warn(`WebGPU backend tests skipped: ${e.reason}`);
}

afterAll(() => {
  gpu?.dispose();
  removeCompiled(compiled);
});

function rand(rng: Rng, n: number, r = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniformRange(-r, r);
  return a;
}

function maxRelErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let scale = 0, err = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i]! - want[i]!));
  return err / Math.max(scale, 1e-30);
}

describe.skipIf(gpu === null)('the WebGPU backend (synchronous, through its worker)', () => {
  it('names its adapter', () => {
    expect(gpu!.name).toBe('webgpu');
    expect(gpu!.adapterName.length).toBeGreaterThan(0);
    expect(gpu!.limits.maxBufferSize).toBeGreaterThan(0);
    expect(gpu!.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
  });

  it('matmul and the LSTM kernels agree with the CPU backend', () => {
    const g = gpu!, rng = new Rng(7);
    for (const [M, K, N] of [[1, 1, 1], [65, 17, 130], [33, 64, 5]] as const) {
      for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
        const a = rand(rng, M * K), b = rand(rng, K * N), c0 = rand(rng, M * N);
        const want = c0.slice(), got = c0.slice();
        cpuBackend.matmul(a, b, want, M, K, N, ta, tb, true);
        g.matmul(a, b, got, M, K, N, ta, tb, true);
        expect(maxRelErr(got, want)).toBeLessThan(1e-5);
      }
    }
    const T = 6, B = 3, D = 10, H = 13, G = 4 * H;
    const f = { T, B, D, H, x: rand(rng, T * B * D), h0: rand(rng, B * H), c0: rand(rng, B * H), wih: rand(rng, G * D, 0.5), whh: rand(rng, G * H, 0.5), bih: rand(rng, G), bhh: rand(rng, G) };
    const outs = () => ({ gates: new Float32Array(T * B * G), cs: new Float32Array(T * B * H), hs: new Float32Array(T * B * H) });
    const fc = { ...f, ...outs() }, fg = { ...f, ...outs() };
    cpuBackend.lstmForward(fc);
    g.lstmForward(fg);
    for (const k of ['gates', 'cs', 'hs'] as const) expect(maxRelErr(fg[k], fc[k]), k).toBeLessThan(1e-5);
    const dhs = rand(rng, T * B * H), dcT = rand(rng, B * H);
    const grads = () => ({ dx: new Float32Array(T * B * D), dh0: new Float32Array(B * H), dc0: new Float32Array(B * H), dwih: new Float32Array(G * D).fill(0.5), dwhh: new Float32Array(G * H), dbih: new Float32Array(G), dbhh: new Float32Array(G).fill(-1) });
    const bc = { ...fc, dhs, dcT, ...grads() }, bg = { ...fg, dhs, dcT, ...grads() };
    cpuBackend.lstmBackward(bc);
    g.lstmBackward(bg);
    for (const k of ['dx', 'dh0', 'dc0', 'dwih', 'dwhh', 'dbih', 'dbhh'] as const) expect(maxRelErr(bg[k], bc[k]), k).toBeLessThan(1e-4);
    expect(g.residency.stats().saved).toBe(0); // the backward consumed the kept forward
  });

  it('float64 data runs on the CPU backend', () => {
    const g = gpu!, before = g.calls.cpu;
    const a = new Float64Array([1, 2, 3, 4]), c = new Float64Array(4);
    g.matmul(a, a, c, 2, 2, 2, false, false, false);
    expect(Array.from(c)).toEqual([7, 10, 15, 22]);
    expect(g.calls.cpu).toBe(before + 1);
  });

  it('a DNI training run (linear synthesizer, 40 steps) has the CPU run\'s losses within 1e-4 relative', () => {
    const dir = tempDir();
    const data = writeCorpus(dir, 4000);
    const cfg = tinyConfig(dir, data, {
      embed: 16, hidden: [24], batch: 4, bptt: 7, steps: 40,
      policy: { name: 'dni' }, synthesizer: { kind: 'linear', scale: 0.5 },
    });
    const run = (b: Backend) => {
      const previous = setBackend(b);
      try {
        const s = setupRun(cfg);
        if (s.synth) s.synth.params.initUniform(new Rng(99), 0.3); // ĝ ≠ 0 from the first step
        const t = new Trainer(cfg, s.source, s.synth, s.rng);
        const t0 = performance.now();
        const records = Array.from({ length: 40 }, () => t.stepOnce());
        return { records, params: s.model.params.data.slice(), ms: performance.now() - t0 };
      } finally {
        setBackend(previous);
      }
    };
    const cpu = run(cpuBackend);
    const callsBefore = gpu!.calls.device;
    const web = run(gpu!);
    expect(backend()).toBe(cpuBackend);
    expect(gpu!.calls.device - callsBefore).toBeGreaterThan(40 * 4); // the kernels did run on the device
    expect(web.records.every((r) => r.mode === 'synthetic')).toBe(true);
    expect(gpu!.residency.stats().saved).toBe(0); // every chunk's forward was consumed by its backward
    expect(gpu!.residency.stats().residents).toBeGreaterThan(0); // the parameters stayed on the device
    let worst = 0, worstNorm = 0;
    web.records.forEach((r, i) => {
      const want = cpu.records[i]!;
      worst = Math.max(worst, Math.abs(r.loss - want.loss) / Math.abs(want.loss));
      worstNorm = Math.max(worstNorm, Math.abs(r.grad_norm - want.grad_norm) / Math.abs(want.grad_norm));
    });
    console.log(`40 DNI steps: cpu ${cpu.ms.toFixed(0)} ms, webgpu ${web.ms.toFixed(0)} ms (${gpu!.adapterName}); worst relative difference: loss ${worst.toExponential(2)}, grad_norm ${worstNorm.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-4);
    expect(worstNorm).toBeLessThan(1e-3);
    expect(maxRelErr(web.params, cpu.params)).toBeLessThan(1e-3);
  });
});

describe.skipIf(gpu === null)('the WebGPU backend against the PyTorch reference fixtures', () => {
  it.each(['dni_linear_steps', 'alt_mlp_epochs_fractional', 'tied_2layer_word'])('%s: 40 steps at the core issue\'s tolerances', async (name) => {
    const previous = setBackend(gpu!);
    try {
      await runParityCase(name, path.join(tempDir('synthgrad-webgpu-parity-'), name));
    } finally {
      setBackend(previous);
    }
  });
});
