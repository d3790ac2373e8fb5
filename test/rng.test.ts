import { describe, expect, it } from 'vitest';
import { Rng } from '../src/tensor/rng.js';

describe('Rng', () => {
  it('is reproducible from a seed and differs across seeds', () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const xa = Array.from({ length: 10 }, () => a.nextU32());
    const xb = Array.from({ length: 10 }, () => b.nextU32());
    const xc = Array.from({ length: 10 }, () => c.nextU32());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
  });
  it('restores its state exactly', () => {
    const a = new Rng(7);
    a.normal();
    const st = a.getState();
    const x = [a.normal(), a.uniform(), a.normal()];
    const b = new Rng(0);
    b.setState(JSON.parse(JSON.stringify(st)));
    expect([b.normal(), b.uniform(), b.normal()]).toEqual(x);
  });
  it('has plausible moments', () => {
    const r = new Rng(1);
    let s = 0, s2 = 0, u = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) { const z = r.normal(); s += z; s2 += z * z; u += r.uniform(); }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
    expect(Math.abs(u / n - 0.5)).toBeLessThan(0.01);
  });
});
