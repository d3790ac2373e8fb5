// `synthgrad report`: tables and plots over run directories.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../io/atomic-file.js';
import { csvReport, findRuns, groupRuns, loadRun, markdownReport, type Group } from '../train/report.js';
import { copyPlot, cosPlot, lossPlot, renderGroupPlot, type GroupPlot } from '../train/report-plots.js';

export function reportCommand(cmd: Command): Command {
  cmd
    .description('summarize run directories: report.md (tables), report.csv and report.json (one row per run), SVG plots')
    .argument('<dirs...>', 'run directories (config.json + metrics.jsonl) or sweep directories (run directories inside)')
    .option('--out <dir>', 'where the report goes [<dir>/report for one directory, else ./report]')
    .addHelpText('after', `
Runs are grouped by the configuration keys whose values differ between them, seed (and threads) apart;
each table cell is mean ± sd [min–max] over a group's runs. One table per task; copy tasks add the
largest N solved and the samples needed to reach each N. Plots per task: valid loss (training loss when
there are no valid records) against steps, a band over seeds and warm restarts marked; the curriculum's N
against samples (copy); sg_true_cos against steps (when diagnosed).

Example:
  synthgrad sweep experiments/example-grid.json --out runs/example
  synthgrad report runs/example          # writes runs/example/report/report.md`)
    .action((dirs: string[], opts: { out?: string }) => {
      const out = opts.out ?? (dirs.length === 1 ? path.join(dirs[0]!, 'report') : 'report');
      const files = writeReport(dirs, out);
      process.stdout.write(`report: ${files.map((f) => path.join(out, f)).join(', ')}\n`);
    });
  return cmd;
}

/** Keys worth naming in a plot's title when all of a task's runs share them. */
const TITLE_KEYS = ['hidden', 'bptt', 'batch', 'synthesizer.kind'];

function plotTitle(task: string, what: string, groups: Group[]): string {
  const keys = groups[0]!.keys;
  const runs = groups.flatMap((g) => g.runs);
  const common = TITLE_KEYS.filter((k) => !keys.includes(k) && new Set(runs.map((r) => r.flat.get(k))).size === 1 && runs[0]!.flat.get(k) !== undefined)
    .map((k) => `${k}=${runs[0]!.flat.get(k)}`);
  const by = keys;
  return `${task}: ${what}${common.length ? ` · ${common.join(', ')}` : ''}${by.length ? ` · by ${by.join(', ')}` : ''}`;
}

/** Writes the report files into `out`; returns their names. */
export function writeReport(dirs: string[], out: string): string[] {
  const runs = findRuns(dirs).map(loadRun);
  const groups = groupRuns(runs);
  fs.mkdirSync(out, { recursive: true });
  const written: string[] = [];
  const plots = new Map<string, string[]>();
  const save = (name: string, text: string) => { writeFileAtomic(path.join(out, name), text); written.push(name); };
  for (const task of [...new Set(groups.map((g) => g.task))]) {
    const gs = groups.filter((g) => g.task === task);
    const list: [string, GroupPlot][] = [];
    const loss = lossPlot(gs, '');
    loss.title = plotTitle(task, loss.yLabel.startsWith('valid') ? 'valid loss' : 'training loss', gs);
    list.push([`${task}-loss.svg`, loss]);
    if (task === 'copy' || task === 'repeat-copy') {
      const c = copyPlot(gs, '');
      c.title = plotTitle(task, 'curriculum N reached', gs);
      list.push([`${task}-copy-n.svg`, c]);
    }
    if (gs.some((g) => g.runs.some((r) => r.records.some((x) => typeof x['sg_true_cos'] === 'number')))) {
      const c = cosPlot(gs, '');
      c.title = plotTitle(task, 'synthetic vs true gradient (sg_true_cos)', gs);
      list.push([`${task}-sg-true-cos.svg`, c]);
    }
    for (const [name, p] of list) save(name, renderGroupPlot(p));
    plots.set(task, list.map(([name]) => name));
  }
  const rows = groups.flatMap((g) => g.rows);
  save('report.md', markdownReport(groups, plots));
  save('report.csv', csvReport(rows));
  save('report.json', JSON.stringify(rows, null, 2) + '\n');
  return written;
}
