// A training run on disk: the run directory of CONFIG.md (config.json,
// metrics.jsonl, checkpoint.safetensors, curves.svg), evaluation, progress,
// checkpoints that a kill at any moment leaves loadable, and exact resume.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFileBytes, writeFileAtomic } from '../io/atomic-file.js';
import { Tensor } from '../tensor/tensor.js';
import type { FloatArray } from '../tensor/dtype.js';
import { CheckpointMismatchError, decodeCheckpoint, encodeCheckpoint, paramTensors, stTensorOf } from './checkpoint.js';
import { renderCurves, type EvalRecord, type MetricRecord, type StepRecord } from './curves.js';
import { createProgress, type ProgressStream } from './progress.js';
import { setupRun, type RunSetup } from './setup.js';
import { scoredSteps } from '../data/copy-task.js';
import { evaluateLm, NonFiniteError, Trainer } from './trainer.js';
import type { RunConfig } from './config.js';

export const CHECKPOINT = 'checkpoint.safetensors';
export const METRICS = 'metrics.jsonl';

export interface RunOptions {
  outDir: string;
  /** continue from outDir's checkpoint */
  resume?: boolean;
  /** human-readable lines (the CLI sends them to stderr) */
  log?: (line: string) => void;
  /** where the progress line goes (a TTY gets a live line; anything else stays quiet) */
  progress?: ProgressStream | null;
  /** polled after every step: a signal name ends the run after a checkpoint */
  stopRequested?: () => NodeJS.Signals | null;
  /** the resolved config as written to config.json (the CLI adds backend_used, adapter) */
  configJson?: object;
  /** seconds between time-based checkpoints (also written at every epoch end) */
  checkpointSeconds?: number;
  /** called before every step (custom logging, fault injection in tests) */
  beforeStep?: (trainer: Trainer, setup: RunSetup) => void;
}

export interface RunResult {
  steps: number;
  lastLoss: number;
  valid: EvalRecord | null;
  test: EvalRecord | null;
  /** the signal that stopped the run early, if one did */
  stopped: NodeJS.Signals | null;
  /** the step whose loss or gradient was not finite, when on_nan = stop ended the run */
  nonFinite: NonFiniteError | null;
  copy: { N: number; R: number; bestN: number; bestR: number; recentError: number } | null;
  seconds: number;
}

function totalSteps(cfg: RunConfig, s: RunSetup): number {
  if (cfg.steps !== null) return cfg.steps;
  const C = s.source.position(0).chunksPerEpoch;
  return cfg.epochs! * C;
}

/** Everything the run needs to continue exactly where it stopped. */
function checkpointBytes(s: RunSetup, t: Trainer): Uint8Array {
  const tensors = paramTensors(s.params, s.aliases);
  if (s.synth) tensors.push(...paramTensors(s.synth.params));
  const buffers = (prefix: string, m: Map<string, FloatArray>) => {
    for (const [k, v] of m) tensors.push([`${prefix}.${k}`, stTensorOf(v, [v.length])]);
  };
  buffers('optimizer', t.opt.stateBuffers());
  if (t.synthOpt) buffers('synth_optimizer', t.synthOpt.stateBuffers());
  tensors.push(['state.s_prev', stTensorOf(t.sPrev.data, t.sPrev.shape)]);
  if (s.synth) for (const [k, v] of s.synth.stateTensors()) tensors.push([k, stTensorOf(v.data, v.shape)]);
  const cs = s.copySource;
  if (cs) {
    tensors.push(['state.copy_inputs', stTensorOf(cs.episode.inputs, [cs.episode.inputs.length])]);
    tensors.push(['state.copy_targets', stTensorOf(cs.episode.targets, [cs.episode.targets.length])]);
  }
  const state = {
    format: 1,
    task: s.cfg.task,
    step: t.step,
    vocab: s.vocab,
    model: { embed: s.cfg.embed, hidden: s.cfg.hidden, tied: s.cfg.tied, vocab_size: s.vocab?.length ?? null },
    optimizer: t.opt.stateScalars(),
    synth_optimizer: t.synthOpt?.stateScalars() ?? null,
    rng: s.rng.getState(),
    copy: cs ? { ...cs.state, episode_shape: { N: cs.episode.N, R: cs.episode.R, length: cs.episode.length } } : null,
  };
  return encodeCheckpoint({ tensors, state });
}

function restore(s: RunSetup, t: Trainer, file: string): void {
  const { tensors, state } = decodeCheckpoint(readFileBytes(file), file);
  if (!state) throw new CheckpointMismatchError(`${file}: not a synthgrad checkpoint (no "synthgrad" metadata); use --init to start from its weights instead`);
  const get = (name: string): Tensor => {
    const v = tensors.get(name);
    if (!v) throw new CheckpointMismatchError(`${file}: missing tensor ${name}; the checkpoint cannot resume this run`);
    return v;
  };
  const load = (into: FloatArray, name: string) => {
    const v = get(name);
    if (v.size !== into.length) throw new CheckpointMismatchError(`${file}: tensor ${name} has ${v.size} values, the configured run needs ${into.length}`);
    into.set(v.data);
  };
  for (const spec of s.params.specs) load(s.params.get(spec.name).value.data, spec.name);
  if (s.synth) for (const spec of s.synth.params.specs) load(s.synth.params.get(spec.name).value.data, spec.name);
  const buffers = (prefix: string, m: Map<string, FloatArray>) => {
    const out = new Map<string, FloatArray>();
    for (const [k, v] of m) {
      load(v, `${prefix}.${k}`);
      out.set(k, v);
    }
    return out;
  };
  t.opt.loadState(buffers('optimizer', t.opt.stateBuffers()), state.optimizer as Record<string, number>);
  if (t.synthOpt) t.synthOpt.loadState(buffers('synth_optimizer', t.synthOpt.stateBuffers()), state.synth_optimizer as Record<string, number>);
  const sPrev = get('state.s_prev');
  t.sPrev = new Tensor(Float32Array.from(sPrev.data), sPrev.shape);
  if (s.synth) {
    // every tensor the synthesizer saved, in the element type it saved it in
    const st = new Map<string, Tensor>();
    for (const [name, mine] of s.synth.stateTensors()) {
      const v = get(name);
      st.set(name, new Tensor(mine.data instanceof Float64Array ? Float64Array.from(v.data) : Float32Array.from(v.data), v.shape));
    }
    if (st.size > 0) s.synth.loadState(st);
  }
  s.rng.setState(state.rng as number[]);
  t.step = state.step as number;
  const cs = s.copySource;
  if (cs) {
    const c = state.copy as typeof cs.state & { episode_shape: { N: number; R: number; length: number } };
    const { episode_shape: shape, ...curriculum } = c;
    cs.state = curriculum;
    const e = cs.episode;
    const inputs = Float32Array.from(get('state.copy_inputs').data);
    const targets = Float32Array.from(get('state.copy_targets').data);
    cs.episode = { ...e, N: shape.N, R: shape.R, length: shape.length, inputs, targets, scored: scoredSteps(shape.N, shape.length) };
  }
}

/** Keeps the records a resumed run would have written before its checkpoint's step. */
function truncateMetrics(file: string, step: number): MetricRecord[] {
  if (!fs.existsSync(file)) return [];
  const kept: MetricRecord[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let r: MetricRecord;
    try {
      r = JSON.parse(line) as MetricRecord;
    } catch {
      break; // a line cut by a kill: everything after it is redone
    }
    const isEval = 'split' in r;
    if (isEval ? r.step <= step : r.step < step) kept.push(r);
  }
  writeFileAtomic(file, kept.map((r) => JSON.stringify(r) + '\n').join(''));
  return kept;
}

/** Runs (or resumes) training as configured; never throws for a non-finite step (see result.nonFinite). */
export async function runTraining(cfg: RunConfig, opts: RunOptions): Promise<RunResult> {
  const log = opts.log ?? (() => {});
  const t0 = Date.now();
  const s = setupRun(cfg, log);
  log(`${opts.resume ? 'resuming' : 'training'} ${cfg.task} → ${opts.outDir}`);
  const trainer = new Trainer(cfg, s.source, s.synth, s.rng);
  const out = opts.outDir;
  fs.mkdirSync(out, { recursive: true });
  const metricsFile = path.join(out, METRICS);
  const ckptFile = path.join(out, CHECKPOINT);
  let records: MetricRecord[] = [];
  if (opts.resume) {
    restore(s, trainer, ckptFile);
    records = truncateMetrics(metricsFile, trainer.step);
    log(`resumed at step ${trainer.step}`);
  } else {
    writeFileAtomic(metricsFile, '');
  }
  if (opts.configJson) writeFileAtomic(path.join(out, 'config.json'), JSON.stringify(opts.configJson, null, 2) + '\n');

  const total = totalSteps(cfg, s);
  const emit = (r: MetricRecord) => {
    records.push(r);
    fs.appendFileSync(metricsFile, JSON.stringify(r) + '\n');
  };
  const saveCheckpoint = () => writeFileAtomic(ckptFile, checkpointBytes(s, trainer));
  const evaluate = (split: 'valid' | 'test'): EvalRecord | null => {
    const data = split === 'valid' ? s.valid : s.test;
    if (!s.lm || !data) return null;
    const e = evaluateLm(s.lm, data, cfg.bptt);
    const rec: EvalRecord = { split, step: trainer.step, epoch: s.source.position(Math.max(trainer.step - 1, 0)).epoch, loss: e.loss, ppl: e.ppl, bpc: e.bpc };
    emit(rec);
    return rec;
  };
  const progress = createProgress({ total, stream: opts.progress ?? { isTTY: false, write: () => true }, label: cfg.task });
  let lastValid: EvalRecord | null = null, lastLoss = NaN;
  let stopped: NodeJS.Signals | null = null, nonFinite: NonFiniteError | null = null;
  let lastCheckpoint = Date.now();
  const every = (opts.checkpointSeconds ?? 60) * 1000;

  while (trainer.step < total) {
    opts.beforeStep?.(trainer, s);
    const pos = s.source.position(trainer.step);
    let rec: StepRecord;
    try {
      rec = trainer.stepOnce();
    } catch (e) {
      if (!(e instanceof NonFiniteError)) throw e;
      if (cfg.on_nan === 'stop') {
        nonFinite = e;
        break;
      }
      log(`warning: ${e.message}; skipped (on_nan = skip)`);
      trainer.skipStep();
      continue;
    }
    if (s.copySource) Object.assign(rec, { copy_n: s.copySource.episode.N, copy_r: s.copySource.episode.R });
    emit(rec);
    lastLoss = rec.loss;
    progress.update({ step: rec.step, loss: rec.loss, lr: rec.lr, mode: rec.mode, tokens: rec.chunk_len * s.source.batch });
    const epochEnd = s.lm !== null && pos.chunk === pos.chunksPerEpoch - 1;
    const evalNow = cfg.eval.every === null ? epochEnd : trainer.step % cfg.eval.every === 0;
    if (evalNow && s.valid) lastValid = evaluate('valid');
    stopped = opts.stopRequested?.() ?? null;
    if (epochEnd || stopped || Date.now() - lastCheckpoint > every) {
      saveCheckpoint();
      lastCheckpoint = Date.now();
    }
    if (stopped) break;
    // let signal handlers run between steps
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  progress.done();
  let test: EvalRecord | null = null;
  if (!stopped && !nonFinite) {
    const last = records[records.length - 1];
    if (s.valid && !(last && 'split' in last && last.split === 'valid' && last.step === trainer.step)) lastValid = evaluate('valid');
    test = evaluate('test');
    saveCheckpoint();
  }
  writeFileAtomic(path.join(out, 'curves.svg'), renderCurves(records, { title: `${cfg.task} · ${cfg.policy.name}${cfg.synthesizer ? ` · ${cfg.synthesizer.kind} synthesizer` : ''}` }));
  const cs = s.copySource;
  return {
    steps: trainer.step,
    lastLoss,
    valid: lastValid,
    test,
    stopped,
    nonFinite,
    copy: cs ? { N: cs.state.N, R: cs.state.R, bestN: cs.state.bestN, bestR: cs.state.bestR, recentError: cs.recentError() } : null,
    seconds: (Date.now() - t0) / 1000,
  };
}
