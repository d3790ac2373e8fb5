// The table of predictability.sh: per run, the model's mean training loss and
// the synthesizer's median sg_true_cos, sg_true_rel_err and sg_fit_cos over the
// second half of the run (the synthesizer has had half the run to learn).
// Usage: node experiments/lm/predictability.mjs OUT
// (dist/src/train/report.js: run `npm run build` first)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadRun, median } from '../../dist/src/train/report.js';

const fmt = (xs, d) => (xs.length ? `${median(xs).toFixed(d)} [${Math.min(...xs).toFixed(d)}, ${Math.max(...xs).toFixed(d)}]` : '–');

const out = process.argv[2];
if (!out) {
  console.error('usage: node experiments/lm/predictability.mjs OUT');
  process.exit(2);
}
const MODELS = { init: 'random init', step100: 'bptt, 100 steps', trained: 'bptt, 2 epochs' };
console.log('| synthesizer | model | model lr | its training loss | sg_true_cos, median [min, max] | sg_true_rel_err | sg_fit_cos | readings |');
console.log('|---|---|---|---|---|---|---|---|');
const runs = fs.readdirSync(out).filter((d) => /^(linear|mlp),/.test(d) && fs.existsSync(path.join(out, d, 'metrics.jsonl')));
const order = (d) => `${d.startsWith('mlp') ? 1 : 0}${Object.keys(MODELS).indexOf(d.split(',')[1])}${d.includes('lr=') ? d : ''}`;
for (const name of runs.sort((a, b) => order(a).localeCompare(order(b)))) {
  const [kind, model, ...rest] = name.split(',');
  const { config: cfg, records } = loadRun(path.join(out, name));
  const steps = records.filter((r) => r.split === undefined);
  const total = cfg.steps ?? steps.length;
  const late = steps.filter((r) => r.step >= total / 2);
  const diag = late.filter((r) => r.sg_true_cos != null);
  const loss = late.reduce((a, r) => a + r.loss, 0) / Math.max(1, late.length);
  const lr = cfg.optimizer.lr < 1e-20 ? 'frozen' : `${cfg.optimizer.name} ${cfg.optimizer.lr}${rest.some((x) => x.startsWith('sg_lr')) ? ` (synthesizer lr ${cfg.synthesizer.lr})` : ''}`;
  console.log(`| ${kind} | ${MODELS[model] ?? model} | ${lr} | ${loss.toFixed(3)} | ${fmt(diag.map((r) => r.sg_true_cos), 3)} | ` +
    `${fmt(diag.map((r) => r.sg_true_rel_err), 3)} | ${fmt(late.filter((r) => r.sg_fit_cos != null).map((r) => r.sg_fit_cos), 3)} | ${diag.length} |`);
}
