// From a resolved configuration to the objects of a run: data, model,
// synthesizer and the chunk source the trainer steps through.
import { batchify, loadCorpus, type Batched } from '../data/index.js';
import { copyWidths } from '../data/copy-task.js';
import { LstmLm } from '../models/lstm-lm.js';
import { CopyModel } from '../models/copy-model.js';
import { createSynthesizer, type Synthesizer } from '../models/synthesizers.js';
import { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { readFileBytes } from '../io/atomic-file.js';
import { CheckpointMismatchError, decodeCheckpoint, loadParams, RESUME_PREFIXES } from './checkpoint.js';
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

export type RunSetup = LmRun | CopyRun;

/** `dtype` float64 is for checks (finite differences); runs use float32. */
export function setupRun(cfg: RunConfig, log: (line: string) => void = () => {}, dtype: DType = 'float32'): RunSetup {
  const rng = new Rng(cfg.seed);
  // the draws happen in this order (model, synthesizer, first episode): a resumed or compared run depends on it
  let setup: RunSetup;
  if (cfg.task === 'charlm' || cfg.task === 'wordlm') {
    const { corpus } = loadCorpus(cfg.task, cfg.data!, cfg.split);
    const train = batchify(corpus.train, cfg.batch, 'training');
    let valid: Batched | null = null, test: Batched | null = null;
    if (corpus.valid && corpus.valid.length >= 2 * cfg.eval.batch) valid = batchify(corpus.valid, cfg.eval.batch, 'validation');
    else if (corpus.valid) log(`note: the validation split (${corpus.valid.length} tokens) is too short for eval batch ${cfg.eval.batch}; no validation`);
    if (corpus.test && corpus.test.length >= 2 * cfg.eval.batch) test = batchify(corpus.test, cfg.eval.batch, 'test');
    const model = new LstmLm({ vocab: corpus.vocab.length, embed: cfg.embed, hidden: cfg.hidden, tied: cfg.tied }, dtype);
    model.params.initUniform(rng, cfg.init_range);
    const synth = createSynth(cfg, model.stateSize, rng, dtype);
    const source = new LmSource(model, train, cfg.bptt);
    setup = { kind: 'lm', cfg, model, source, synth, rng, vocab: corpus.vocab, valid, test, trainTokens: corpus.train.length };
  } else {
    const { inWidth, outWidth } = copyWidths(cfg.task, cfg.copy.width);
    const model = new CopyModel(inWidth, outWidth, cfg.hidden, dtype);
    model.params.initUniform(rng, cfg.init_range);
    const synth = createSynth(cfg, model.stateSize, rng, dtype);
    const Source = cfg.copy.stream ? CopyStreamSource : CopySource;
    const source = new Source(cfg.task, model, cfg.copy, cfg.batch, cfg.bptt, rng);
    setup = { kind: 'copy', cfg, model, source, synth, rng };
  }
  if (cfg.init) loadInitialWeights(setup, cfg.init, log);
  return setup;
}

function createSynth(cfg: RunConfig, stateSize: number, rng: Rng, dtype: DType): Synthesizer | null {
  return cfg.synthesizer ? createSynthesizer(cfg.synthesizer, stateSize, rng, cfg.init_range, dtype) : null;
}

/**
 * `--init FILE`: initial weights by their PyTorch names (docs/config.md). Model tensors
 * must all be there with their shapes; the synthesizer's may be absent (it keeps its
 * own initialisation) but not partial; a tied model's decoder.weight, if present,
 * must equal encoder.weight; any other tensor is an error that names it.
 */
export function loadInitialWeights(setup: RunSetup, file: string, log: (line: string) => void): void {
  const { tensors } = decodeCheckpoint(readFileBytes(file), file);
  const source = `--init ${file}`;
  const params = setup.model.params;
  const aliases = aliasesOf(setup);
  const known = new Set<string>([...params.names, ...Object.keys(aliases)]);
  const synthNames = setup.synth ? setup.synth.params.names : [];
  for (const name of tensors.keys()) {
    if (known.has(name) || synthNames.includes(name) || RESUME_PREFIXES.some((p) => name.startsWith(p))) continue;
    if (name.startsWith('synthesizer') && !setup.synth) {
      log(`note: ${source}: ignoring ${name} (no synthesizer is configured)`);
      continue;
    }
    throw new CheckpointMismatchError(`${source}: unexpected tensor ${name}: the configured model has no parameter of that name (expected: ${[...known, ...synthNames].join(', ')})`);
  }
  loadParams(params, tensors, source);
  for (const [alias, of] of Object.entries(aliases)) {
    const t = tensors.get(alias);
    if (t && !sameValues(t, tensors.get(of)!)) {
      throw new CheckpointMismatchError(`${source}: the model is tied, but ${alias} differs from ${of}; a tied model has one matrix for both`);
    }
  }
  if (setup.synth) {
    const present = synthNames.filter((n) => tensors.has(n));
    if (present.length === synthNames.length) loadParams(setup.synth.params, tensors, source);
    else if (present.length > 0) {
      throw new CheckpointMismatchError(`${source}: missing tensor ${synthNames.find((n) => !tensors.has(n))} (the file has some synthesizer tensors but not all)`);
    } else log(`note: ${source} has no synthesizer tensors; the synthesizer keeps its own initialisation (last layer zero)`);
  }
}

/** Second names of a parameter in the model's state dictionary (a tied decoder), each with the parameter it names. */
function aliasesOf(setup: RunSetup): Record<string, string> {
  const params = setup.model.params;
  const out: Record<string, string> = {};
  for (const [name, t] of setup.model.stateDict().tensors) {
    if (!params.has(name)) out[name] = params.names.find((n) => params.get(n).value === t)!;
  }
  return out;
}

function sameValues(a: Tensor, b: Tensor): boolean {
  if (a.size !== b.size) return false;
  for (let i = 0; i < a.size; i++) if (Math.fround(a.data[i]!) !== Math.fround(b.data[i]!)) return false;
  return true;
}
