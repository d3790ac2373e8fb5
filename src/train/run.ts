// A training run on disk: the run directory of docs/config.md (config.json,
// metrics.jsonl, checkpoint.safetensors, curves.svg), progress, checkpoints
// that a kill at any moment leaves loadable, and exact resume. The steps, their
// records and the evaluations are run-loop.ts's.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readFileBytes, writeFileAtomic } from '../io/atomic-file.js';
import { Tensor } from '../tensor/tensor.js';
import { loadParamStateDict } from '../models/state.js';
import { CheckpointMismatchError, decodeCheckpoint } from './checkpoint.js';
import { renderCurves, type EvalRecord, type MetricRecord } from './curves.js';
import { createProgress, type ProgressStream } from './progress.js';
import { setupRun, type RunSetup } from './setup.js';
import type { CopySummary } from './copy-source.js';
import { RunLoop } from './run-loop.js';
import type { NonFiniteError, Trainer } from './trainer.js';
import { ConfigError, type RunConfig } from './config.js';
import { checkFits, estimateLine, estimateRun, timingLine, type MemoryLimits } from './estimate.js';

export const CHECKPOINT = 'checkpoint.safetensors';
export const METRICS = 'metrics.jsonl';
export const CONFIG = 'config.json';
const CURVES = 'curves.svg';
/** The timing line comes after this many steps (the first one, a warm-up, not counted). */
const TIMING_STEPS = 5;

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
  /** what the run may use [os.totalmem()]; a run estimated above it stops before allocating (ConfigError) */
  memory?: MemoryLimits;
  /** the CPU threads the backend runs (their shared buffers count in the estimate) [1] */
  threads?: number;
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
  /** every record of the run, resumed steps included: what metrics.jsonl holds */
  records: MetricRecord[];
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
  const limits = opts.memory ?? { total: os.totalmem() };
  const threads = opts.threads ?? 1;
  // the model without the data first (a width far too big stops before the corpus is read), then with it
  checkFits(estimateRun(cfg, { vocab: 1, trainTokens: 0 }, threads), limits);
  const s = setupRun(cfg, log, 'float32', (sizes) => {
    const e = estimateRun(cfg, sizes, threads);
    checkFits(e, limits);
    log(estimateLine(e));
  });
  log(`${opts.resume ? 'resuming' : 'training'} ${cfg.task} → ${opts.outDir}`);
  const out = opts.outDir;
  fs.mkdirSync(out, { recursive: true });
  const metricsFile = path.join(out, METRICS);
  const ckptFile = path.join(out, CHECKPOINT);
  const records: MetricRecord[] = [];
  const loop = new RunLoop(s, (r) => {
    records.push(r);
    fs.appendFileSync(metricsFile, JSON.stringify(r) + '\n');
  }, log);
  const trainer = loop.trainer;
  if (opts.resume) {
    restore(s, trainer, ckptFile);
    records.push(...truncateMetrics(metricsFile, trainer.step));
    loop.resumeAfter(records);
    log(`resumed at step ${trainer.step}`);
  } else {
    writeFileAtomic(metricsFile, '');
  }
  if (opts.configJson) writeFileAtomic(path.join(out, CONFIG), JSON.stringify(opts.configJson, null, 2) + '\n');

  const saveCheckpoint = () => writeFileAtomic(ckptFile, loop.checkpointBytes());
  const progress = createProgress({ total: loop.total, stream: opts.progress ?? { isTTY: false, write: () => true }, label: cfg.task });
  let stopped: NodeJS.Signals | null = null;
  let lastCheckpoint = Date.now();
  const every = (opts.checkpointSeconds ?? 60) * 1000;
  const firstStep = trainer.step;
  let warm = 0;

  const timing = () => {
    const n = trainer.step - firstStep - 1;
    if (n === 0) warm = performance.now();
    if (n === TIMING_STEPS || (n > 0 && n < TIMING_STEPS && trainer.step === loop.total)) {
      const perEpoch = s.kind === 'lm' ? s.source.position(0).chunksPerEpoch : null;
      log(timingLine((performance.now() - warm) / 1000 / n, s.source.batch * cfg.bptt, perEpoch));
    }
  };

  while (!loop.done) {
    opts.beforeStep?.(trainer, s);
    const { record: rec, epochEnd } = loop.step();
    if (!rec) continue; // skipped (on_nan = skip), or the end of the run (on_nan = stop)
    timing();
    progress.update({
      step: rec.step, loss: rec.loss, lr: rec.lr, mode: rec.mode, tokens: rec.chunk_len * s.source.batch,
      ...('sg_true_cos' in rec ? { sgTrueCos: rec['sg_true_cos'] as number | null } : {}),
    });
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
  if (!stopped && !loop.nonFinite) {
    // a resumed run that was killed after its final evaluations but before the last checkpoint has them already
    const done = (split: 'valid' | 'test') =>
      (records.find((r) => 'split' in r && r.split === split && r.step === trainer.step) as EvalRecord | undefined) ?? null;
    const finalTest = s.kind === 'lm' && s.test ? done('test') : null;
    if (finalTest) {
      test = finalTest;
      loop.lastValid = done('valid') ?? loop.lastValid;
    } else test = loop.finish().test;
    saveCheckpoint();
  }
  writeFileAtomic(path.join(out, CURVES), renderCurves(records, { title: `${cfg.task} · ${cfg.policy.name}${cfg.synthesizer ? ` · ${cfg.synthesizer.kind} synthesizer` : ''}` }));
  return {
    steps: trainer.step,
    lastLoss: loop.lastLoss,
    valid: loop.lastValid,
    test,
    stopped,
    nonFinite: loop.nonFinite,
    copy: s.kind === 'copy' ? s.source.summary() : null,
    seconds: (Date.now() - t0) / 1000,
    records,
  };
}

/** The files a run directory holds; `--overwrite` removes these (and nothing else). */
const RUN_FILES = [CONFIG, METRICS, CHECKPOINT, CURVES];

/**
 * Refuses an output directory that would overwrite a run: one that holds a
 * config.json, metrics.jsonl or checkpoint, unless `overwrite` (then they are
 * removed). A config.json alone is the run's own when it is the file the run
 * was configured from (`--config DIR/config.json --out DIR`: a run laid out
 * beforehand, as a sweep does). A path that is a file is refused too.
 */
export function prepareOutDir(dir: string, opts: { overwrite: boolean; configFile: string | null }): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw outDirError(dir, e);
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (e2) {
      throw outDirError(dir, e2);
    }
    return;
  }
  if (!st.isDirectory()) {
    throw new ConfigError(`option --out: ${dir} is a file, not a directory; give another --out (a new or empty directory)`, undefined, '--out');
  }
  const present = RUN_FILES.filter((f) => fs.existsSync(path.join(dir, f)));
  const own = opts.configFile !== null && path.resolve(opts.configFile) === path.resolve(dir, CONFIG);
  const holdsRun = present.some((f) => f !== CONFIG || !own);
  if (!holdsRun) return;
  if (!opts.overwrite) {
    const resume = present.includes(CHECKPOINT) ? `continue it with --resume ${dir}, ` : '';
    const what = resume ? 'a run' : 'a run with no checkpoint to resume';
    throw new ConfigError(`option --out: ${dir} already holds ${what} (${present.join(', ')}); ${resume}` +
      'give another --out, or add --overwrite to replace it', undefined, '--out');
  }
  for (const f of RUN_FILES) if (f !== CONFIG || !own) fs.rmSync(path.join(dir, f), { force: true });
}

function outDirError(dir: string, e: unknown): ConfigError {
  const err = e as NodeJS.ErrnoException;
  const why = err.code === 'ENOTDIR' ? 'a part of the path is a file' : err.code === 'EACCES' || err.code === 'EPERM'
    ? 'permission denied' : err.code === 'EEXIST' ? 'a file of that name exists' : (err.message ?? String(e));
  return new ConfigError(`option --out: cannot create the run directory ${dir}: ${why}; give another --out`, undefined, '--out');
}
