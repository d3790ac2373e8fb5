// Final valid and test loss of each variant minus the baseline variant's of the same seed, per
// seed, with the mean and its standard error, from a sweep directory whose runs are named
// `<variant>,seed=<n>` (docs/results.md, "At T = 8").
// Usage: node experiments/lm/paired.mjs SWEEP_DIR [BASELINE=bptt]
import * as fs from 'node:fs';
import * as path from 'node:path';

const [dir, baseline = 'bptt'] = process.argv.slice(2);
if (!dir || !fs.existsSync(dir)) {
  console.error('usage: node experiments/lm/paired.mjs SWEEP_DIR [BASELINE=bptt]');
  process.exit(2);
}
const finals = new Map(); // variant -> seed -> {valid, test}
for (const name of fs.readdirSync(dir)) {
  const m = /^(.*),seed=(\d+)$/.exec(name);
  const file = path.join(dir, name, 'metrics.jsonl');
  if (!m || !fs.existsSync(file)) continue;
  const last = {};
  for (const line of fs.readFileSync(file, 'utf8').trim().split('\n')) {
    const r = JSON.parse(line);
    if (r.split === 'valid' || r.split === 'test') last[r.split] = r.loss;
  }
  if (!finals.has(m[1])) finals.set(m[1], new Map());
  finals.get(m[1]).set(Number(m[2]), last);
}
const base = finals.get(baseline);
if (!base) throw new Error(`${dir}: no runs of the baseline ${baseline}`);
const meanSe = (xs) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
  return `${mean >= 0 ? '+' : ''}${mean.toFixed(4)} ± ${(sd / Math.sqrt(xs.length)).toFixed(4)}`;
};
const seeds = [...base.keys()].sort((a, b) => a - b);
console.log(`${baseline}: valid ${seeds.map((s) => base.get(s).valid?.toFixed(4)).join(', ')}; test ${seeds.map((s) => base.get(s).test?.toFixed(4)).join(', ')}`);
console.log(`| variant | valid − ${baseline} (seeds ${seeds.join(', ')}) | mean ± s.e. | test − ${baseline} | mean ± s.e. |`);
console.log('|---|---|---|---|---|');
for (const [variant, runs] of [...finals].sort()) {
  if (variant === baseline) continue;
  const both = seeds.filter((s) => runs.get(s)?.valid !== undefined && base.get(s).valid !== undefined);
  const dv = both.map((s) => runs.get(s).valid - base.get(s).valid), dt = both.map((s) => runs.get(s).test - base.get(s).test);
  const fmt = (xs) => xs.map((x) => `${x >= 0 ? '+' : ''}${x.toFixed(4)}`).join(', ');
  console.log(`| ${variant} | ${fmt(dv)} | ${both.length > 1 ? meanSe(dv) : '–'} | ${fmt(dt)} | ${both.length > 1 ? meanSe(dt) : '–'} |`);
}
