// Reusable buffers for an op's large intermediates (an LSTM chunk's gates and
// cell states, kept from forward for backward): taken from a free list and given
// back once the op's backward has read them, so a training step neither allocates
// (and zero-fills, and collects) them again nor, on the threaded backend, copies
// them to its workers: there they are SharedArrayBuffers that every thread uses in place.
import { allocate, dtypeOf, type DType, type FloatArray } from '../tensor/dtype.js';

export interface Scratch {
  /** n elements of `dtype`; their contents are whatever the last user left (the op writes every element). */
  take(dtype: DType, n: number): FloatArray;
  /** Returns a buffer from take once nothing will read or write it again; anything else is ignored. */
  give(x: FloatArray): void;
}

/** Free buffers kept per (dtype, length): more than a few layers' worth in flight is unusual. */
const KEEP = 16;

const keyOf = (dtype: DType, n: number) => `${dtype}:${n}`;

export class ScratchPool implements Scratch {
  private readonly free = new Map<string, FloatArray[]>();
  private readonly lent = new WeakSet<FloatArray>();

  /** `make` allocates a new buffer when none of that size is free. */
  constructor(private readonly make: (dtype: DType, n: number) => FloatArray) {}

  take(dtype: DType, n: number): FloatArray {
    const x = this.free.get(keyOf(dtype, n))?.pop() ?? this.make(dtype, n);
    this.lent.add(x);
    return x;
  }

  give(x: FloatArray): void {
    if (!this.lent.has(x)) return; // not ours, or given twice
    this.lent.delete(x);
    const key = keyOf(dtypeOf(x), x.length);
    const list = this.free.get(key) ?? [];
    if (list.length < KEEP) list.push(x);
    this.free.set(key, list);
  }
}

/** A new zeroed buffer on every take (for a backend that tracks buffers by identity). */
export const NO_REUSE: Scratch = { take: allocate, give: () => {} };
