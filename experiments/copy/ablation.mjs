// The ablation table of docs/results.md ("Copy task: what the synthesizer needs"): per setting of
// experiments/copy/ablation.json and per T, over the seeds: the largest N solved, the level the run
// ended at, the median per-bit loss over the last sixth of the run, and the size of the seed that
// reached the parameters relative to the real gradient at the truncation point, λ·median(‖ĝ_k‖/‖δ_{k−1}‖).
//
// Usage (after `npm run build`): node experiments/copy/ablation.mjs SWEEP_DIR
// (any copy sweep: docs/results.md's "More samples" tables come from it too; bptt runs make rows of their own)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyProgress, loadRun, median } from '../../dist/src/train/report.js';

const root = process.argv[2];
if (!root || !fs.existsSync(root)) {
  console.error('usage: node experiments/copy/ablation.mjs SWEEP_DIR');
  process.exit(2);
}

const groups = new Map();
for (const name of fs.readdirSync(root).sort()) {
  const dir = path.join(root, name);
  if (!fs.existsSync(path.join(dir, 'done.json'))) continue;
  const { config: cfg, records } = loadRun(dir);
  const recs = records.filter((r) => r.split === undefined);
  const solved = copyProgress(records).largestSolved;
  const tail = recs.slice(-Math.floor(recs.length / 6));
  const syn = recs.filter((r) => r.ghat_norm != null && r.delta_norm > 0);
  const s = cfg.synthesizer; // null on a bptt run: its row says so, and has no seed size
  const key = s ? `${s.normalize} | ${s.scale} | ${s.lr} | T ${cfg.bptt}` : `bptt | – | – | T ${cfg.bptt}`;
  if (!groups.has(key)) groups.set(key, []);
  groups.get(key).push({
    seed: cfg.seed, solved, level: recs.at(-1).copy_n,
    loss: median(tail.map((r) => r.loss)) ?? NaN,
    seedSize: !s ? NaN : s.scale * (median(syn.map((r) => r.ghat_norm / r.delta_norm)) ?? NaN),
  });
}

console.log('| target scale | λ | synthesizer lr | T | largest N solved (per seed) | level at the end | per-bit loss, last sixth | λ·‖ĝ‖/‖δ‖ (median) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [key, runs] of groups) {
  const f = (g, d) => runs.map((r) => (Number.isNaN(g(r)) ? '–' : g(r).toFixed(d))).join(', ');
  console.log(`| ${key} | ${runs.map((r) => r.solved).join(', ')} | ${runs.map((r) => r.level).join(', ')} | ${f((r) => r.loss, 2)} | ${f((r) => r.seedSize, 3)} |`);
}
