// The LSTM step with the product and the gates in one WebAssembly memory
// (src/backends/wasm/lstm-step-simd.ts) gives exactly the bits of the separate calls
// (the pinned product, then the gate kernels in their own memory), for every SIMD
// variant this engine has, and leaves the next product's operands as they were.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matmulSimd, matmulSimdPinned, simdPinB } from '../../src/backends/wasm/matmul-simd.js';
import { gatesBackwardSimd, gatesForwardSimd } from '../../src/backends/wasm/lstm-gates-simd.js';
import { lstmBackwardStepSimd, lstmForwardStepSimd } from '../../src/backends/wasm/lstm-step-simd.js';
import { isFused, isSimd, kernelsHere } from '../../src/backends/wasm/variant.js';

const variants = kernelsHere().filter(isSimd);

function rand(seed: number): (n: number, scale?: number) => Float32Array {
  let s = seed >>> 0 || 1;
  return (n, scale = 1) => Float32Array.from({ length: n }, () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return ((s / 4294967296) * 2 - 1) * scale;
  });
}

const same = (what: string, got: Float32Array, want: Float32Array) => {
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) expect.fail(`${what}[${i}] = ${got[i]}, separate calls ${want[i]}`);
};

describe.skipIf(variants.length === 0)('LSTM step, product and gates in one memory', () => {
  const shapes = fc.record({ n: fc.integer({ min: 1, max: 37 }), H4: fc.integer({ min: 1, max: 24 }), seed: fc.integer({ min: 1, max: 1e9 }), v: fc.integer({ min: 0, max: variants.length - 1 }) });

  it('forward: z, c and h as the pinned product then gatesForwardSimd', () => {
    fc.assert(fc.property(shapes, ({ n, H4, seed, v }) => {
      const H = 4 * H4, G = 4 * H, fused = isFused(variants[v]!), r = rand(seed);
      const whh = r(G * H, 0.3), hPrev = r(n * H), z0 = r(n * G), cPrev = r(n * H);
      simdPinB(whh, H, G, true);
      const z = z0.slice(), c = new Float32Array(n * H), h = new Float32Array(n * H);
      lstmForwardStepSimd(hPrev, z, cPrev, c, h, n, H, fused);
      const zs = z0.slice(), cs = new Float32Array(n * H), hs = new Float32Array(n * H);
      matmulSimdPinned(hPrev, zs, n, false, true, fused);
      gatesForwardSimd(zs, 0, cPrev, 0, cs, hs, 0, n, H, fused);
      same('gates', z, zs);
      same('c', c, cs);
      same('h', h, hs);
      // one more product from the same pin: the step left the pinned W_hh as it was
      const x = r(n * H), p1 = new Float32Array(n * G), p2 = new Float32Array(n * G);
      matmulSimdPinned(x, p1, n, false, false, fused);
      matmulSimd(x, whh, p2, n, H, G, false, true, false, fused);
      same('product after the step', p1, p2);
    }), { numRuns: 40 });
  });

  it('backward: dz, dc·f and dh = dz·W_hh as gatesBackwardSimd then the pinned product', () => {
    fc.assert(fc.property(shapes, ({ n, H4, seed, v }) => {
      const H = 4 * H4, G = 4 * H, fused = isFused(variants[v]!), r = rand(seed);
      const whh = r(G * H, 0.3), gates = r(n * G).map((x) => 0.5 + 0.4 * x), cs = r(n * H), cPrev = r(n * H), dhs = r(n * H), dh0 = r(n * H), dc0 = r(n * H);
      simdPinB(whh, G, H, false);
      const dz = new Float32Array(n * G).fill(NaN), dh = dh0.slice(), dc = dc0.slice();
      lstmBackwardStepSimd(gates, cs, cPrev, dhs, dh, dc, dz, n, H, fused);
      const dzs = new Float32Array(n * G), dhS = dh0.slice(), dcS = dc0.slice();
      gatesBackwardSimd(0, n, H, gates, cs, cPrev, 0, dhs, dhS, dcS, 0, dzs, fused);
      matmulSimdPinned(dzs, dhS, n, false, false, fused);
      same('dz', dz, dzs);
      same('dc', dc, dcS);
      same('dh', dh, dhS);
    }), { numRuns: 40 });
  });
});
