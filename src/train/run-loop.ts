// The steps of a run in order, as `synthgrad train` takes them: each step, its
// metrics record, the evaluations when they are due, the final evaluations and
// the checkpoint's bytes. No files and no clock: run.ts adds those for the
// command line, the lab page runs the same loop in a Web Worker, so the two
// write the same records.
import { Tensor } from '../tensor/tensor.js';
import type { StTensor } from '../io/safetensors.js';
import { paramStateDict } from '../models/state.js';
import { encodeCheckpoint, stTensorOf } from './checkpoint.js';
import type { EvalRecord, MetricRecord, StepRecord } from './curves.js';
import type { RunSetup } from './build-run.js';
import { evaluateLm } from './lm-source.js';
import { diagnosisDue, measureTrueGradient } from './diagnostics.js';
import { NonFiniteError, Trainer } from './trainer.js';
import type { RunConfig } from './config.js';

export function totalSteps(cfg: RunConfig, s: RunSetup): number {
  if (cfg.steps !== null) return cfg.steps;
  const C = s.source.position(0).chunksPerEpoch;
  return cfg.epochs! * C;
}

export interface LoopStep {
  /** the step's record (null when on_nan = skip passed over it, or on_nan = stop ended the run) */
  record: StepRecord | null;
  /** whether the step was the last of a language model's epoch */
  epochEnd: boolean;
}

/** A run's steps, records and evaluations in the order `synthgrad train` takes them, without files or a clock; `step()` takes one. */
export class RunLoop {
  readonly trainer: Trainer;
  readonly total: number;
  lastValid: EvalRecord | null = null;
  lastLoss = NaN;
  /** the step whose loss or gradient was not finite, when on_nan = stop ended the run */
  nonFinite: NonFiniteError | null = null;
  /** the last record emitted */
  private last: MetricRecord | null = null;

  /** `emit` receives every record in order (the metrics.jsonl lines). */
  constructor(readonly setup: RunSetup, private readonly emit: (r: MetricRecord) => void, private readonly log: (line: string) => void = () => {}) {
    this.trainer = new Trainer(setup.cfg, setup.source, setup.synth, setup.rng);
    this.total = totalSteps(setup.cfg, setup);
  }

  get done(): boolean {
    return this.nonFinite !== null || this.trainer.step >= this.total;
  }

  /** One step of the run: the optimizer step, its record, and a validation pass when one is due. */
  step(): LoopStep {
    const s = this.setup, cfg = s.cfg, trainer = this.trainer;
    const pos = s.source.position(trainer.step);
    let rec: StepRecord;
    try {
      rec = trainer.stepOnce();
    } catch (e) {
      if (!(e instanceof NonFiniteError)) throw e;
      if (cfg.on_nan === 'stop') this.nonFinite = e;
      else {
        this.log(`warning: ${e.message}; skipped (on_nan = skip)`);
        trainer.skipStep();
      }
      return { record: null, epochEnd: false };
    }
    if (s.kind === 'copy') Object.assign(rec, s.source.recordFields());
    if (diagnosisDue(cfg, rec.step)) Object.assign(rec, measureTrueGradient(trainer, s.source));
    this.record(rec);
    this.lastLoss = rec.loss;
    const epochEnd = s.kind === 'lm' && pos.chunk === pos.chunksPerEpoch - 1;
    const evalNow = cfg.eval.every === null ? epochEnd : trainer.step % cfg.eval.every === 0;
    if (evalNow && s.kind === 'lm' && s.valid) this.lastValid = this.evaluate('valid');
    return { record: rec, epochEnd };
  }

  /** After the last step: validation (unless the last step had it) and test. */
  finish(): { valid: EvalRecord | null; test: EvalRecord | null } {
    const s = this.setup, last = this.last;
    if (s.kind === 'lm' && s.valid && !(last && 'split' in last && last.split === 'valid' && last.step === this.trainer.step)) this.lastValid = this.evaluate('valid');
    return { valid: this.lastValid, test: this.evaluate('test') };
  }

  /** A pass over a held-out split at the current parameters (null when the run has no such split). */
  evaluate(split: 'valid' | 'test'): EvalRecord | null {
    const s = this.setup;
    if (s.kind !== 'lm') return null;
    const data = split === 'valid' ? s.valid : s.test;
    if (!data) return null;
    const e = evaluateLm(s.model, data, s.cfg.bptt);
    const step = this.trainer.step;
    const rec: EvalRecord = { split, step, epoch: s.source.position(Math.max(step - 1, 0)).epoch, loss: e.loss, ppl: e.ppl, bpc: e.bpc };
    this.record(rec);
    return rec;
  }

  /** Records already written before this loop started (a resumed run's), so that finish() sees the last one. */
  resumeAfter(records: readonly MetricRecord[]): void {
    this.last = records[records.length - 1] ?? null;
  }

  private record(r: MetricRecord): void {
    this.last = r;
    this.emit(r);
  }

  /**
   * Everything the run needs to continue exactly where it stopped: each component's
   * state dictionary, in the order of the file (docs/config.md lists the names).
   * The two optimizers' tensors get a prefix each; the metadata key "copy" holds the
   * data source's scalars (null for a language model, whose position is the step).
   */
  checkpointBytes(): Uint8Array {
    const s = this.setup, t = this.trainer;
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
}
