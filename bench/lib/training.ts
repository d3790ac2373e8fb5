// Char-LSTM training tokens/s: our trainer with each kernel variant and on N
// threads, the same model and step in tfjs, and (with a Python) in PyTorch
// (bench/torch_lstm.py, run right before and right after our steps of each H).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createCpuBackend } from '../../src/backends/cpu/index.js';
import { fmaAvailable } from '../../src/backends/wasm/variant.js';
import type { ThreadedBackend } from '../../src/backends/threads/index.js';
import type { Backend } from '../../src/backends/backend.js';
import { emptyRow, IMPLS, type BenchOptions, type Impl, type TrainResult } from './results.js';
import { alternatingMedians, timePair } from './timing.js';
import { makeTfStep, useTfBackend, type TfBackends } from './tfjs.js';
import { LM, makeOurStep, writeCorpus } from './char-lm.js';
import { TorchPeer } from './torch-peer.js';

/** The rows of each H and policy, and what became of the PyTorch peer (null: not asked for). */
export async function benchTraining(opts: BenchOptions, tfb: TfBackends, pool: ThreadedBackend | null, log: (l: string) => void): Promise<{ rows: TrainResult[]; torch: string | null }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthgrad-bench-'));
  const out: TrainResult[] = [];
  const peer = opts.python ? new TorchPeer<{ policy: 'bptt' | 'dni'; msPerStep: number }>(opts.python, 'torch_lstm.py') : null;
  try {
    const corpus = writeCorpus(dir, 200_000);
    const hiddens = opts.hiddens ?? (opts.quick ? [256] : [256, 1024]);
    const simd = createCpuBackend({ kernels: 'wasm-simd' }), plain = createCpuBackend({ kernels: 'ts' });
    const fma = fmaAvailable() ? createCpuBackend({ kernels: 'wasm-simd-fma' }) : null;
    // fast implementations fill the budget, slow ones get the minimum rounds; ours get at
    // least 7 in a full run (an H 1024 step takes over a second: 5 medians moved the ratios by ±0.1)
    const budget = opts.quick ? 1500 : 6000;
    const ourRounds = opts.quick ? 5 : 7;
    for (const H of hiddens) {
      const rows = (['bptt', 'dni'] as const).map((policy): TrainResult => ({
        policy, hidden: H,
        msPerStep: emptyRow(),
        tokensPerSec: emptyRow(),
        notes: {},
        torchMs: [],
      }));
      // the peer right before and right after our one-thread steps, timed about as long as one of our backends
      const ours = simd.simd ? 1 + (fma ? 1 : 0) + (pool ? 1 : 0) : 1;
      const torch = () => {
        if (!peer || peer.failed) return;
        log(`char-LSTM H${H} bptt and dni: PyTorch (${opts.python})`);
        peer.runInto(['--hidden', String(H), '--policy', 'bptt,dni', '--steps', String(ourRounds), '--seconds', String(budget / ours / 1000)],
          rows, (row, x) => x.policy === row.policy);
      };
      const record = (impl: Impl, ms: [number, number] | string) => {
        rows.forEach((r, i) => {
          if (typeof ms === 'string') r.notes[impl] = ms;
          else r.msPerStep[impl] = ms[i]!;
        });
      };
      torch();
      {
        if (simd.simd) {
          // the variants on one thread and N threads in alternation, so that their ratios are fair
          const backends: [Impl, Backend][] = [['simd', simd]];
          if (fma) backends.push(['fma', fma]);
          if (pool) backends.push(['threads', pool]);
          log(`char-LSTM H${H} bptt and dni: ${backends.map(([i]) => i).join(', ')}`);
          const steps = backends.flatMap(([, b]) => [makeOurStep(corpus, H, 'bptt', b), makeOurStep(corpus, H, 'dni', b)]);
          const ms = alternatingMedians(steps, budget, ourRounds, 3);
          backends.forEach(([impl], i) => record(impl, [ms[2 * i]!, ms[2 * i + 1]!]));
          if (!fma) record('fma', 'no fused relaxed SIMD');
          if (!pool) record('threads', opts.threads > 1 ? 'no wasm SIMD' : '--threads 1');
          torch();
        } else {
          record('simd', 'no wasm SIMD');
          record('fma', 'no wasm SIMD');
        }
        if (opts.quick && H > 256) record('ts', 'skipped (--quick)');
        else {
          log(`char-LSTM H${H} bptt and dni: synthgrad TS`);
          record('ts', timePair((p) => makeOurStep(corpus, H, p, plain, false), 0, 2)); // ~1 s a step: nothing to settle
        }
      }
      for (const impl of ['tfjs-cpu', 'tfjs-wasm'] as const) {
        const tf = tfb.tf;
        if (!tf || tfb.missing[impl]) {
          record(impl, tfb.missing[impl] ?? 'not installed');
          continue;
        }
        if (impl === 'tfjs-cpu' && H > 256) {
          // ~0.4 GFLOP/s: one H1024 step is ~28 GFLOP, about a minute
          record(impl, 'skipped (about a minute per step)');
          continue;
        }
        const err = await useTfBackend(tf, impl);
        if (err) {
          record(impl, err);
          continue;
        }
        log(`char-LSTM H${H} bptt and dni: ${impl}`);
        try {
          record(impl, timePair((p) => makeTfStep(tf, H, p), 0, 2));
        } catch (e) {
          record(impl, `failed: ${(e as Error).message}`);
        }
      }
      for (const r of rows) for (const k of IMPLS) r.tokensPerSec[k] = r.msPerStep[k] === null ? null : (LM.B * LM.T * 1000) / r.msPerStep[k]!;
      out.push(...rows);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { rows: out, torch: peer ? peer.note ?? '' : null };
}
