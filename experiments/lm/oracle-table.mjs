// The table of experiments/lm/oracle-seed.mjs's results: each mode's final valid and test loss
// minus the baseline's (mode "none") of the same seed, per seed, mean ± standard error.
//   node experiments/lm/oracle-table.mjs DIR [BASE_DIR]   (DIR holds the OUT.json files, any names;
//   the baseline's runs are read from BASE_DIR when given, so one set of them serves several DIRs)
import * as fs from 'node:fs';
import * as path from 'node:path';

const [dir, baseDir] = process.argv.slice(2);
if (!dir || !fs.existsSync(dir) || (baseDir && !fs.existsSync(baseDir))) {
  console.error('usage: node experiments/lm/oracle-table.mjs DIR [BASE_DIR]');
  process.exit(2);
}
const read = (d) => fs.readdirSync(d).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(d, f), 'utf8')));
const runs = baseDir ? [...read(dir).filter((r) => r.mode !== 'none'), ...read(baseDir).filter((r) => r.mode === 'none')] : read(dir);
const by = new Map();
for (const r of runs) {
  if (!by.has(r.mode)) by.set(r.mode, new Map());
  by.get(r.mode).set(r.seed, r);
}
const base = by.get('none');
if (!base) throw new Error(`${baseDir ?? dir}: no run of mode "none" (the baseline)`);
const meanSe = (xs) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const se = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1) / xs.length) : NaN;
  return `${mean >= 0 ? '+' : ''}${mean.toFixed(4)} ± ${se.toFixed(4)}`;
};
const signed = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(4)}`;
console.log(`| mode | seeds | valid − none | mean ± s.e. | test − none | mean ± s.e. | s a run |`);
console.log('|---|---|---|---|---|---|---|');
for (const [mode, seeds] of [...by].sort()) {
  if (mode === 'none') continue;
  const both = [...seeds.keys()].filter((s) => base.has(s)).sort((a, b) => a - b);
  const dv = both.map((s) => seeds.get(s).valid - base.get(s).valid), dt = both.map((s) => seeds.get(s).test - base.get(s).test);
  const secs = both.map((s) => seeds.get(s).seconds);
  console.log(`| ${mode} | ${both.join(', ')} | ${dv.map(signed).join(', ')} | ${meanSe(dv)} | ${dt.map(signed).join(', ')} | ${meanSe(dt)} | ${Math.min(...secs).toFixed(0)}–${Math.max(...secs).toFixed(0)} |`);
}
const seeds = [...base.keys()].sort((a, b) => a - b);
console.log(`\nnone: valid ${seeds.map((s) => base.get(s).valid.toFixed(4)).join(', ')}; test ${seeds.map((s) => base.get(s).test.toFixed(4)).join(', ')} (seeds ${seeds.join(', ')})`);
