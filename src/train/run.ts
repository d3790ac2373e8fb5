// A training run on disk: the run directory of docs/config.md (config.json,
// metrics.jsonl, checkpoint.safetensors, curves.svg), evaluation, progress,
// checkpoints that a kill at any moment leaves loadable, and exact resume.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFileBytes, writeFileAtomic } from '../io/atomic-file.js';
import { Tensor } from '../tensor/tensor.js';
import type { StTensor } from '../io/safetensors.js';
import { loadParamStateDict, paramStateDict } from '../models/state.js';
import { CheckpointMismatchError, decodeCheckpoint, encodeCheckpoint, stTensorOf } from './checkpoint.js';
import { renderCurves, type EvalRecord, type MetricRecord, type StepRecord } from './curves.js';
import { createProgress, type ProgressStream } from './progress.js';
import { setupRun, type RunSetup } from './setup.js';
import type { CopySummary } from './copy-source.js';
import { evaluateLm } from './lm-source.js';
import { NonFiniteError, Trainer } from './trainer.js';
import type { RunConfig } from './config.js';

export const CHECKPOINT = 'checkpoint.safetensors';
export const METRICS = 'metrics.jsonl';

/** How runTraining writes and reports a run (only `outDir` is required). */
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

/** What a finished (or stopped) run reports. */
export interface RunResult {
  steps: number;
  lastLoss: number;
  valid: EvalRecord | null;
  test: EvalRecord | null;
  /** the signal that stopped the run early, if one did */
  stopped: NodeJS.Signals | null;
  /** the step whose loss or gradient was not finite, when on_nan = stop ended the run */
  nonFinite: NonFiniteError | null;
  /** where the copy curriculum got to (copy tasks) */
  copy: CopySummary | null;
  seconds: number;
}

function totalSteps(cfg: RunConfig, s: RunSetup): number {
  if (cfg.steps !== null) return cfg.steps;
  const C = s.source.position(0).chunksPerEpoch;
  return cfg.epochs! * C;
}

/**
 * Everything the run needs to continue exactly where it stopped: each component's
 * state dictionary, in the order of the file (docs/config.md lists the names).
 * The two optimizers' tensors get a prefix each; the metadata key "copy" holds the
 * data source's scalars (null for a language model, whose position is the step).
 */
function checkpointBytes(s: RunSetup, t: Trainer): Uint8Array {
  const tensors: [string, StTensor][] = [];
  const add = (m: Map<string, Tensor>, prefix = '') => {
    for (const [k, v] of m) tensors.push([prefix + k, stTensorOf(v.data, v.shape)]);
  };
  const opt = t.opt.stateDict(), synthOpt = t.synthOpt?.stateDict() ?? null, source = s.source.stateDict();
  add(s.model.stateDict().tensors);
  if (s.synth) add(paramStateDict(s.synth.params).tensors);
  add(opt.tensors, 'optimizer.');
  if (synthOpt) add(synthOpt.tensors, 'synth_optimizer.');
  add(new Map([['state.s_prev', t.sPrev]]));
  if (s.synth) add(s.synth.stateTensors());
  add(source.tensors);
  const vocab = s.kind === 'lm' ? s.vocab : null;
  const state = {
    format: 1,
    task: s.cfg.task,
    step: t.step,
    vocab,
    model: { embed: s.cfg.embed, hidden: s.cfg.hidden, tied: s.cfg.tied, vocab_size: vocab?.length ?? null },
    optimizer: opt.meta,
    synth_optimizer: synthOpt?.meta ?? null,
    rng: s.rng.getState(),
    copy: source.meta,
  };
  return encodeCheckpoint({ tensors, state });
}

function restore(s: RunSetup, t: Trainer, file: string): void {
  const { tensors, state } = decodeCheckpoint(readFileBytes(file), file);
  if (!state) throw new CheckpointMismatchError(`${file}: not a synthgrad checkpoint (no "synthgrad" metadata); use --init to start from its weights instead`);
  // each component reports what is missing or does not fit; the message adds the file and whose state it is
  const load = (what: string, f: () => void) => {
    try {
      f();
    } catch (e) {
      throw new CheckpointMismatchError(`${file}: ${what}: ${(e as Error).message}; the checkpoint cannot resume this run`);
    }
  };
  const prefixed = (prefix: string) => new Map([...tensors].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
  const meta = (key: string) => (state[key] ?? null) as Record<string, unknown> | null;
  load('the model', () => s.model.loadStateDict({ tensors, meta: null }));
  if (s.synth) {
    const synth = s.synth;
    load('the synthesizer', () => loadParamStateDict(synth.params, tensors));
    load('the synthesizer', () => synth.loadState(tensors));
  }
  load('the optimizer', () => t.opt.loadStateDict({ tensors: prefixed('optimizer.'), meta: meta('optimizer') }));
  const synthOpt = t.synthOpt;
  if (synthOpt) load('the synthesizer\'s optimizer', () => synthOpt.loadStateDict({ tensors: prefixed('synth_optimizer.'), meta: meta('synth_optimizer') }));
  const sPrev = tensors.get('state.s_prev');
  if (!sPrev) throw new CheckpointMismatchError(`${file}: missing tensor state.s_prev; the checkpoint cannot resume this run`);
  t.sPrev = new Tensor(Float32Array.from(sPrev.data), sPrev.shape);
  s.rng.setState(state.rng as number[]);
  t.step = state.step as number;
  load('the data source', () => s.source.loadStateDict({ tensors, meta: meta('copy') }));
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
    if (s.kind !== 'lm') return null;
    const data = split === 'valid' ? s.valid : s.test;
    if (!data) return null;
    const e = evaluateLm(s.model, data, cfg.bptt);
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
    if (s.kind === 'copy') Object.assign(rec, s.source.recordFields());
    emit(rec);
    lastLoss = rec.loss;
    progress.update({ step: rec.step, loss: rec.loss, lr: rec.lr, mode: rec.mode, tokens: rec.chunk_len * s.source.batch });
    const epochEnd = s.kind === 'lm' && pos.chunk === pos.chunksPerEpoch - 1;
    const evalNow = cfg.eval.every === null ? epochEnd : trainer.step % cfg.eval.every === 0;
    if (evalNow && s.kind === 'lm' && s.valid) lastValid = evaluate('valid');
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
    if (s.kind === 'lm' && s.valid && !(last && 'split' in last && last.split === 'valid' && last.step === trainer.step)) lastValid = evaluate('valid');
    test = evaluate('test');
    saveCheckpoint();
  }
  writeFileAtomic(path.join(out, 'curves.svg'), renderCurves(records, { title: `${cfg.task} · ${cfg.policy.name}${cfg.synthesizer ? ` · ${cfg.synthesizer.kind} synthesizer` : ''}` }));
  return {
    steps: trainer.step,
    lastLoss,
    valid: lastValid,
    test,
    stopped,
    nonFinite,
    copy: s.kind === 'copy' ? s.source.summary() : null,
    seconds: (Date.now() - t0) / 1000,
  };
}
