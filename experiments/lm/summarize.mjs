// Per run directory: the final valid and test loss, and over the synthetic
// steps the median of ||g_hat_k|| / ||delta_{k-1}|| and the largest ||g_hat||,
// the median sg_fit_cos over the last 200 steps that have one,
// the valid loss at step 1,200 when the run evaluated there, and the median sg_true_cos when it was
// diagnosed, read from metrics.jsonl (issue 13's criteria; `synthgrad report` gives the rest).
// Usage: node experiments/lm/summarize.mjs RUN_DIR...
import * as fs from 'node:fs';
import * as path from 'node:path';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x, d) => (x === undefined || x === null ? '–' : x.toFixed(d));

console.log('| run | steps | valid @1,200 | valid loss | valid bpc | test loss | synthetic steps | median ĝ/δ | max ‖ĝ‖ | fit cos | median sg_true_cos (readings) | finite |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const dir of process.argv.slice(2)) {
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
  const trueCos = steps.filter((r) => r.sg_true_cos != null).map((r) => r.sg_true_cos);
  const finite = steps.every((r) => Number.isFinite(r.loss)) && (valid === undefined || Number.isFinite(valid.loss));
  console.log(`| ${path.basename(dir)} | ${steps.length} | ${fmt(at1200?.loss, 4)} | ${fmt(valid?.loss, 4)} | ${fmt(valid?.bpc, 3)} | ${fmt(test?.loss, 4)} | ` +
    `${syn.length} | ${fmt(ratio, 3)} | ${fmt(gmax, 4)} | ${fmt(cos.length ? median(cos.slice(-200)) : undefined, 3)} | ` +
    `${trueCos.length ? `${fmt(median(trueCos), 3)} (${trueCos.length})` : '–'} | ${finite ? 'yes' : 'NO'} |`);
}
