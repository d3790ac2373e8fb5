// The benchmark's pieces outside the timings: its corpus, its report tables, and
// how the char-LSTM's PyTorch peer is run (a stand-in Python prints what it would).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LM, writeCorpus } from '../../bench/lib/char-lm.js';
import { formatReport } from '../../bench/lib/format.js';
import type { BenchReport } from '../../bench/lib/results.js';
import { benchTraining } from '../../bench/lib/training.js';
import { fmaAvailable } from '../../src/backends/wasm/variant.js';
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
      training: [{ policy: 'bptt', hidden: 8, msPerStep: row(null, 10, null), tokensPerSec: row(null, 102400, null), notes: { ts: 'skipped (--quick)', fma: 'no fused relaxed SIMD' }, torchMs: [] }],
      torch: null,
      notes: ['hello'],
    };
    const text = formatReport(report);
    expect(text).toMatch(/Node v0, test; threads 1; wasm SIMD yes; default kernels wasm-simd-fma \(the N-threads column's\);/);
    // the best one-thread column is FMA where it was measured, else SIMD
    expect(text).toMatch(/^2×3×4 +1\.00 +8\.00 +16\.00 +--threads 1 +— +2\.00 +2\.00x +8\.0x +— +—$/m);
    expect(text).toMatch(/^H8 bptt +skipped \(--quick\) +102400 +no fused relaxed SIMD +— +— +2 +— +51200\.0x +— +10\.0$/m);
    expect(text).toContain('note: hello');
    expect(text).not.toContain('PyTorch');

    // with the peer: its runs' tokens/s, and best / the mean of its runs
    report.torch = 'torch 0 (1 thread)';
    report.training[0]!.torchMs = [20, 5];
    const withTorch = formatReport(report);
    expect(withTorch).toContain('PyTorch: torch 0 (1 thread)');
    expect(withTorch).toMatch(/^H8 bptt +skipped \(--quick\) +102400 +no fused relaxed SIMD +— +— +2 +51200, 204800 +— +51200\.0x +1\.25x +— +10\.0$/m); // 10 ms against the mean 12.5 ms
  });

  it('runs the PyTorch peer before and after our steps of each H, timed as long as one backend, and says why when it fails', async () => {
    const dir = tempDir();
    const fake = path.join(dir, 'python'), argsFile = path.join(dir, 'args.txt');
    const results = [{ policy: 'bptt', msPerStep: 40 }, { policy: 'dni', msPerStep: 50 }];
    fs.writeFileSync(fake, `#!/bin/sh\necho "$@" >> '${argsFile}'\necho '${JSON.stringify({ torch: 'fake', threads: 1, hidden: 8, results })}'\n`, { mode: 0o755 });
    const tfb = { tf: null, missing: { 'tfjs-cpu': 'not installed', 'tfjs-wasm': 'not installed' } };
    const opts = { quick: true, threads: 1, hiddens: [8], python: fake };
    const { rows, torch } = await benchTraining(opts, tfb, null, () => {});
    expect(torch).toBe('torch fake (1 thread)');
    expect(rows.map((r) => [r.policy, r.torchMs])).toEqual([['bptt', [40, 40]], ['dni', [50, 50]]]);
    expect(rows.every((r) => r.msPerStep.simd! > 0)).toBe(true);
    const calls = fs.readFileSync(argsFile, 'utf8').trim().split('\n');
    expect(calls).toHaveLength(2);
    const ours = fmaAvailable() ? 2 : 1; // one-thread backends timed: SIMD, and FMA where the engine fuses
    for (const c of calls) {
      expect(c).toMatch(/--json --threads 1 --hidden 8 --policy bptt,dni --steps 5 --seconds \S+$/);
      expect(Number(/--seconds (\S+)/.exec(c)![1]) * 1000 * ours).toBeCloseTo(1500, 6);
      expect(c).toMatch(/bench\/torch_lstm\.py /);
    }
    // a Python that fails: no PyTorch figures, and the reason in place of the version
    fs.writeFileSync(fake, '#!/bin/sh\necho "No module named torch" >&2\nexit 1\n', { mode: 0o755 });
    const failed = await benchTraining(opts, tfb, null, () => {});
    expect(failed.torch).toMatch(/torch_lstm\.py failed \(exit 1\): No module named torch/);
    expect(failed.rows.every((r) => r.torchMs.length === 0)).toBe(true);
    const none = await benchTraining({ ...opts, python: null }, tfb, null, () => {});
    expect(none.torch).toBeNull();
  });
});
