// From a resolved configuration to the objects of a run: data, model,
// synthesizer and the chunk source the trainer steps through.
import { batchify, loadCorpus, type Batched } from '../data/index.js';
import { copyWidths } from '../data/copy-task.js';
import { LstmLm } from '../models/lstm-lm.js';
import { CopyModel } from '../models/copy-model.js';
import { createSynthesizer, type Synthesizer } from '../models/synthesizers.js';
import type { ParamSet } from '../models/params.js';
import { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { readFileBytes } from '../io/atomic-file.js';
import { CheckpointMismatchError, decodeCheckpoint, loadParams, RESUME_PREFIXES } from './checkpoint.js';
import { CopySource } from './copy-source.js';
import { lmChunkSource, type ChunkSource } from './trainer.js';
import type { RunConfig } from './config.js';

export interface RunSetup {
  cfg: RunConfig;
  /** the language model (charlm, wordlm) */
  lm: LstmLm | null;
  /** the copy model (copy, repeat-copy) */
  copyModel: CopyModel | null;
  params: ParamSet;
  synth: Synthesizer | null;
  source: ChunkSource;
  copySource: CopySource | null;
  vocab: string[] | null;
  valid: Batched | null;
  test: Batched | null;
  /** tokens of the training stream (LM tasks) */
  trainTokens: number;
  /** the RNG of the run: initialisation first, then everything random during training */
  rng: Rng;
  /** names under which the model is saved (a tied decoder is saved under both of its names) */
  aliases: Record<string, string>;
}

/** `dtype` float64 is for checks (finite differences); runs use float32. */
export function setupRun(cfg: RunConfig, log: (line: string) => void = () => {}, dtype: DType = 'float32'): RunSetup {
  const rng = new Rng(cfg.seed);
  let lm: LstmLm | null = null, copyModel: CopyModel | null = null, copySource: CopySource | null = null;
  let source: ChunkSource;
  let vocab: string[] | null = null, valid: Batched | null = null, test: Batched | null = null;
  let trainTokens = 0;
  let params: ParamSet;
  const withAux = (cfg.synthesizer?.aux ?? 0) > 0;
  if (cfg.task === 'charlm' || cfg.task === 'wordlm') {
    const loaded = loadCorpus(cfg.task, cfg.data!, cfg.split);
    const corpus = loaded.corpus;
    vocab = corpus.vocab;
    const train = batchify(corpus.train, cfg.batch, 'training');
    if (corpus.valid && corpus.valid.length >= 2 * cfg.eval.batch) valid = batchify(corpus.valid, cfg.eval.batch, 'validation');
    else if (corpus.valid) log(`note: the validation split (${corpus.valid.length} tokens) is too short for eval batch ${cfg.eval.batch}; no validation`);
    if (corpus.test && corpus.test.length >= 2 * cfg.eval.batch) test = batchify(corpus.test, cfg.eval.batch, 'test');
    trainTokens = corpus.train.length;
    lm = new LstmLm({ vocab: vocab.length, embed: cfg.embed, hidden: cfg.hidden, tied: cfg.tied, aux: withAux }, dtype);
    params = lm.params;
    params.initUniform(rng, cfg.init_range);
    source = lmChunkSource(lm, train, cfg.bptt);
  } else {
    const { inWidth, outWidth } = copyWidths(cfg.task, cfg.copy.width);
    copyModel = new CopyModel(inWidth, outWidth, cfg.hidden, dtype, withAux);
    params = copyModel.params;
    params.initUniform(rng, cfg.init_range);
  }
  const stateSize = lm ? lm.stateSize : copyModel!.stateSize;
  const synth = cfg.synthesizer ? createSynthesizer(cfg.synthesizer, stateSize, rng, cfg.init_range, dtype) : null;
  if (copyModel) {
    copySource = new CopySource(cfg.task as 'copy' | 'repeat-copy', copyModel, cfg.copy, cfg.batch, cfg.bptt, rng);
    source = copySource;
  }
  const aliases: Record<string, string> = cfg.tied ? { 'decoder.weight': 'encoder.weight' } : {};
  const setup: RunSetup = { cfg, lm, copyModel, params, synth, source: source!, copySource, vocab, valid, test, trainTokens, rng, aliases };
  if (cfg.init) loadInitialWeights(setup, cfg.init, log);
  return setup;
}

/**
 * `--init FILE`: initial weights by their PyTorch names (CONFIG.md). Model tensors
 * must all be there with their shapes; the synthesizer's may be absent (it keeps its
 * own initialisation) but not partial; a tied model's decoder.weight, if present,
 * must equal encoder.weight; any other tensor is an error that names it.
 */
export function loadInitialWeights(setup: RunSetup, file: string, log: (line: string) => void): void {
  const { tensors } = decodeCheckpoint(readFileBytes(file), file);
  const source = `--init ${file}`;
  const known = new Set<string>([...setup.params.names, ...Object.keys(setup.aliases)]);
  const synthNames = setup.synth ? setup.synth.params.names : [];
  for (const name of tensors.keys()) {
    if (known.has(name) || synthNames.includes(name) || RESUME_PREFIXES.some((p) => name.startsWith(p))) continue;
    if (name.startsWith('synthesizer') && !setup.synth) {
      log(`note: ${source}: ignoring ${name} (no synthesizer is configured)`);
      continue;
    }
    throw new CheckpointMismatchError(`${source}: unexpected tensor ${name}: the configured model has no parameter of that name (expected: ${[...known, ...synthNames].join(', ')})`);
  }
  loadParams(setup.params, tensors, source);
  for (const [alias, of] of Object.entries(setup.aliases)) {
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

function sameValues(a: Tensor, b: Tensor): boolean {
  if (a.size !== b.size) return false;
  for (let i = 0; i < a.size; i++) if (Math.fround(a.data[i]!) !== Math.fround(b.data[i]!)) return false;
  return true;
}
