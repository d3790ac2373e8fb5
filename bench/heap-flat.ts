// Heap used after step 100 vs after step N of a DNI run: memory must stay flat
// (the tape is released after every backward; nothing accumulates per step).
// With a thread count, on the threaded backend with every op split (and the
// parameters on shared memory); "external" counts the SharedArrayBuffers.
//   node dist/bench/heap-flat.js [steps=10000] [threads=1]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveConfig } from '../src/train/config.js';
import { setupRun } from '../src/train/setup.js';
import { Trainer } from '../src/train/trainer.js';
import { setBackend } from '../src/backends/backend.js';
import { createThreadedBackend } from '../src/backends/threads/index.js';

const steps = Number(process.argv[2] ?? 10000);
const threads = Number(process.argv[3] ?? 1);
const pool = threads > 1 ? await createThreadedBackend(threads, { minMatmulWork: 0, minLstmWork: 0, minAdamWork: 0 }) : null;
if (pool) setBackend(pool); // before the models: their parameters go on its shared memory
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthgrad-heap-'));
const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'dog', 'ran', 'to'];
let text = '';
for (let i = 0; text.length < 20000; i++) text += words[(i * 7919) % words.length] + (i % 11 === 0 ? '.\n' : ' ');
fs.writeFileSync(path.join(dir, 'corpus.txt'), text);
const cfg = resolveConfig(
  { task: 'charlm', data: 'corpus.txt', split: null, embed: 16, hidden: 32, batch: 8, bptt: 16, steps,
    policy: { name: 'alternating' }, schedule: { unit: 'step', t0: 100 }, synthesizer: { kind: 'linear' } },
  { baseDir: dir, source: 'heap-flat' },
);
const s = setupRun(cfg);
const t = new Trainer(cfg, s.source, s.synth, s.rng);
const gc = (globalThis as { gc?: () => void }).gc;
const mem = () => {
  gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed / 2 ** 20, external: m.external / 2 ** 20 };
};
let at100 = mem();
for (let i = 1; i <= steps; i++) {
  t.stepOnce();
  if (i === 100) at100 = mem();
}
const atEnd = mem();
const f = (x: number) => x.toFixed(2);
console.log(`${threads} thread(s)${pool ? ` (${pool.calls.split} split calls)` : ''}: heap used after step 100: ${f(at100.heap)} MiB; after step ${steps}: ${f(atEnd.heap)} MiB; ` +
  `difference ${f(atEnd.heap - at100.heap)} MiB; external ${f(at100.external)} → ${f(atEnd.external)} MiB${gc ? '' : ' (run with --expose-gc for exact figures)'}`);
pool?.dispose();
fs.rmSync(dir, { recursive: true, force: true });
