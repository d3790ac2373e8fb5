// The lab's training worker: the configuration resolved as `synthgrad train`
// resolves it, the run built by buildRun and stepped by RunLoop (the CLI's own
// loop), so the page's metrics are the command line's. Between slices of
// training it reports the new records, and now and then a view of the model
// (a copy episode's bits, a text sample) computed without touching the run's
// random numbers or its parameters.
import { setBackend, type Backend } from '../backends/backend.js';
import { cpuBackend } from '../backends/cpu/index.js';
import { noGrad, Var } from '../autograd/variable.js';
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/rng.js';
import { charCorpusFromText } from '../data/char-corpus.js';
import { configToJson, resolveConfig } from '../train/config.js';
import { buildRun, type RunSetup } from '../train/build-run.js';
import { RunLoop } from '../train/run-loop.js';
import { sampleText } from '../train/sample.js';
import type { MetricRecord } from '../train/curves.js';
import { stepStages } from './stages.js';
import type { BitGrid, FromWorker, ToWorker } from './protocol.js';

const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as { postMessage(m: unknown, t: Transferable[]): void }).postMessage(m, transfer);

/** Milliseconds of training between looks at the message queue, and between reports to the page. */
const SLICE_MS = 30, REPORT_MS = 200, GRID_MS = 1000, SAMPLE_MS = 4000;

let loop: RunLoop | null = null;
let setup: RunSetup | null = null;
let running = false;
let pending: MetricRecord[] = [];
let lastReport = 0, lastGrid = -Infinity, lastSample = -Infinity, stepsAtReport = 0;
const tick = new MessageChannel();

async function start(m: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  const cfg = resolveConfig(m.raw, { baseDir: '.', source: 'the page' });
  let backendName = 'cpu', adapter: string | null = null;
  if (m.backend === 'webgpu') {
    const { createWebGpuBackend } = await import('../backends/webgpu/index.js');
    const gpu = await createWebGpuBackend({ workerUrl: new URL('../backends/webgpu/worker.js', import.meta.url) });
    setBackend(gpu as Backend);
    backendName = 'webgpu';
    adapter = gpu.adapterName;
  }
  if (cfg.init) throw new Error(`init: the page cannot read ${cfg.init}; start from random weights (remove "init"), or use \`synthgrad train --init\``);
  let corpus = null;
  if (cfg.task === 'wordlm') throw new Error('the page trains charlm, copy and repeat-copy; wordlm needs a folder of files: use `synthgrad train`');
  if (cfg.task === 'charlm') {
    if (!m.corpus) throw new Error('charlm needs a text: the built-in corpus, a dropped file or pasted text');
    corpus = charCorpusFromText(m.corpus.text, cfg.split, m.corpus.name);
  }
  setup = buildRun(cfg, corpus, (line) => post({ type: 'log', line }));
  loop = new RunLoop(setup, (r) => pending.push(r), (line) => post({ type: 'log', line }));
  // as train-command.ts writes it
  const cpu = backendName === 'cpu';
  const configJson = { ...configToJson(cfg, '.', {}), backend_used: backendName, adapter, threads_used: cpu ? 1 : null, kernels: cpu ? cpuBackend.kernels : null };
  post({ type: 'started', total: loop.total, configJson, backend: backendName, adapter });
  running = true;
  lastReport = performance.now();
  schedule();
}

function schedule(): void {
  tick.port2.postMessage(null);
}

/** One slice of training, then a report when one is due; the loop continues through the message channel. */
tick.port1.onmessage = () => {
  if (!running || !loop) return;
  try {
    const t0 = performance.now();
    while (!loop.done && performance.now() - t0 < SLICE_MS) loop.step();
    if (loop.done) {
      loop.finish();
      running = false;
    }
    report(loop.done);
    if (running) schedule();
  } catch (e) {
    running = false;
    post({ type: 'error', message: messageOf(e) });
  }
};

function report(force: boolean): void {
  const now = performance.now();
  if (!force && running && now - lastReport < REPORT_MS) return;
  const l = loop!, s = setup!;
  const step = l.trainer.step;
  const rate = (step - stepsAtReport) / Math.max((now - lastReport) / 1000, 1e-3);
  const state = l.done ? 'done' : running ? 'running' : 'paused';
  post({ type: 'progress', records: pending, step, state, copy: s.kind === 'copy' ? s.source.summary() : null, rate });
  pending = [];
  lastReport = now;
  stepsAtReport = step;
  if (force || now - lastGrid > GRID_MS) {
    lastGrid = now;
    if (s.kind === 'copy') post({ type: 'grid', grid: copyGrid(s) });
  }
  if (s.kind === 'lm' && (force || now - lastSample > SAMPLE_MS)) {
    lastSample = now;
    // its own generator: the run's is not drawn from
    const text = sampleText(s.model, s.vocab, 'charlm', { length: 200, temperature: 0.8, prime: '', rng: new Rng(step) });
    post({ type: 'sample', step, text });
  }
}

/** The copy model on the episode about to be trained, from a zero state, without gradients: batch row 0. */
function copyGrid(s: Extract<RunSetup, { kind: 'copy' }>): BitGrid {
  const e = s.source.episode, B = e.B;
  const logits = noGrad(() => {
    const x = new Tensor(e.inputs, [e.length * B, e.inWidth]), y = new Tensor(e.targets, [e.length * B, e.outWidth]);
    return s.model.forwardChunk(x, y, [], e.length, new Var(Tensor.zeros([B, s.model.stateSize]))).logits.value.data;
  });
  const row = (src: ArrayLike<number>, w: number, f: (v: number) => number = (v) => v) => {
    const out = new Float32Array(e.length * w);
    for (let t = 0; t < e.length; t++) for (let j = 0; j < w; j++) out[t * w + j] = f(src[(t * B) * w + j]!);
    return out;
  };
  return {
    length: e.length, inWidth: e.inWidth, outWidth: e.outWidth,
    input: row(e.inputs, e.inWidth), target: row(e.targets, e.outWidth), output: row(logits, e.outWidth, (z) => 1 / (1 + Math.exp(-z))),
    scored: e.scored,
  };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  try {
    if (m.type === 'start') {
      start(m).catch((e: unknown) => post({ type: 'error', message: messageOf(e) }));
      return;
    }
    if (!loop) return;
    if (m.type === 'pause') {
      running = false;
      report(true);
    } else if (m.type === 'resume' && !loop.done && !running) {
      running = true;
      lastReport = performance.now();
      stepsAtReport = loop.trainer.step;
      schedule();
    } else if (m.type === 'step' && !running && !loop.done) {
      const view = stepStages(loop);
      if (loop.done) loop.finish();
      report(true);
      if (view) post(view);
    } else if (m.type === 'checkpoint') {
      const bytes = loop.checkpointBytes();
      post({ type: 'checkpoint', bytes }, [bytes.buffer]);
    }
  } catch (e) {
    running = false;
    post({ type: 'error', message: messageOf(e) });
  }
};
