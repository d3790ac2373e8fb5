// The scratch pool behind Backend.scratch, and the LSTM op's use of it: buffers
// come back once backward has read them (or at once when nothing was recorded),
// and a buffer is never handed out twice while in use.
import { describe, expect, it } from 'vitest';
import { NO_REUSE, ScratchPool } from '../../src/backends/scratch.js';
import { allocate, allocateShared } from '../../src/tensor/dtype.js';
import { backend, setBackend, type Backend } from '../../src/backends/backend.js';
import { cpuBackend } from '../../src/backends/cpu/index.js';
import { backward, lstmSequence, noGrad, sum, Var } from '../../src/autograd/index.js';
import { Tensor } from '../../src/tensor/index.js';

describe('ScratchPool', () => {
  it('reuses a given-back buffer of the same dtype and length, and only that', () => {
    const pool = new ScratchPool(allocate);
    const a = pool.take('float32', 8);
    expect(a).toBeInstanceOf(Float32Array);
    expect(pool.take('float32', 8)).not.toBe(a); // a is still lent
    pool.give(a);
    expect(pool.take('float64', 8)).not.toBe(a);
    expect(pool.take('float32', 9)).not.toBe(a);
    expect(pool.take('float32', 8)).toBe(a);
  });

  it('ignores buffers it did not lend and a second give of the same buffer', () => {
    const pool = new ScratchPool(allocate);
    pool.give(new Float32Array(4));
    const fresh = pool.take('float32', 4);
    pool.give(fresh);
    pool.give(fresh);
    const x = pool.take('float32', 4), y = pool.take('float32', 4);
    expect(x).toBe(fresh);
    expect(y).not.toBe(fresh); // given twice, still handed out once
  });

  it('makes its buffers with the allocator it was given (shared memory for the threaded backend)', () => {
    const pool = new ScratchPool(allocateShared);
    expect(pool.take('float32', 4).buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});

describe('lstmSequence and the backend scratch', () => {
  /** The CPU backend with a pool that records what it lends and gets back. */
  function recording(): { b: Backend; taken: Float32Array[]; given: Float32Array[] } {
    const pool = new ScratchPool(allocate);
    const taken: Float32Array[] = [], given: Float32Array[] = [];
    const scratch = {
      take: (d: 'float32' | 'float64', n: number) => { const x = pool.take(d, n) as Float32Array; taken.push(x); return x; },
      give: (x: Float32Array | Float64Array) => { given.push(x as Float32Array); pool.give(x); },
    };
    return { b: { ...cpuBackend, scratch }, taken, given };
  }
  const leaf = (shape: number[], k: number, grad = true) => new Var(Tensor.from(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i + k) * 0.5), shape), grad);

  function run(T: number, B: number, D: number, H: number): { loss: number; grads: number[][] } {
    const w = { wih: leaf([4 * H, D], 1), whh: leaf([4 * H, H], 2), bih: leaf([4 * H], 3), bhh: leaf([4 * H], 4) };
    const x = leaf([T * B, D], 5), h0 = leaf([B, H], 6), c0 = leaf([B, H], 7);
    const [hs, hT, cT] = lstmSequence(x, h0, c0, w, T);
    const loss = sum(hs);
    backward([loss, hT, cT]);
    return { loss: loss.item(), grads: [x, h0, c0, w.wih, w.whh, w.bih, w.bhh].map((v) => Array.from(v.grad!.data)) };
  }

  it('gives back gates, c and the dh buffer after backward, and the results equal those with fresh buffers', () => {
    const { b, taken, given } = recording();
    const plain = run(3, 2, 3, 4); // the default CPU backend (its own pool)
    const prev = setBackend(b);
    try {
      const first = run(3, 2, 3, 4);
      expect(taken.length).toBe(3); // gates, cs, dhs
      expect(new Set(given)).toEqual(new Set(taken));
      const second = run(3, 2, 3, 4); // the same buffers again, holding the first run's values
      expect(taken.slice(3)).toEqual(expect.arrayContaining(taken.slice(0, 3)));
      expect(second).toEqual(first);
      setBackend({ ...cpuBackend, scratch: NO_REUSE });
      expect(run(3, 2, 3, 4)).toEqual(first);
      expect(plain).toEqual(first);
    } finally {
      setBackend(prev);
    }
  });

  it('gives gates and c back at once when nothing is recorded, and keeps them until backward otherwise', () => {
    const { b, taken, given } = recording();
    const prev = setBackend(b);
    try {
      const w = { wih: leaf([8, 2], 1), whh: leaf([8, 2], 2), bih: leaf([8], 3), bhh: leaf([8], 4) };
      noGrad(() => lstmSequence(leaf([2, 2], 5), leaf([1, 2], 6), leaf([1, 2], 7), w, 2));
      expect(given).toEqual(taken);
      const [hs] = lstmSequence(leaf([2, 2], 5), leaf([1, 2], 6), leaf([1, 2], 7), w, 2);
      expect(given.length).toBe(2); // the recorded forward's buffers stay lent
      backward([sum(hs)]);
      expect(given.length).toBe(5);
      expect(backend()).toBe(b);
    } finally {
      setBackend(prev);
    }
  });
});
