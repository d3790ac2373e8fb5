// 04 — the copy task from code: truncated BPTT against DNI.
//
// The network reads N random 8-bit vectors, then a delimiter, and must write
// the N vectors back (docs/algorithm.md §8), episode after episode as one
// stream per batch row (§12, the default `copy.stream`). The truncation length T = 4 is
// far shorter than an episode, so plain truncated BPTT gets no gradient from an
// output back to the input it copies once N outgrows T; a synthesizer at each
// truncation point can carry that gradient across. A curriculum raises N by one
// whenever the last episodes have fewer than 0.15 wrong bits per sequence.
// Prints: per policy, the largest N solved, the N reached, and the time taken.
//
// Run: npm run build && node dist/examples/04-copy-task.js
// (SYNTHGRAD_EXAMPLE_QUICK=1: a few steps only, as the test suite runs it)
import { resolveConfig, setupRun, Trainer, type CopyRun } from 'synthgrad';

const steps = process.env.SYNTHGRAD_EXAMPLE_QUICK ? 30 : 3000;
console.log(`copy task, 8-bit vectors, truncation T = 4, ${steps} steps per policy`);
for (const policy of ['bptt', 'dni'] as const) {
  const cfg = resolveConfig({
    task: 'copy', hidden: 64, batch: 16, bptt: 4, steps, seed: 1,
    optimizer: { name: 'adam', lr: 3e-3 }, clip: 1,
    copy: { width: 8, min_length: 1, max_length: 40, threshold: 0.15 },
    policy: { name: policy },
    synthesizer: policy === 'dni' ? { kind: 'linear', scale: 0.1, lr: 1e-3 } : null,
  }, { baseDir: process.cwd(), source: '04-copy-task' });
  const run = setupRun(cfg) as CopyRun;
  const trainer = new Trainer(cfg, run.source, run.synth, run.rng);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) trainer.stepOnce();
  const { bestN, N } = run.source.summary();
  const seconds = (performance.now() - t0) / 1000;
  console.log(`${policy.padEnd(4)}  largest N solved ${String(bestN).padStart(2)}  (N at the end ${N}, ${seconds.toFixed(1)} s)`);
}
