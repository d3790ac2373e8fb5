// Per run directory: the final valid and test loss, and over the synthetic
// steps the median of ||g_hat_k|| / ||delta_{k-1}|| and the largest ||g_hat||,
// the median sg_fit_cos over the last 200 steps that have one,
// the valid loss at step 1,200 when the run evaluated there, and the median sg_true_cos when it was
// diagnosed, read from metrics.jsonl (issue 13's criteria; `synthgrad report` gives the rest).
// With --from STEP the sg_true_cos readings are those of steps >= STEP, and their mean with its
// standard error is given too.
// Usage: node experiments/lm/summarize.mjs [--from STEP] RUN_DIR...
import * as fs from 'node:fs';
import * as path from 'node:path';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x, d) => (x === undefined || x === null ? '–' : x.toFixed(d));

const args = process.argv.slice(2);
const fromAt = args.indexOf('--from');
const from = fromAt < 0 ? 0 : Number(args[fromAt + 1]);
if (!Number.isInteger(from) || from < 0) {
  console.error(`--from: expected a step (an integer >= 0), got ${args[fromAt + 1]}`);
  process.exit(2);
}
const dirs = fromAt < 0 ? args : args.filter((_, i) => i !== fromAt && i !== fromAt + 1);
const cosHead = from > 0 ? `sg_true_cos from step ${from}: median; mean ± s.e. (readings)` : 'median sg_true_cos (readings)';
console.log(`| run | steps | valid @1,200 | valid loss | valid bpc | test loss | synthetic steps | median ĝ/δ | max ‖ĝ‖ | fit cos | ${cosHead} | finite |`);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
const meanSe = (xs) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1);
  return `${fmt(m, 3)} ± ${fmt(Math.sqrt(v / xs.length), 3)}`;
};
for (const dir of dirs) {
  if (!fs.existsSync(path.join(dir, 'metrics.jsonl'))) {
    console.error(`${dir}: no metrics.jsonl (not started yet?), skipped`);
    continue;
  }
  const recs = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const steps = recs.filter((r) => r.split === undefined);
  const valid = recs.filter((r) => r.split === 'valid').at(-1);
  const test = recs.filter((r) => r.split === 'test').at(-1);
  const syn = steps.filter((r) => r.mode === 'synthetic' && r.ghat_norm != null && r.delta_norm > 0);
  const ratio = syn.length ? median(syn.map((r) => r.ghat_norm / r.delta_norm)) : undefined;
  const gmax = syn.length ? Math.max(...syn.map((r) => r.ghat_norm)) : undefined;
  const cos = steps.filter((r) => r.sg_fit_cos != null).map((r) => r.sg_fit_cos);
  const at1200 = recs.find((r) => r.split === 'valid' && r.step === 1200);
  const trueCos = steps.filter((r) => r.sg_true_cos != null && r.step >= from).map((r) => r.sg_true_cos);
  const finite = steps.every((r) => Number.isFinite(r.loss)) && (valid === undefined || Number.isFinite(valid.loss));
  console.log(`| ${path.basename(dir)} | ${steps.length} | ${fmt(at1200?.loss, 4)} | ${fmt(valid?.loss, 4)} | ${fmt(valid?.bpc, 3)} | ${fmt(test?.loss, 4)} | ` +
    `${syn.length} | ${fmt(ratio, 3)} | ${fmt(gmax, 4)} | ${fmt(cos.length ? median(cos.slice(-200)) : undefined, 3)} | ` +
    `${trueCos.length ? `${fmt(median(trueCos), 3)}${from > 0 ? `; ${meanSe(trueCos)}` : ''} (${trueCos.length})` : '–'} | ${finite ? 'yes' : 'NO'} |`);
}
