// The ridge fit's solve (src/backends/cpu/cholesky-solve.ts): float64 WebAssembly SIMD
// against the TypeScript loops, in alternation within one process, on the shape of a
// linear synthesizer of an LSTM with H units (F = 2H + 1 features, S = 2H outputs).
// Both give the same bits (checked here on every call).
//   node dist/bench/ridge-solve.js [hidden=256] [rounds=9]
import { solveSpd } from '../src/backends/cpu/cholesky-solve.js';
import { alternatingMedians } from './lib/timing.js';

const [H, rounds] = [Number(process.argv[2] ?? 256), Number(process.argv[3] ?? 9)];
if (!(Number.isInteger(H) && H >= 1 && Number.isInteger(rounds) && rounds >= 1)) {
  console.error('usage: node dist/bench/ridge-solve.js [hidden=256 (an integer >= 1)] [rounds=9]');
  process.exit(2);
}
const S = 2 * H, F = S + 1, R = 64;
// A = MMᵀ + I (lower triangle), C random: a well-conditioned system of the solve's shape
let seed = 1;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
const M = Float64Array.from({ length: F * R }, rnd);
const A = new Float64Array(F * F);
for (let i = 0; i < F; i++) for (let j = 0; j <= i; j++) {
  let v = i === j ? 1 : 0;
  for (let k = 0; k < R; k++) v += M[i * R + k]! * M[j * R + k]!;
  A[i * F + j] = v;
}
const C = Float64Array.from({ length: F * S }, rnd);
const out = { simd: new Float64Array(0), ts: new Float64Array(0) };
const run = (simd: boolean) => ({
  step: () => {
    const Z = C.slice();
    solveSpd(A.slice(), Z, F, S, simd);
    out[simd ? 'simd' : 'ts'] = Z;
  },
  dispose: () => {},
});
const [simd, ts] = alternatingMedians([run(true), run(false)], 0, rounds);
const same = out.simd.length === out.ts.length && out.simd.every((v, i) => Object.is(v, out.ts[i]));
console.log(`ridge solve, H ${H} (F ${F}, S ${S}), Node ${process.version}: WebAssembly SIMD ${simd!.toFixed(1)} ms, TypeScript ${ts!.toFixed(1)} ms `
  + `(median of ${rounds}), ${(ts! / simd!).toFixed(2)}x; same bits: ${same ? 'yes' : 'NO'}`);
if (!same) process.exit(1);
