// Small corpora and configs for trainer tests, written to a temp folder.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'vitest';
import { decodeCheckpoint } from '../../src/train/checkpoint.js';
import { resolveConfig, type RunConfig } from '../../src/train/config.js';
import { CHECKPOINT } from '../../src/train/run.js';
import { Rng } from '../../src/tensor/rng.js';

export function tempDir(prefix = 'synthgrad-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A deterministic English-like text of about `n` characters. */
export function makeText(n: number, seed = 1): string {
  const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'dog', 'ran', 'to', 'it', 'was', 'good', 'not', 'so', 'bad'];
  const rng = new Rng(seed);
  let s = '';
  while (s.length < n) s += words[rng.int(words.length)]! + (rng.uniform() < 0.1 ? '.\n' : ' ');
  return s.slice(0, n);
}

export function writeCorpus(dir: string, n = 1500, name = 'corpus.txt'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, makeText(n));
  return file;
}

/**
 * A tiny charlm config over `data`; `over` is merged at the top level. The lr
 * and clip are given (the defaults before they were measured), so that the
 * expected numbers and checkpoint fixtures made with them still hold.
 */
export function tinyConfig(dir: string, data: string, over: Record<string, unknown> = {}): RunConfig {
  const raw = { task: 'charlm', data, split: null, embed: 8, hidden: [12], batch: 3, bptt: 5, steps: 10, optimizer: { lr: 1e-3 }, clip: null, ...over };
  return resolveConfig(raw, { baseDir: dir, source: 'test' });
}

/** The checkpoint of run directory `dir` holds the state and tensors of `reference`'s, bit for bit. */
export function expectSameCheckpoint(dir: string, reference: string): void {
  const a = decodeCheckpoint(fs.readFileSync(path.join(reference, CHECKPOINT)), reference);
  const b = decodeCheckpoint(fs.readFileSync(path.join(dir, CHECKPOINT)), dir);
  expect(b.state).toEqual(a.state);
  expect([...b.tensors.keys()]).toEqual([...a.tensors.keys()]);
  for (const [n, t] of a.tensors) expect(Array.from(b.tensors.get(n)!.data), n).toEqual(Array.from(t.data));
}
