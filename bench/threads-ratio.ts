// One thread against N threads on the char-LSTM step of `synthgrad bench`, in
// direct alternation (two one-thread steps, two N-thread steps, …, the second of
// each pair timed, as the bench does), repeated `runs` times
// with fresh models: the ratio on a machine whose load drifts, and its spread.
// Each run also checks that both trainers reported the same losses (any thread
// count gives the same bits).
//   node dist/bench/threads-ratio.js [hidden=256] [policy=bptt] [steps=30] [threads=2] [runs=3]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Trainer } from '../src/train/trainer.js';
import { setBackend, type Backend } from '../src/backends/backend.js';
import { cpuBackend } from '../src/backends/cpu/index.js';
import { createThreadedBackend } from '../src/backends/threads/index.js';
import { benchTrainer, writeCorpus } from './lib/char-lm.js';

const [H, policy, steps, threads, runs] = [Number(process.argv[2] ?? 256), (process.argv[3] ?? 'bptt') as 'bptt' | 'dni', Number(process.argv[4] ?? 30), Number(process.argv[5] ?? 2), Number(process.argv[6] ?? 3)];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthgrad-threads-'));
const corpus = writeCorpus(dir, 200_000); // the text `synthgrad bench` trains on

const pool = await createThreadedBackend(threads);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
const ratios: number[] = [];
for (let r = 0; r < runs; r++) {
  const one = benchTrainer(corpus, H, policy, cpuBackend), many = benchTrainer(corpus, H, policy, pool);
  const ms: [number[], number[]] = [[], []];
  for (let i = 0; i < steps + 3; i++) {
    const pair: [Trainer, Backend][] = [[one, cpuBackend], [many, pool]];
    const losses = pair.map(([t, b], k) => {
      setBackend(b);
      // an untimed step first, so the timed one follows a step of its own trainer as in `train`
      // (after the other trainer's step the workers had fallen asleep and the caches held the other model)
      t.stepOnce();
      const t0 = performance.now();
      const rec = t.stepOnce();
      if (i >= 3) ms[k]!.push(performance.now() - t0);
      return rec.loss;
    });
    if (losses[0] !== losses[1]) throw new Error(`step ${i}: one thread gave loss ${losses[0]}, ${threads} threads ${losses[1]}`);
  }
  const [a, b] = [median(ms[0]), median(ms[1])];
  ratios.push(a / b);
  console.log(`run ${r + 1}: H${H} ${policy}, 1 thread ${a.toFixed(1)} ms/step, ${threads} threads ${b.toFixed(1)} ms/step: ${(a / b).toFixed(2)}x (same losses)`);
}
console.log(`${threads} threads / 1 thread: median ${median(ratios).toFixed(2)}x, range ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}x over ${runs} runs`);
setBackend(cpuBackend);
pool.dispose();
fs.rmSync(dir, { recursive: true, force: true });
