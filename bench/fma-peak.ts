// What this CPU's WebAssembly engine allows fused multiply-add to gain, without
// the product kernel's memory traffic: the ceiling behind issue 16's "fused ≥ 1.5×
// unfused" (docs/performance.md, "How much fused multiply-add can gain here").
//
// Two register-only loops, each with K independent chains of f32x4 multiply-adds,
// fused (relaxed_madd) against unfused (mul then add), timed in alternation:
//   chain  acc = acc·m + c   the multiply on the chain: with K large enough that the
//                            latency is hidden, the ALUs' throughput alone decides
//   tile   acc += a·b        the product kernel's inner loop (R rows × 2 vectors of
//                            accumulators, a broadcast and b loaded from L1 each
//                            depth step), R = 4 is the kernel's 4×8 tile
// 8 flop per f32x4 multiply-add.
//   node dist/bench/fma-peak.js [rounds=11]
// Needs an engine whose relaxed_madd fuses (Node 22 or later).
import * as os from 'node:os';
import { fmaAvailable } from '../src/backends/wasm/variant.js';
import { alternatingMedians } from './lib/timing.js';
import { chainKernel, instantiate, tileKernel, UNROLL } from './lib/peak-kernels.js';

interface Case { label: string; madds: number; fused?: (n: number) => void; plain: (n: number) => void }

if (!fmaAvailable()) {
  console.error(`fma-peak: this engine (Node ${process.version}) has no fused relaxed_madd: run it on Node 22 or later`);
  process.exit(2);
}
const rounds = Number(process.argv[2] ?? 11);
const cases: Case[] = [];
for (const k of [1, 2, 4, 8, 12]) {
  cases.push({ label: `chain, K ${k}`, madds: k * UNROLL, ...instantiate((f) => chainKernel(k, f)) });
}
for (const r of [1, 2, 3, 4, 5, 6]) {
  cases.push({ label: `tile ${r}×8${r === 4 ? ' (the kernel\'s)' : ''}`, madds: 2 * r * UNROLL, ...instantiate((f) => tileKernel(r, f)) });
}

console.log(`${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log('loop           fused GFLOP/s  unfused GFLOP/s  fused / unfused');
for (const c of cases) {
  // about 40 ms a call at 30 GFLOP/s
  const trips = Math.round(150e6 / c.madds);
  const [f, p] = alternatingMedians([{ step: () => c.fused!(trips), dispose: () => {} }, { step: () => c.plain(trips), dispose: () => {} }], 0, rounds, 2);
  const gf = (ms: number) => (8 * c.madds * trips) / ms / 1e6;
  console.log(`${c.label.padEnd(22)} ${gf(f!).toFixed(1).padStart(6)}  ${gf(p!).toFixed(1).padStart(15)}  ${(p! / f!).toFixed(2).padStart(15)}x`);
}
