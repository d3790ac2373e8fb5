import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchify, chunkBounds, chunkCount, chunkInputs, chunkTargets } from '../../src/data/batch.js';
import { DataError } from '../../src/data/vocab.js';

const range = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);

describe('batchify', () => {
  it('lays out B streams of L steps, time-major', () => {
    // N = 11, B = 3: L = 3, ids 9 and 10 dropped; streams [0 1 2], [3 4 5], [6 7 8].
    const b = batchify(range(11), 3, 'train');
    expect(b.L).toBe(3);
    expect(b.B).toBe(3);
    // step t is the column (ids[0L+t], ids[1L+t], ids[2L+t]), stored at data[t*B .. t*B+B).
    expect(Array.from(b.data)).toEqual([0, 3, 6, 1, 4, 7, 2, 5, 8]);
  });

  it('B = 1 keeps the stream as it is', () => {
    expect(Array.from(batchify(range(5), 1).data)).toEqual([0, 1, 2, 3, 4]);
  });

  it('rejects a stream with L < 2, naming the split and the minimum', () => {
    expect(() => batchify(range(7), 4, 'valid')).toThrow(DataError);
    try {
      batchify(range(7), 4, 'valid');
    } catch (e) {
      expect((e as Error).message).toContain('valid');
      expect((e as Error).message).toContain('7 ids');
      expect((e as Error).message).toContain('at least 2·B = 8 ids');
    }
    expect(batchify(range(8), 4).L).toBe(2);
    expect(() => batchify(range(8), 0)).toThrow(RangeError);
    expect(() => batchify(range(8), 1.5)).toThrow(RangeError);
  });

  it('is a bijection of the first B·L ids (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 120 }), (B, N) => {
        if (N < 2 * B) {
          expect(() => batchify(range(N), B)).toThrow(DataError);
          return;
        }
        const { L, data } = batchify(range(N), B);
        expect(L).toBe(Math.floor(N / B));
        expect(data.length).toBe(B * L);
        const seen = new Uint8Array(B * L);
        for (let t = 0; t < L; t++) {
          for (let b = 0; b < B; b++) {
            const id = data[t * B + b]!;
            expect(id).toBe(b * L + t);
            seen[id]!++;
          }
        }
        expect(seen.every((x) => x === 1)).toBe(true);
      }),
    );
  });
});

describe('chunks', () => {
  it('count and bounds, with a short last chunk', () => {
    // L = 10, T = 4: inputs 0..3, 4..7, 8; C = ceil(9/4) = 3.
    expect(chunkCount(10, 4)).toBe(3);
    expect([0, 1, 2].map((k) => chunkBounds(k, 10, 4))).toEqual([
      { start: 0, len: 4 },
      { start: 4, len: 4 },
      { start: 8, len: 1 },
    ]);
    expect(chunkCount(9, 4)).toBe(2); // L−1 = 8: two full chunks
    expect(chunkBounds(1, 9, 4)).toEqual({ start: 4, len: 4 });
    expect(chunkCount(2, 35)).toBe(1);
    expect(chunkBounds(0, 2, 35)).toEqual({ start: 0, len: 1 });
    expect(() => chunkBounds(3, 10, 4)).toThrow(RangeError);
    expect(() => chunkBounds(-1, 10, 4)).toThrow(RangeError);
  });

  it('inputs and targets are time-major, targets one step later', () => {
    const b = batchify(range(10), 2); // L = 5: streams [0..4], [5..9]
    const c0 = chunkBounds(0, 5, 3);
    expect(Array.from(chunkInputs(b, c0))).toEqual([0, 5, 1, 6, 2, 7]);
    expect(Array.from(chunkTargets(b, c0))).toEqual([1, 6, 2, 7, 3, 8]);
    const c1 = chunkBounds(1, 5, 3); // start 3, len 1
    const buf = new Int32Array(3 * 2).fill(-1);
    const x = chunkInputs(b, c1, buf);
    expect(Array.from(x)).toEqual([3, 8]);
    expect(x.buffer).toBe(buf.buffer);
    expect(Array.from(chunkTargets(b, c1, buf))).toEqual([4, 9]);
    expect(() => chunkInputs(b, c0, new Int32Array(5))).toThrow(RangeError);
  });

  it('chunks tile positions 0..L−1 exactly (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 300 }), fc.integer({ min: 1, max: 50 }), (L, T) => {
        const C = chunkCount(L, T);
        expect(C).toBe(Math.ceil((L - 1) / T));
        let next = 0;
        let sum = 0;
        for (let k = 0; k < C; k++) {
          const { start, len } = chunkBounds(k, L, T);
          expect(start).toBe(next);
          expect(len).toBeGreaterThanOrEqual(1);
          expect(len).toBeLessThanOrEqual(T);
          if (k < C - 1) expect(len).toBe(T);
          next = start + len;
          sum += len;
        }
        expect(sum).toBe(L - 1);
        // Inputs cover 0..L−2 and targets 1..L−1: together every position 0..L−1.
        expect(next).toBe(L - 1);
      }),
    );
  });

  it('every id pair (input, target) is consecutive in its stream (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 7 }), (B, extra, T) => {
        const N = 2 * B + extra;
        const b = batchify(range(N), B);
        const buf = new Int32Array(T * B);
        const tbuf = new Int32Array(T * B);
        for (let k = 0; k < chunkCount(b.L, T); k++) {
          const ch = chunkBounds(k, b.L, T);
          const x = chunkInputs(b, ch, buf);
          const y = chunkTargets(b, ch, tbuf);
          expect(x.length).toBe(ch.len * B);
          for (let i = 0; i < x.length; i++) {
            expect(y[i]).toBe(x[i]! + 1);
            expect(x[i]).toBe((i % B) * b.L + ch.start + Math.floor(i / B));
          }
        }
      }),
    );
  });
});
