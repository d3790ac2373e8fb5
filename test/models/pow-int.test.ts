import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { powInt } from '../../src/models/target-normalizer.js';

describe('powInt (the bias correction of the target scale)', () => {
  it('agrees with Math.pow within n ulps (each squaring may double the rounding error), and is exact where the powers are exact', () => {
    fc.assert(fc.property(fc.double({ min: 0.5, max: 1, noNaN: true }), fc.integer({ min: 0, max: 5000 }), (x, n) => {
      const want = Math.pow(x, n);
      expect(Math.abs(powInt(x, n) - want)).toBeLessThanOrEqual((n + 1) * 4e-16 * want + Number.MIN_VALUE);
    }));
    expect(powInt(0.5, 10)).toBe(1 / 1024);
    expect(powInt(0.99, 0)).toBe(1);
    expect(powInt(3, 5)).toBe(243);
  });
});
