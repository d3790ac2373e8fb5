// The table of predictability.sh: per frozen-model run, the model's training
// loss (its mean: the weights do not move), and the synthesizer's median
// sg_true_cos, sg_true_rel_err and sg_fit_cos over the second half of the run
// (steps >= 600: the synthesizer has had 600 steps to learn a stationary target).
// Usage: node experiments/lm/predictability.mjs OUT
import * as fs from 'node:fs';
import * as path from 'node:path';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (xs, d) => (xs.length ? `${median(xs).toFixed(d)} [${Math.min(...xs).toFixed(d)}, ${Math.max(...xs).toFixed(d)}]` : '–');

const out = process.argv[2];
if (!out) {
  console.error('usage: node experiments/lm/predictability.mjs OUT');
  process.exit(2);
}
const MODELS = { init: 'random init', step100: 'bptt, 100 steps', trained: 'bptt, 2 epochs' };
console.log('| synthesizer | frozen model | its training loss | sg_true_cos, median [min, max] | sg_true_rel_err | sg_fit_cos | readings |');
console.log('|---|---|---|---|---|---|---|');
for (const kind of ['linear', 'mlp']) {
  for (const [model, label] of Object.entries(MODELS)) {
    const file = path.join(out, `${kind},${model}`, 'metrics.jsonl');
    if (!fs.existsSync(file)) continue;
    const steps = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.split === undefined);
    const late = steps.filter((r) => r.step >= 600);
    const diag = late.filter((r) => r.sg_true_cos != null);
    const loss = steps.reduce((a, r) => a + r.loss, 0) / steps.length;
    console.log(`| ${kind} | ${label} | ${loss.toFixed(3)} | ${fmt(diag.map((r) => r.sg_true_cos), 3)} | ` +
      `${fmt(diag.map((r) => r.sg_true_rel_err), 3)} | ${fmt(late.filter((r) => r.sg_fit_cos != null).map((r) => r.sg_fit_cos), 3)} | ${diag.length} |`);
  }
}
