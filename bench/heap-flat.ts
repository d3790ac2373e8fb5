// Heap used after step 100 vs after step N of a DNI run: memory must stay flat
// (the tape is released after every backward; nothing accumulates per step).
//   node dist/bench/heap-flat.js [steps=10000]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveConfig } from '../src/train/config.js';
import { setupRun } from '../src/train/setup.js';
import { Trainer } from '../src/train/trainer.js';

const steps = Number(process.argv[2] ?? 10000);
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
const heap = () => {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
let at100 = 0;
for (let i = 1; i <= steps; i++) {
  t.stepOnce();
  if (i === 100) at100 = heap();
}
const atEnd = heap();
console.log(`heap used after step 100: ${at100.toFixed(2)} MiB; after step ${steps}: ${atEnd.toFixed(2)} MiB; difference ${(atEnd - at100).toFixed(2)} MiB${gc ? '' : ' (run with --expose-gc for exact figures)'}`);
fs.rmSync(dir, { recursive: true, force: true });
