// What this CPU's WebAssembly engine allows fused multiply-add to gain, without
// the product kernel's memory traffic: the ceiling behind issue 16's "fused ≥ 1.5×
// unfused" (docs/performance-log.md, "how much fused multiply-add can gain on this
// CPU"; docs/performance.md for the Intel Xeon).
//
// A register-only loop of K independent chains acc = acc·m + c of f32x4
// multiply-adds, fused (relaxed_madd) against unfused (mul then add), timed in
// alternation. With few chains the loop runs at the chain's latency (one fused
// instruction against a multiply then an add); with enough of them, at the vector
// units' throughput. 8 flop per f32x4 multiply-add.
//   node dist/bench/fma-peak.js [rounds=11]
// Needs an engine whose relaxed_madd fuses (Node 22 or later).
import * as os from 'node:os';
import { fmaAvailable } from '../src/backends/wasm/variant.js';
import { alternatingMedians } from './lib/timing.js';
import { chainKernel, instantiate, UNROLL } from './lib/peak-kernels.js';

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

console.log(`${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log('loop         fused GFLOP/s  unfused GFLOP/s  fused / unfused');
for (const c of cases) {
  // about 40 ms a call at 30 GFLOP/s
  const trips = Math.round(150e6 / c.madds);
  const [f, p] = alternatingMedians([{ step: () => c.fused!(trips), dispose: () => {} }, { step: () => c.plain(trips), dispose: () => {} }], 0, rounds, 2);
  const gf = (ms: number) => (8 * c.madds * trips) / ms / 1e6;
  console.log(`${c.label.padEnd(12)} ${gf(f!).toFixed(1).padStart(6)}  ${gf(p!).toFixed(1).padStart(15)}  ${(p! / f!).toFixed(2).padStart(15)}x`);
}
