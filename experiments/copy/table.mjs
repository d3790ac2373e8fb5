// The copy table of docs/results.md: per truncation length T, the largest N solved within the run
// (the last curriculum level a run left; 0 when it never left N = 1), mean [min–max] over seeds and
// the values per seed, one column per sweep directory, as `synthgrad report` counts it
// (dist/src/train/report.js: run `npm run build` first). A run with neither
// done.json nor failed.json (unfinished) is left out, and one that failed (a non-finite loss or
// gradient stops a run) counts with the N it had solved, marked †.
//
// Usage: node experiments/copy/table.mjs [--levels] LABEL=SWEEP_DIR[@FILTER] ...
//   FILTER: only run directories whose name contains it (e.g. `synthesizer.aux=1,`)
//   A LABEL given twice makes one column from both directories (e.g. cells run by two sweeps).
// Example:
//   node experiments/copy/table.mjs bptt=runs/copy/bptt "dni=runs/copy/dni" "dni + aux=runs/copy/dni-aux@aux=1,"
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyProgress, loadRun } from '../../dist/src/train/report.js';

// --levels (repeat-copy, where a level is N and R): count the curriculum levels passed instead, and
// name the last one solved as NxR (copy's levels are N = 1, 2, ...: the count is the largest N solved)
const levelsMode = process.argv.includes('--levels');
const largestSolved = (dir) => {
  const p = copyProgress(loadRun(dir).records);
  return levelsMode ? { n: p.levelsSolved, label: p.lastSolved ? p.lastSolved.join('x') : '–' } : { n: p.largestSolved, label: null };
};

const usage = 'usage: node experiments/copy/table.mjs [--levels] LABEL=SWEEP_DIR[@FILTER] ...';
const fail = (msg) => {
  console.error(`table.mjs: ${msg}\n${usage}`);
  process.exit(2);
};
// the filter (after the last @) and the label may hold "=" (`γ 1 (= λ)=runs/g@discount=1,`): the
// directory is what lies between the last "=" before the filter and the filter
const columns = process.argv.slice(2).filter((a) => a !== '--levels').map((arg) => {
  const at = arg.lastIndexOf('@');
  const head = at < 0 ? arg : arg.slice(0, at);
  const eq = head.lastIndexOf('=');
  if (eq < 1) fail(`${arg}: expected LABEL=SWEEP_DIR[@FILTER]`);
  const dir = head.slice(eq + 1), filter = at < 0 ? '' : arg.slice(at + 1);
  if (!fs.existsSync(dir)) fail(`${dir}: no such sweep directory (from ${arg})`);
  return { label: head.slice(0, eq), dir, filter };
});
if (columns.length === 0) fail('no column given');

const cells = new Map(); // T -> label -> [{seed, n}]
for (const { label, dir, filter } of columns) {
  for (const name of fs.readdirSync(dir).sort()) {
    const run = path.join(dir, name);
    const t = /(?:^|,)T(\d+)(?:[-,]|$)/.exec(name), seed = /(?:^|,)seed=(\d+)/.exec(name);
    const failed = !fs.existsSync(path.join(run, 'done.json')) && fs.existsSync(path.join(run, 'failed.json'));
    if (!t || !name.includes(filter) || !(failed || fs.existsSync(path.join(run, 'done.json')))) continue;
    const T = Number(t[1]);
    if (!cells.has(T)) cells.set(T, new Map());
    const byLabel = cells.get(T);
    if (!byLabel.has(label)) byLabel.set(label, []);
    byLabel.get(label).push({ seed: seed ? Number(seed[1]) : null, ...largestSolved(run), failed });
  }
}

const fmt = (runs) => {
  if (!runs || runs.length === 0) return '—';
  const ns = runs.map((r) => r.n), mean = ns.reduce((a, b) => a + b, 0) / ns.length;
  const range = `[${Math.min(...ns)}–${Math.max(...ns)}]`;
  return `${mean.toFixed(1)} ${range} (${runs.map((r) => `${r.label ?? r.n}${r.failed ? '†' : ''}`).join(', ')})`;
};
const labels = [...new Set(columns.map((c) => c.label))];
const bySeed = (runs) => runs && [...runs].sort((a, b) => (a.seed ?? 0) - (b.seed ?? 0));
console.log(`| T | ${labels.join(' | ')} |`);
console.log(`|---|${labels.map(() => '---').join('|')}|`);
for (const T of [...cells.keys()].sort((a, b) => a - b)) {
  console.log(`| ${T} | ${labels.map((l) => fmt(bySeed(cells.get(T).get(l)))).join(' | ')} |`);
}
console.log(levelsMode
  ? '\nCells: mean [min–max] of the curriculum levels passed (per seed, in seed order: the last level solved, N×R); † the run diverged; — = no finished run.'
  : '\nCells: mean [min–max] (per seed, in seed order) of the largest N solved; † the run diverged (stopped at a non-finite gradient) with that N solved; — = no finished run.');
