// The benchmark's char-LSTM language model: its sizes, a random-text corpus, and
// our trainer's step on a given backend.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveConfig } from '../../src/train/config.js';
import { setBackend, type Backend } from '../../src/backends/backend.js';
import { setupRun } from '../../src/train/setup.js';
import { Trainer } from '../../src/train/trainer.js';
import { Rng } from '../../src/tensor/rng.js';
import type { StepFn } from './timing.js';

export const LM = { V: 65, E: 64, B: 32, T: 32 };
/** 65 symbols: the corpus is uniform random text over exactly V characters. */
const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?'-\n".slice(0, LM.V);

/** A random text of `chars` characters over exactly the benchmark's V symbols, written to dir; returns its path. */
export function writeCorpus(dir: string, chars: number): string {
  const rng = new Rng(12345);
  let s = '';
  const parts: string[] = [];
  for (let i = 0; i < chars; i++) {
    s += ALPHABET[rng.int(LM.V)];
    if (s.length >= 4096) parts.push(s), (s = '');
  }
  parts.push(s);
  const file = path.join(dir, 'random-text.txt');
  fs.writeFileSync(file, parts.join(''));
  return file;
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
  return trainerOn(raw, path.dirname(corpus), b);
}

/** The trainer of the configuration `raw` (paths relative to baseDir), its parameters built for backend `b`. */
export function trainerOn(raw: Record<string, unknown>, baseDir: string, b: Backend): Trainer {
  const cfg = resolveConfig(raw, { baseDir, source: 'bench' });
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
export function makeOurStep(corpus: string, hidden: number, policy: 'bptt' | 'dni', b: Backend, settle = true): StepFn {
  return stepOn(benchTrainer(corpus, hidden, policy, b), b, settle);
}

/** `trainer.stepOnce()` with backend `b` selected, as a StepFn (see makeOurStep for `settle`). */
export function stepOn(trainer: Trainer, b: Backend, settle = true): StepFn {
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

