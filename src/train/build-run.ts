// From a resolved configuration and the corpus it names to the objects of a
// run: model, synthesizer and the chunk source the trainer steps through.
// No file system: setup.ts reads the corpus from disk, the lab page from its
// own text; both build the run here, so both draw the same numbers.
import { batchify, type Batched } from '../data/batch.js';
import type { CharCorpus } from '../data/char-corpus.js';
import type { WordCorpus } from '../data/word-corpus.js';
import { copyWidths } from '../data/copy-task.js';
import { LstmLm } from '../models/lstm-lm.js';
import { CopyModel } from '../models/copy-model.js';
import { createSynthesizer, type Synthesizer } from '../models/synthesizers.js';
import { Rng } from '../tensor/rng.js';
import type { DType } from '../tensor/dtype.js';
import { CopySource } from './copy-source.js';
import { CopyStreamSource } from './copy-stream.js';
import { LmSource } from './lm-source.js';
import type { RunConfig } from './config.js';

/** What every task's run has. */
interface RunCommon {
  cfg: RunConfig;
  synth: Synthesizer | null;
  /** the RNG of the run: initialisation first, then everything random during training */
  rng: Rng;
}

/** charlm, wordlm: a language model over a token stream, with held-out splits. */
export interface LmRun extends RunCommon {
  kind: 'lm';
  model: LstmLm;
  source: LmSource;
  vocab: string[];
  valid: Batched | null;
  test: Batched | null;
  /** tokens of the training stream */
  trainTokens: number;
}

/** copy, repeat-copy: the copy model on generated episodes, with the curriculum. */
export interface CopyRun extends RunCommon {
  kind: 'copy';
  model: CopyModel;
  /** copy.stream: one endless stream of episodes per row (§12), else episodes from a zero state (§8) */
  source: CopySource | CopyStreamSource;
}

/** What buildRun (and setupRun) make of a configuration: a language-model run or a copy-task run (see `kind`). */
export type RunSetup = LmRun | CopyRun;

/**
 * The run of `cfg` (without --init weights); `corpus` is the language-model
 * tasks' corpus (null for the copy tasks). `dtype` float64 is for checks.
 */
export function buildRun(cfg: RunConfig, corpus: CharCorpus | WordCorpus | null, log: (line: string) => void = () => {}, dtype: DType = 'float32'): RunSetup {
  const rng = new Rng(cfg.seed);
  // the draws happen in this order (model, synthesizer, first episode): a resumed or compared run depends on it
  if (cfg.task === 'charlm' || cfg.task === 'wordlm') {
    if (!corpus) throw new Error(`buildRun: task ${cfg.task} needs a corpus`);
    const train = batchify(corpus.train, cfg.batch, 'training');
    let valid: Batched | null = null, test: Batched | null = null;
    if (corpus.valid && corpus.valid.length >= 2 * cfg.eval.batch) valid = batchify(corpus.valid, cfg.eval.batch, 'validation');
    else if (corpus.valid) log(`note: the validation split (${corpus.valid.length} tokens) is too short for eval batch ${cfg.eval.batch}; no validation`);
    if (corpus.test && corpus.test.length >= 2 * cfg.eval.batch) test = batchify(corpus.test, cfg.eval.batch, 'test');
    const model = new LstmLm({ vocab: corpus.vocab.length, embed: cfg.embed, hidden: cfg.hidden, tied: cfg.tied, aux: withAux(cfg) }, dtype);
    model.params.initUniform(rng, cfg.init_range);
    const synth = createSynth(cfg, model.stateSize, rng, dtype, corpus.vocab.length);
    const source = new LmSource(model, train, cfg.bptt);
    return { kind: 'lm', cfg, model, source, synth, rng, vocab: corpus.vocab, valid, test, trainTokens: corpus.train.length };
  }
  const { inWidth, outWidth } = copyWidths(cfg.task, cfg.copy.width);
  const model = new CopyModel(inWidth, outWidth, cfg.hidden, dtype, withAux(cfg));
  model.params.initUniform(rng, cfg.init_range);
  const synth = createSynth(cfg, model.stateSize, rng, dtype);
  const Source = cfg.copy.stream ? CopyStreamSource : CopySource;
  const source = new Source(cfg.task, model, cfg.copy, cfg.batch, cfg.bptt, rng);
  return { kind: 'copy', cfg, model, source, synth, rng };
}

/** DNI + Aux (docs/algorithm.md §13): the model gets the aux head when its weight is positive. */
function withAux(cfg: RunConfig): boolean {
  return (cfg.synthesizer?.aux ?? 0) > 0;
}

function createSynth(cfg: RunConfig, stateSize: number, rng: Rng, dtype: DType, vocab = 0): Synthesizer | null {
  return cfg.synthesizer ? createSynthesizer(cfg.synthesizer, stateSize, rng, cfg.init_range, dtype, vocab) : null;
}
