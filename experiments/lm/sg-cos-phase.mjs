// The table of sg-cos-phase.json: sg_true_cos and sg_fit_cos by where a step falls in
// SGDR's 400-step cycle (and so by the model's lr), for the runs under SGDR and, at the
// same steps, for the runs at a constant lr. Steps 400 on (the first cycle holds the
// warm-up); medians over every reading of every seed in the bin.
// Usage: node experiments/lm/sg-cos-phase.mjs OUT   (run `npm run build` first)
import * as path from 'node:path';
import { findRuns, loadRun, median } from '../../dist/src/train/report.js';

const out = process.argv[2];
if (!out) {
  console.error('usage: node experiments/lm/sg-cos-phase.mjs OUT');
  process.exit(2);
}
const CYCLE = 400;
const BINS = [[0, 100], [100, 200], [200, 300], [300, 350], [350, 375], [375, 400]];
const fmt = (xs, d) => (xs.length ? median(xs).toFixed(d) : '–');
const lrRange = (xs) => (xs.length ? `${Math.min(...xs).toExponential(1)}–${Math.max(...xs).toExponential(1)}` : '–');

const steps = {};
for (const dir of findRuns([out])) {
  const variant = path.basename(dir).split(',')[0];
  const recs = loadRun(dir).records.filter((r) => r.split === undefined && r.step >= CYCLE);
  (steps[variant] ??= []).push(...recs);
}
const variants = Object.keys(steps).sort().reverse(); // sgdr first
console.log(`| steps in the cycle | ${variants.map((v) => `${v}: lr | ${v}: sg_true_cos (readings) | ${v}: sg_fit_cos`).join(' | ')} |`);
console.log(`|---|${variants.map(() => '---|---|---|').join('')}`);
for (const [a, b] of BINS) {
  const cells = variants.map((v) => {
    const inBin = steps[v].filter((r) => r.step % CYCLE >= a && r.step % CYCLE < b);
    const diag = inBin.filter((r) => r.sg_true_cos != null).map((r) => r.sg_true_cos);
    const fit = inBin.filter((r) => r.sg_fit_cos != null).map((r) => r.sg_fit_cos);
    return `${lrRange(inBin.map((r) => r.lr))} | ${fmt(diag, 3)} (${diag.length}) | ${fmt(fit, 3)}`;
  });
  console.log(`| ${a}–${b - 1} | ${cells.join(' | ')} |`);
}
