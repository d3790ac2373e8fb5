// Batchify and truncated-BPTT chunks (docs/algorithm.md §1 and §9 "Data").
//
// A stream of N ids and a batch size B give L = floor(N/B); the first B·L ids
// are kept and stream b (0-based) is ids[b·L .. (b+1)·L). Step t of the batch
// is the column (ids[0·L+t], ids[1·L+t], …, ids[(B−1)·L+t]).
//
// Storage is TIME-MAJOR: `data[t*B + b] = ids[b*L + t]`, so the B ids of step
// t are the contiguous slice data[t*B .. (t+1)*B), and a chunk of steps is one
// contiguous slice too.
//
// With truncation length T there are C = ceil((L−1)/T) chunks per epoch;
// chunk k has inputs at steps kT … kT+len−1 and targets at kT+1 … kT+len,
// len = min(T, L−1−kT) (the last chunk may be shorter).
//
// Pure functions; no Node imports.

import { DataError } from './vocab.js';

/** A batchified id stream: L steps of B ids, time-major (`data[t*B + b] = ids[b*L + t]`). */
export interface Batched {
  /** Steps per stream: floor(N / B). */
  L: number;
  /** Batch size: the number of parallel streams. */
  B: number;
  /** L·B ids, time-major: data[t*B + b] is step t of stream b, i.e. ids[b*L + t]. */
  data: Int32Array;
}

/** The steps of one chunk: inputs at steps start … start+len−1, targets one step later. */
export interface ChunkBounds {
  start: number;
  len: number;
}

function checkPositiveInt(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${what} must be a positive integer, got ${String(v)}`);
}

/**
 * Lays out `ids` as B parallel streams of L = floor(N/B) steps (see the file
 * comment); the last N − B·L ids are dropped. Throws DataError naming the
 * split if L < 2 (a stream needs at least one input/target pair, so at least
 * 2·B ids are needed); RangeError if B is not a positive integer.
 */
export function batchify(ids: Int32Array, B: number, split = 'data'): Batched {
  checkPositiveInt('batch size B', B);
  const N = ids.length;
  const L = Math.floor(N / B);
  if (L < 2) {
    throw new DataError(
      `the ${split} stream of ${N} ids is too short for batch size ${B}: batchify gives L = floor(${N}/${B}) = ${L} ` +
        `steps per stream, but at least 2 are needed (one input and its target); need at least 2·B = ${2 * B} ids ` +
        `(use more ${split} data or a smaller batch size)`,
    );
  }
  const data = new Int32Array(L * B);
  for (let b = 0; b < B; b++) {
    const base = b * L;
    for (let t = 0; t < L; t++) data[t * B + b] = ids[base + t]!;
  }
  return { L, B, data };
}

/** Chunks per epoch: C = ceil((L−1)/T). */
export function chunkCount(L: number, T: number): number {
  checkPositiveInt('truncation length T', T);
  if (!Number.isInteger(L) || L < 1) throw new RangeError(`L must be a positive integer, got ${String(L)}`);
  return Math.ceil((L - 1) / T);
}

/** Chunk k: `{start: k·T, len: min(T, L−1−k·T)}`. RangeError unless 0 ≤ k < chunkCount(L, T). */
export function chunkBounds(k: number, L: number, T: number): ChunkBounds {
  const C = chunkCount(L, T);
  if (!Number.isInteger(k) || k < 0 || k >= C) {
    throw new RangeError(`chunk index ${String(k)} out of range: L = ${L}, T = ${T} give ${C} chunks`);
  }
  const start = k * T;
  return { start, len: Math.min(T, L - 1 - start) };
}

function fill(batch: Batched, step0: number, len: number, out: Int32Array | undefined, what: string): Int32Array {
  const n = len * batch.B;
  if (!Number.isInteger(len) || len < 0 || !Number.isInteger(step0) || step0 < 0 || step0 + len > batch.L) {
    throw new RangeError(`${what}: steps ${step0} … ${step0 + len - 1} are outside 0 … ${batch.L - 1}`);
  }
  const src = batch.data.subarray(step0 * batch.B, step0 * batch.B + n);
  if (out === undefined) return src.slice();
  if (out.length < n) throw new RangeError(`${what}: output buffer holds ${out.length} ids, need len·B = ${n}`);
  out.set(src);
  return out.length === n ? out : out.subarray(0, n);
}

/**
 * The input ids of a chunk, time-major `[len·B]`: element `i*B + b` is step
 * `start+i` of stream b. Writes into `out` (which needs at least len·B
 * elements; a longer buffer, e.g. one of T·B reused for the short last chunk,
 * is filled at the front) and returns the filled len·B view; allocates when
 * `out` is omitted.
 */
export function chunkInputs(batch: Batched, chunk: ChunkBounds, out?: Int32Array): Int32Array {
  return fill(batch, chunk.start, chunk.len, out, 'chunkInputs');
}

/** The target ids of a chunk: as chunkInputs, one step later (steps start+1 … start+len). */
export function chunkTargets(batch: Batched, chunk: ChunkBounds, out?: Int32Array): Int32Array {
  return fill(batch, chunk.start + 1, chunk.len, out, 'chunkTargets');
}
