// The benchmark's pieces outside the timings: its corpus and its report tables.
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LM, writeCorpus } from '../../bench/lib/char-lm.js';
import { formatReport } from '../../bench/lib/format.js';
import type { BenchReport } from '../../bench/lib/results.js';
import { tempDir } from '../train/helpers.js';

describe('bench/lib', () => {
  it('writes a corpus of the asked length over exactly the V symbols, the same text every time', () => {
    const dir = tempDir();
    const text = fs.readFileSync(writeCorpus(dir, 5000), 'utf8');
    expect(text.length).toBe(5000);
    expect(new Set(text).size).toBe(LM.V);
    expect(fs.readFileSync(writeCorpus(dir, 5000), 'utf8')).toBe(text);
  });

  it('formats GFLOP/s, tokens/s, ratios and the reason of an empty cell', () => {
    const row = (ts: number | null, simd: number | null, fma: number | null) => ({ ts, simd, fma, threads: null, 'tfjs-cpu': null, 'tfjs-wasm': 2 });
    const report: BenchReport = {
      machine: { cpu: 'Test CPU', cores: 2, node: 'v0', platform: 'test' },
      command: 'synthgrad bench', threads: 1, simd: true, kernels: 'wasm-simd-fma', timer: 't',
      matmul: [{ M: 2, K: 3, N: 4, gflops: row(1, 8, 16), notes: { threads: '--threads 1' } }],
      training: [{ policy: 'bptt', hidden: 8, msPerStep: row(null, 10, null), tokensPerSec: row(null, 102400, null), notes: { ts: 'skipped (--quick)', fma: 'no fused relaxed SIMD' } }],
      notes: ['hello'],
    };
    const text = formatReport(report);
    expect(text).toMatch(/Node v0, test; threads 1; wasm SIMD yes; default kernels wasm-simd-fma \(the N-threads column's\);/);
    // the best one-thread column is FMA where it was measured, else SIMD
    expect(text).toMatch(/^2×3×4 +1\.00 +8\.00 +16\.00 +--threads 1 +— +2\.00 +2\.00x +8\.0x +— +—$/m);
    expect(text).toMatch(/^H8 bptt +skipped \(--quick\) +102400 +no fused relaxed SIMD +— +— +2 +— +51200\.0x +— +10\.0$/m);
    expect(text).toContain('note: hello');
  });
});
