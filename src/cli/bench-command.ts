// `synthgrad bench [--json] [--quick] [--threads N]`: CPU speed of this engine next to
// tfjs-backend-cpu and tfjs-backend-wasm, all measured in the same process.
//
// 1. Matrix product GFLOP/s (2·M·K·N / median seconds) for 256³, 1024³, 32×320×1024
//    and 32×2048×4096 (C = A·B, no transposes), for our plain TypeScript kernel, our
//    WebAssembly SIMD kernel on one thread and on N threads (--threads, default: the
//    logical CPUs), and tf.matMul on each tfjs backend (dataSync included, as our
//    timing includes copying the result out).
// 2. Char-LSTM language-model training tokens/s (V 65, E 64, B 32, T 32; H 256 and
//    1024, --quick skips 1024) for bptt and dni with a linear synthesizer: our Trainer
//    (src/train) on a generated random-text corpus, with the SIMD kernels and with
//    the plain TypeScript ones, and on N threads; and the same model and step written with tfjs ops
//    (see tfStepMs: tfjs-core alone has no registered gradients, so the LSTM's
//    backward is spelled out; Adam is tf.train.adam).
//
// tfjs is loaded lazily (dynamic import); when it is not installed its columns say
// so. Products are timed with tinybench when it is installed (a plain median
// otherwise), the implementations in interleaved rounds, each keeping its best
// round; training steps by the median of bptt and dni steps (one thread and N
// threads) run in alternation.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../train/config.js';
import { matmulTs } from '../backends/cpu/matmul.js';
import { matmulSimd, simdAvailable } from '../backends/wasm/matmul-simd.js';
import { resolveConfig } from '../train/config.js';
import { setBackend, type Backend } from '../backends/backend.js';
import { createCpuBackend } from '../backends/cpu/index.js';
import { createThreadedBackend, type ThreadedBackend } from '../backends/threads/index.js';
import { defaultThreads } from './backend-select.js';
import { setupRun } from '../train/setup.js';
import { Trainer } from '../train/trainer.js';

type Tf = typeof import('@tensorflow/tfjs-core');
type TfTensor = import('@tensorflow/tfjs-core').Tensor;

export interface BenchOptions {
  quick: boolean;
  threads: number;
  /** progress lines (stderr in the CLI) */
  log?: (line: string) => void;
}

/** Results per implementation; null = not measured, with the reason in `notes`. */
export type Impl = 'ts' | 'simd' | 'threads' | 'tfjs-cpu' | 'tfjs-wasm';
export const IMPLS: readonly Impl[] = ['ts', 'simd', 'threads', 'tfjs-cpu', 'tfjs-wasm'];
const IMPL_TITLES: Record<Impl, string> = { ts: 'synthgrad TS', simd: 'synthgrad SIMD', threads: 'SIMD N threads', 'tfjs-cpu': 'tfjs-cpu', 'tfjs-wasm': 'tfjs-wasm' };
const emptyRow = (): Record<Impl, number | null> => ({ ts: null, simd: null, threads: null, 'tfjs-cpu': null, 'tfjs-wasm': null });

export interface MatmulResult {
  M: number;
  K: number;
  N: number;
  gflops: Record<Impl, number | null>;
  notes: Partial<Record<Impl, string>>;
}

export interface TrainResult {
  policy: 'bptt' | 'dni';
  hidden: number;
  /** milliseconds per optimizer step (B·T tokens) */
  msPerStep: Record<Impl, number | null>;
  tokensPerSec: Record<Impl, number | null>;
  notes: Partial<Record<Impl, string>>;
}

export interface BenchReport {
  machine: { cpu: string; cores: number; node: string; platform: string };
  command: string;
  threads: number;
  simd: boolean;
  timer: string;
  matmul: MatmulResult[];
  training: TrainResult[];
  notes: string[];
}

// ---------------------------------------------------------------- timing

interface Timer {
  name: string;
  /** median milliseconds of one call of fn, after one warm-up call */
  median(fn: () => void, budgetMs: number, minRuns: number): Promise<number>;
}

/** tinybench when installed (a dev dependency), else a plain loop taking the median. */
async function makeTimer(): Promise<Timer> {
  try {
    const tb = await import('tinybench');
    return {
      name: 'tinybench (median latency)',
      async median(fn, budgetMs, minRuns) {
        const bench = new tb.Bench({ time: budgetMs, iterations: minRuns, warmup: true, warmupIterations: 1, warmupTime: 0, throws: true });
        bench.add('x', fn);
        await bench.run();
        const r = bench.tasks[0]!.result;
        if (r.state !== 'completed') throw new Error(`tinybench: task ${r.state}`);
        return r.latency.p50;
      },
    };
  } catch {
    return {
      name: 'median of timed runs',
      async median(fn, budgetMs, minRuns) {
        fn();
        const times: number[] = [];
        const start = performance.now();
        while (times.length < minRuns || performance.now() - start < budgetMs) {
          const t0 = performance.now();
          fn();
          times.push(performance.now() - t0);
        }
        times.sort((a, b) => a - b);
        return times[Math.floor(times.length / 2)]!;
      },
    };
  }
}

// ---------------------------------------------------------------- tfjs

interface TfBackends {
  tf: Tf | null;
  /** why tfjs columns are empty, when they are */
  missing: Partial<Record<'tfjs-cpu' | 'tfjs-wasm', string>>;
}

async function loadTf(): Promise<TfBackends> {
  const missing: TfBackends['missing'] = {};
  let tf: Tf;
  try {
    const mod = (await import('@tensorflow/tfjs-core')) as Tf & { default?: Tf };
    tf = mod.default ?? mod;
  } catch {
    return { tf: null, missing: { 'tfjs-cpu': 'not installed', 'tfjs-wasm': 'not installed' } };
  }
  tf.env().set('PROD', true); // no debug-mode checks
  try {
    await import('@tensorflow/tfjs-backend-cpu');
  } catch {
    missing['tfjs-cpu'] = 'not installed';
  }
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    // single-threaded, like our kernels without --threads
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  } catch {
    missing['tfjs-wasm'] = 'not installed';
  }
  return { tf, missing };
}

async function useTfBackend(tf: Tf, impl: 'tfjs-cpu' | 'tfjs-wasm'): Promise<string | null> {
  const name = impl === 'tfjs-cpu' ? 'cpu' : 'wasm';
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    if (!ok || tf.getBackend() !== name) return `backend ${name} did not initialise`;
    return null;
  } catch (e) {
    return `backend ${name} failed: ${(e as Error).message}`;
  }
}

// ---------------------------------------------------------------- matmul

const MATMUL_SHAPES: ReadonlyArray<[number, number, number]> = [
  [256, 256, 256],
  [1024, 1024, 1024],
  [32, 320, 1024],
  [32, 2048, 4096],
];

function randomArray(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 4294967296 - 0.5;
  }
  return x;
}

/**
 * GFLOP/s per implementation and shape. The machine's load drifts (other processes
 * share its cores), so the implementations are measured in interleaved rounds
 * (TS, SIMD, tfjs-cpu, tfjs-wasm, then again) and each keeps its best round's
 * median. tfjs-cpu (~0.5 GFLOP/s) is measured in the first round only.
 */
async function benchMatmul(opts: BenchOptions, timer: Timer, tfb: TfBackends, pool: ThreadedBackend | null, log: (l: string) => void): Promise<MatmulResult[]> {
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
      if (simdAvailable()) best('simd', await timer.median(() => matmulSimd(a, b, c, M, K, N, false, false, false), budget, runs));
      else notes.simd = 'no wasm SIMD';
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

// ---------------------------------------------------------------- char-LSTM training

const LM = { V: 65, E: 64, B: 32, T: 32 };
/** 65 symbols: the corpus is uniform random text over exactly V characters. */
const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?'-\n".slice(0, LM.V);

/** A random text of `chars` characters over exactly the benchmark's V symbols, written to dir; returns its path. */
export function writeCorpus(dir: string, chars: number): string {
  let s = '';
  let x = 12345;
  const parts: string[] = [];
  for (let i = 0; i < chars; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += ALPHABET[(x >>> 8) % LM.V];
    if (s.length >= 4096) parts.push(s), (s = '');
  }
  parts.push(s);
  const file = path.join(dir, 'random-text.txt');
  fs.writeFileSync(file, parts.join(''));
  return file;
}

/** A training step to time, and what to release afterwards. */
interface StepFn {
  step: () => void;
  /** run before each timed step, untimed */
  prepare?: () => void;
  dispose: () => void;
}

/**
 * Median ms per call of each of `fns`, called in alternation (a, b, a, b, …) after
 * `warmups` calls each (the JIT compilers, of every worker thread too, settle): the
 * machine's load drifts during a run (other processes share its cores), and
 * alternating makes the ratio of two (dni / bptt, N threads / 1) fair.
 * At least `minRounds` rounds, more while the budget lasts.
 */
function alternatingMedians(fns: StepFn[], budgetMs: number, minRounds: number, warmups = 1): number[] {
  for (let w = 0; w < warmups; w++) for (const f of fns) f.step();
  const times = fns.map(() => [] as number[]);
  const start = performance.now();
  for (let round = 0; round < minRounds || performance.now() - start < budgetMs; round++) {
    fns.forEach((f, i) => {
      f.prepare?.();
      const t0 = performance.now();
      f.step();
      times[i]!.push(performance.now() - t0);
    });
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!);
}

/**
 * The benchmark's char-LSTM trainer (V 65, E 64, B 32, T 32, Adam, clip 1; dni: a
 * linear synthesizer) on `corpus`, its parameters built for backend `b` (on shared
 * memory for a threaded backend, as `train --threads N` builds them).
 */
export function benchTrainer(corpus: string, hidden: number, policy: 'bptt' | 'dni', b: Backend): Trainer {
  const raw = {
    task: 'charlm', data: corpus, split: null, embed: LM.E, hidden: [hidden], batch: LM.B, bptt: LM.T, steps: 1_000_000, seed: 1,
    optimizer: { name: 'adam', lr: 1e-3 }, clip: 1,
    policy: { name: policy }, synthesizer: policy === 'dni' ? { kind: 'linear', scale: 0.1 } : null,
  };
  const cfg = resolveConfig(raw, { baseDir: path.dirname(corpus), source: 'bench' });
  const previous = setBackend(b);
  try {
    const setup = setupRun(cfg);
    return new Trainer(cfg, setup.source, setup.synth, setup.rng);
  } finally {
    setBackend(previous);
  }
}

/**
 * Our trainer's optimizer step (one chunk of B·T tokens) on backend `b`. With
 * `settle`, every timed step follows an untimed step of the same trainer, as steps
 * follow each other in `train`: the bench alternates trainers (bptt and dni, one
 * thread and N), and the first step after a switch found the workers asleep (they
 * spin 50 ms; a one-thread step lasts ~100 ms) and the caches full of another model.
 */
function makeOurStep(corpus: string, hidden: number, policy: 'bptt' | 'dni', b: Backend, settle = true): StepFn {
  const trainer = benchTrainer(corpus, hidden, policy, b);
  const step = () => {
    const previous = setBackend(b);
    try {
      trainer.stepOnce();
    } finally {
      setBackend(previous);
    }
  };
  return { step, prepare: settle ? step : undefined, dispose: () => {} };
}

/**
 * The same model trained by tfjs on the current backend. tfjs-core's
 * Node bundle registers no gradients (the tfjs umbrella package does), so the step
 * is written out: forward and backward of the LSTM with tfjs ops, the same
 * products as our fused kernels (input projection for all steps at once, one
 * W_hh product per step each way, weight gradients over the whole chunk), then
 * tf.train.adam. For dni: ĝ = λ·M(s_T) seeds the backward at s_T, δ = ∂/∂s_0, and
 * the synthesizer takes an Adam step on (1/B)‖M(s_0) − δ‖².
 */
function makeTfStep(tf: Tf, hidden: number, policy: 'bptt' | 'dni'): StepFn {
  const { V, E, B, T } = LM;
  const H = hidden, G = 4 * H;
  // variable names are global in tfjs: the bptt and dni models live side by side
  const init = (shape: number[], name: string) => tf.variable(tf.randomUniform(shape, -0.1, 0.1), true, `${name}-${policy}-${H}`);
  const emb = init([V, E], 'emb'), wih = init([G, E], 'wih'), whh = init([G, H], 'whh'), bias = init([G], 'bias');
  const wd = init([V, H], 'wd'), bd = init([V], 'bd');
  const synW = policy === 'dni' ? tf.variable(tf.zeros([2 * H, 2 * H]), true, `synW-${H}`) : null;
  const synB = policy === 'dni' ? tf.variable(tf.zeros([2 * H]), true, `synB-${H}`) : null;
  const opt = tf.train.adam(1e-3);
  const synOpt = tf.train.adam(1e-4);
  let seed = 7;
  const ids = (n: number) => {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % V;
    return a;
  };
  const rowsOf = (x: TfTensor, t: number) => tf.slice(x, [t * B, 0], [B, -1]);
  const step = () => {
    tf.tidy(() => {
      const xIds = tf.tensor1d(ids(T * B), 'int32');
      const y = tf.oneHot(tf.tensor1d(ids(T * B), 'int32'), V);
      const h0 = tf.zeros([B, H]), c0 = tf.zeros([B, H]);
      // forward
      const x = tf.gather(emb, xIds); // [T·B, E]
      const zx = tf.add(tf.matMul(x, wih, false, true), bias); // [T·B, 4H]
      let h: TfTensor = h0, c: TfTensor = c0;
      const is: TfTensor[] = [], fs_: TfTensor[] = [], gs: TfTensor[] = [], os_: TfTensor[] = [], cs: TfTensor[] = [], hs: TfTensor[] = [];
      for (let t = 0; t < T; t++) {
        const z = tf.add(rowsOf(zx, t), tf.matMul(h, whh, false, true));
        const [zi, zf, zg, zo] = tf.split(z, 4, 1) as [TfTensor, TfTensor, TfTensor, TfTensor];
        const i = tf.sigmoid(zi), f = tf.sigmoid(zf), g = tf.tanh(zg), o = tf.sigmoid(zo);
        c = tf.add(tf.mul(f, c), tf.mul(i, g));
        h = tf.mul(o, tf.tanh(c));
        is.push(i), fs_.push(f), gs.push(g), os_.push(o), cs.push(c), hs.push(h);
      }
      const hsAll = tf.concat(hs, 0); // [T·B, H]
      const logits = tf.add(tf.matMul(hsAll, wd, false, true), bd);
      // backward: softmax cross-entropy (mean over T·B rows)
      const dLogits = tf.div(tf.sub(tf.softmax(logits), y), T * B);
      const grads: Record<string, TfTensor> = {};
      grads[wd.name] = tf.matMul(dLogits, hsAll, true, false);
      grads[bd.name] = tf.sum(dLogits, 0);
      const dHs = tf.matMul(dLogits, wd); // [T·B, H]
      let dhNext: TfTensor = tf.zeros([B, H]), dcNext: TfTensor = tf.zeros([B, H]);
      if (synW && synB) {
        // the synthetic seed at s_T = [h_T, c_T]
        const gHat = tf.mul(tf.add(tf.matMul(tf.concat([h, c], 1), synW), synB), 0.1);
        [dhNext, dcNext] = tf.split(gHat, 2, 1) as [TfTensor, TfTensor];
      }
      const dZs: TfTensor[] = new Array<TfTensor>(T);
      for (let t = T - 1; t >= 0; t--) {
        const i = is[t]!, f = fs_[t]!, g = gs[t]!, o = os_[t]!;
        const tc = tf.tanh(cs[t]!);
        const cPrev = t === 0 ? c0 : cs[t - 1]!;
        const dh = tf.add(rowsOf(dHs, t), dhNext);
        const dc = tf.add(dcNext, tf.mul(tf.mul(dh, o), tf.sub(1, tf.square(tc))));
        const di = tf.mul(tf.mul(dc, g), tf.mul(i, tf.sub(1, i)));
        const df = tf.mul(tf.mul(dc, cPrev), tf.mul(f, tf.sub(1, f)));
        const dg = tf.mul(tf.mul(dc, i), tf.sub(1, tf.square(g)));
        const dO = tf.mul(tf.mul(dh, tc), tf.mul(o, tf.sub(1, o)));
        const dz = tf.concat([di, df, dg, dO], 1);
        dZs[t] = dz;
        dhNext = tf.matMul(dz, whh);
        dcNext = tf.mul(dc, f);
      }
      const dZ = tf.concat(dZs, 0); // [T·B, 4H]
      const hPrev = tf.concat([h0, ...hs.slice(0, T - 1)], 0);
      grads[whh.name] = tf.matMul(dZ, hPrev, true, false);
      grads[wih.name] = tf.matMul(dZ, x, true, false);
      grads[bias.name] = tf.sum(dZ, 0);
      // the embedding's scatter-add as a product (tfjs-wasm has no UnsortedSegmentSum)
      grads[emb.name] = tf.matMul(tf.oneHot(xIds, V), tf.matMul(dZ, wih), true, false);
      opt.applyGradients(grads as Parameters<typeof opt.applyGradients>[0]);
      if (synW && synB) {
        // δ = ∂/∂s_0 = [dh_0, dc_0]; the synthesizer's gradient of (1/B)‖s_0 W + b − δ‖²
        const s0 = tf.concat([h0, c0], 1), delta = tf.concat([dhNext, dcNext], 1);
        const r = tf.mul(tf.sub(tf.add(tf.matMul(s0, synW), synB), delta), 2 / B);
        const sg: Record<string, TfTensor> = { [synW.name]: tf.matMul(s0, r, true, false), [synB.name]: tf.sum(r, 0) };
        synOpt.applyGradients(sg as Parameters<typeof synOpt.applyGradients>[0]);
      }
    });
    // the cpu and wasm backends run synchronously; reading one value makes sure
    bias.dataSync();
  };
  const dispose = () => {
    for (const v of [emb, wih, whh, bias, wd, bd]) v.dispose();
    synW?.dispose();
    synB?.dispose();
    opt.dispose();
    synOpt.dispose();
  };
  return { step, dispose };
}

/** Times bptt and dni steps in alternation; disposes them afterwards. */
function timePair(make: (policy: 'bptt' | 'dni') => StepFn, budgetMs: number, minRounds: number): [number, number] {
  const fns: StepFn[] = [];
  try {
    fns.push(make('bptt'), make('dni'));
    const [b, d] = alternatingMedians(fns, budgetMs, minRounds);
    return [b!, d!];
  } finally {
    for (const f of fns) f.dispose();
  }
}

async function benchTraining(opts: BenchOptions, tfb: TfBackends, pool: ThreadedBackend | null, log: (l: string) => void): Promise<TrainResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthgrad-bench-'));
  const out: TrainResult[] = [];
  try {
    const corpus = writeCorpus(dir, 200_000);
    const hiddens = opts.quick ? [256] : [256, 1024];
    const simd = createCpuBackend({ simd: true }), plain = createCpuBackend({ simd: false });
    // fast implementations fill the budget, slow ones get the minimum rounds; ours get at
    // least 7 in a full run (an H 1024 step takes over a second: 5 medians moved the ratios by ±0.1)
    const budget = opts.quick ? 1500 : 6000;
    const ourRounds = opts.quick ? 5 : 7;
    for (const H of hiddens) {
      const rows = (['bptt', 'dni'] as const).map((policy): TrainResult => ({
        policy, hidden: H,
        msPerStep: emptyRow(),
        tokensPerSec: emptyRow(),
        notes: {},
      }));
      const record = (impl: Impl, ms: [number, number] | string) => {
        rows.forEach((r, i) => {
          if (typeof ms === 'string') r.notes[impl] = ms;
          else r.msPerStep[impl] = ms[i]!;
        });
      };
      {
        if (simd.simd) {
          if (pool) {
            // one thread and N threads in alternation, so that their ratio is fair
            log(`char-LSTM H${H} bptt and dni: synthgrad SIMD, 1 and ${pool.threads} threads`);
            const steps = [makeOurStep(corpus, H, 'bptt', simd), makeOurStep(corpus, H, 'dni', simd), makeOurStep(corpus, H, 'bptt', pool), makeOurStep(corpus, H, 'dni', pool)];
            const [b1, d1, bN, dN] = alternatingMedians(steps, budget, ourRounds, 3);
            record('simd', [b1!, d1!]);
            record('threads', [bN!, dN!]);
          } else {
            log(`char-LSTM H${H} bptt and dni: synthgrad SIMD`);
            record('simd', timePair((p) => makeOurStep(corpus, H, p, simd), budget, ourRounds));
            record('threads', opts.threads > 1 ? 'no wasm SIMD' : '--threads 1');
          }
        } else record('simd', 'no wasm SIMD');
        if (opts.quick && H > 256) record('ts', 'skipped (--quick)');
        else {
          log(`char-LSTM H${H} bptt and dni: synthgrad TS`);
          record('ts', timePair((p) => makeOurStep(corpus, H, p, plain, false), 0, 2)); // ~1 s a step: nothing to settle
        }
      }
      for (const impl of ['tfjs-cpu', 'tfjs-wasm'] as const) {
        const tf = tfb.tf;
        if (!tf || tfb.missing[impl]) {
          record(impl, tfb.missing[impl] ?? 'not installed');
          continue;
        }
        if (impl === 'tfjs-cpu' && H > 256) {
          // ~0.4 GFLOP/s: one H1024 step is ~28 GFLOP, about a minute
          record(impl, 'skipped (about a minute per step)');
          continue;
        }
        const err = await useTfBackend(tf, impl);
        if (err) {
          record(impl, err);
          continue;
        }
        log(`char-LSTM H${H} bptt and dni: ${impl}`);
        try {
          record(impl, timePair((p) => makeTfStep(tf, H, p), 0, 2));
        } catch (e) {
          record(impl, `failed: ${(e as Error).message}`);
        }
      }
      for (const r of rows) for (const k of IMPLS) r.tokensPerSec[k] = r.msPerStep[k] === null ? null : (LM.B * LM.T * 1000) / r.msPerStep[k]!;
      out.push(...rows);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

// ---------------------------------------------------------------- report

export async function runBench(opts: BenchOptions, command = 'synthgrad bench'): Promise<BenchReport> {
  const log = opts.log ?? (() => {});
  const timer = await makeTimer();
  const tfb = await loadTf();
  const notes: string[] = [];
  const pool = opts.threads > 1 && simdAvailable() ? await createThreadedBackend(opts.threads, { simd: true }) : null;
  let matmul: MatmulResult[], training: TrainResult[];
  try {
    matmul = await benchMatmul(opts, timer, tfb, pool, log);
    training = await benchTraining(opts, tfb, pool, log);
  } finally {
    pool?.dispose();
  }
  const cpus = os.cpus();
  return {
    machine: { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, node: process.version, platform: `${process.platform} ${process.arch}` },
    command,
    threads: opts.threads,
    simd: simdAvailable(),
    timer: `products: ${timer.name}, best of interleaved rounds; training: median ms per step, trainers in alternation, each timed step right after an untimed one of the same trainer`,
    matmul,
    training,
    notes,
  };
}

function cell(v: number | null, note: string | undefined, digits: number): string {
  if (v !== null) return v.toFixed(digits);
  return note ?? '—';
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function ratio(a: number | null, b: number | null, digits = 1): string {
  return a !== null && b !== null && b > 0 ? `${(a / b).toFixed(digits)}x` : '—';
}

function title(i: Impl, threads: number): string {
  return i === 'threads' ? `SIMD ${threads} threads` : IMPL_TITLES[i];
}

export function formatReport(r: BenchReport): string {
  const out: string[] = [];
  out.push(`machine: ${r.machine.cpu} (${r.machine.cores} logical CPUs), Node ${r.machine.node}, ${r.machine.platform}; threads ${r.threads}; wasm SIMD ${r.simd ? 'yes' : 'no'}; timing: ${r.timer}`);
  out.push('');
  out.push('matrix product C = A·B, float32, GFLOP/s (higher is better)');
  out.push(table(
    ['M×K×N', ...IMPLS.map((i) => title(i, r.threads)), 'SIMD/tfjs-wasm', 'SIMD/tfjs-cpu', 'N threads/SIMD'],
    r.matmul.map((m) => [
      `${m.M}×${m.K}×${m.N}`,
      ...IMPLS.map((i) => cell(m.gflops[i], m.notes[i], 2)),
      ratio(m.gflops.simd, m.gflops['tfjs-wasm']),
      ratio(m.gflops.simd, m.gflops['tfjs-cpu']),
      ratio(m.gflops.threads, m.gflops.simd, 2),
    ]),
  ));
  out.push('');
  out.push(`char-LSTM LM training, tokens/s (V ${LM.V}, E ${LM.E}, B ${LM.B}, T ${LM.T}; higher is better)`);
  out.push(table(
    ['H / policy', ...IMPLS.map((i) => title(i, r.threads)), 'SIMD/tfjs-wasm', 'N threads/SIMD', 'SIMD ms/step'],
    r.training.map((t) => [
      `H${t.hidden} ${t.policy}`,
      ...IMPLS.map((i) => cell(t.tokensPerSec[i], t.notes[i], 0)),
      ratio(t.tokensPerSec.simd, t.tokensPerSec['tfjs-wasm']),
      ratio(t.tokensPerSec.threads, t.tokensPerSec.simd, 2),
      cell(t.msPerStep.simd, t.notes.simd, 1),
    ]),
  ));
  const dniRatios: string[] = [];
  for (const d of r.training.filter((t) => t.policy === 'dni')) {
    const b = r.training.find((t) => t.policy === 'bptt' && t.hidden === d.hidden);
    if (b?.msPerStep.simd && d.msPerStep.simd) dniRatios.push(`H${d.hidden} ${(d.msPerStep.simd / b.msPerStep.simd).toFixed(2)}`);
  }
  if (dniRatios.length) out.push(`dni step / bptt step (synthgrad SIMD, 1 thread): ${dniRatios.join(', ')}`);
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n');
}

function parseThreads(v: string): number {
  if (v === 'auto') return defaultThreads();
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`synthgrad: error: option --threads: ${JSON.stringify(v)} is not a positive integer or "auto"\n`);
    process.exit(2);
  }
  return n;
}

/** Configures `cmd` as the bench command; `invokedAs` is how the report names the command run. */
export function benchCommand(cmd: Command, invokedAs = 'synthgrad bench'): Command {
  return cmd
    .description('measure matrix-product GFLOP/s and char-LSTM training tokens/s, next to tfjs-backend-cpu and tfjs-backend-wasm')
    .option('--json', 'print the results as JSON on stdout (progress still goes to stderr)')
    .option('--quick', 'shorter timings; skip H 1024')
    .option('--threads <n>', 'threads of the "SIMD N threads" columns (1: leave them out) ["auto": the logical CPUs]', 'auto')
    .option('--backend <cpu|webgpu>', 'webgpu: the WebGPU backend next to the CPU backend (matmul GFLOP/s, DNI training tokens/s) instead of the tfjs comparison', 'cpu')
    .action(async (opts: { json?: boolean; quick?: boolean; threads: string; backend: string }) => {
      if (opts.backend !== 'cpu' && opts.backend !== 'webgpu') {
        throw new ConfigError(`option --backend: ${JSON.stringify(opts.backend)} is not one of cpu, webgpu`, 'backend', '--backend');
      }
      if (opts.backend === 'webgpu') {
        // the WebGPU benchmark is its own script (bench/webgpu.ts): it opens the device in a worker
        const script = fileURLToPath(new URL('../../bench/webgpu.js', import.meta.url));
        const r = spawnSync(process.execPath, [script, ...(opts.quick ? ['--quick'] : []), ...(opts.json ? ['--json'] : [])], { stdio: 'inherit' });
        process.exitCode = r.status ?? 1;
        return;
      }
      const threads = parseThreads(opts.threads);
      const argv = [invokedAs, opts.json ? '--json' : '', opts.quick ? '--quick' : '', threads !== 1 ? `--threads ${threads}` : ''].filter(Boolean).join(' ');
      const report = await runBench({ quick: !!opts.quick, threads, log: (l) => process.stderr.write(`bench: ${l}\n`) }, argv);
      process.stdout.write((opts.json ? JSON.stringify(report, null, 2) : formatReport(report)) + '\n');
    });
}
