// From a resolved configuration to the objects of a run: the corpus read from
// disk, then build-run.ts, then the --init weights.
import { loadCorpus } from '../data/load.js';
import type { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { readFileBytes } from '../io/atomic-file.js';
import { CheckpointMismatchError, decodeCheckpoint, loadParams, RESUME_PREFIXES } from './checkpoint.js';
import { buildRun, type RunSetup } from './build-run.js';
import type { RunConfig } from './config.js';

export type { CopyRun, LmRun, RunSetup } from './build-run.js';

/**
 * `dtype` float64 is for checks (finite differences); runs use float32.
 * `beforeAlloc` sees the data's sizes once the corpus is read, before the model
 * and the batches are allocated (the run's memory check throws from there).
 */
export function setupRun(cfg: RunConfig, log: (line: string) => void = () => {}, dtype: DType = 'float32',
  beforeAlloc?: (sizes: { vocab: number; trainTokens: number }) => void): RunSetup {
  const lm = cfg.task === 'charlm' || cfg.task === 'wordlm';
  const corpus = lm ? loadCorpus(cfg.task as 'charlm' | 'wordlm', cfg.data!, cfg.split).corpus : null;
  beforeAlloc?.(corpus ? { vocab: corpus.vocab.length, trainTokens: corpus.train.length } : { vocab: 0, trainTokens: 0 });
  const setup = buildRun(cfg, corpus, log, dtype);
  if (cfg.init) loadInitialWeights(setup, cfg.init, log);
  return setup;
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
