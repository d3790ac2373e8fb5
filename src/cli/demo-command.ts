// `synthgrad demo` (npm start): the stream copy task (docs/algorithm.md §12) at a
// small truncation length, trained with bptt and with dni on the same sample
// budget, compared in one table with a one-line verdict measured, not assumed.
// docs/results.md has the full table this is a small slice of. No download.
import * as path from 'node:path';
import type { Command } from 'commander';
import { configToJson, resolveConfig } from '../train/config.js';
import { parsePositiveInt } from './threads-option.js';
import { nodePath } from '../train/config-file.js';
import { runTraining, type RunResult } from '../train/run.js';
import { median } from '../train/report.js';
import type { MetricRecord } from '../train/curves.js';

export const DEMO_POLICIES = ['bptt', 'dni'] as const;
export type DemoPolicy = (typeof DEMO_POLICIES)[number];

/** One demo policy: experiments/copy/{bptt,dni}.json at T 2, seed 1 (docs/results.md), cut to half its budget. */
export function demoConfig(policy: DemoPolicy, steps: number, bptt: number): Record<string, unknown> {
  return {
    task: 'copy',
    hidden: 64,
    batch: 32,
    bptt,
    optimizer: { name: 'adam', lr: 1e-3 },
    clip: null,
    policy: { name: policy },
    synthesizer: policy === 'dni' ? { kind: 'linear' } : null,
    steps,
    seed: 1,
    threads: 1,
    copy: { stream: true, width: 8, min_length: 1, max_length: 20 },
    // ĝ against the true gradient of the next 4 chunks (docs/algorithm.md §11); it changes no number of the run
    diagnostics: { every: policy === 'dni' ? 250 : null, horizon: 4 },
  };
}

/** The line under the table: whether dni's largest N solved is at least 1.5 times bptt's (the DNI paper's pattern). */
export function demoVerdict(bpttN: number, dniN: number): string {
  if (dniN >= 1.5 * bpttN && dniN > bpttN) {
    return `dni solved N = ${dniN}, bptt N = ${bpttN}: the synthetic gradient carried the error across the truncation point (the effect of docs/results.md).`;
  }
  return `dni solved N = ${dniN}, bptt N = ${bpttN}: in this one-minute budget the effect does not show; docs/results.md has the measured table and why.`;
}

export function demoCommand(cmd: Command): Command {
  return cmd
    .description('built-in demonstration: the copy task as a stream at truncation T, bptt vs dni on the same budget, compared in a table')
    .option('--steps <n>', 'optimizer steps per policy', '7500')
    .option('--bptt <n>', 'truncation length T', '2')
    .option('--out <dir>', 'where the run directories go', path.join('runs', 'demo'))
    .action(async (opts: { steps: string; bptt: string; out: string }) => {
      const steps = parsePositiveInt(opts.steps, '--steps'), T = parsePositiveInt(opts.bptt, '--bptt');
      process.stdout.write(`synthgrad demo: copy task as a stream (8-bit vectors, Jaderberg et al.'s protocol), truncation T = ${T}, ${steps} steps per policy;\n` +
        'the curriculum raises N when the last 100 sequences average < 0.15 wrong bits\n');
      const rows: { policy: DemoPolicy; r: RunResult }[] = [];
      for (const policy of DEMO_POLICIES) {
        const cfg = resolveConfig(demoConfig(policy, steps, T), { baseDir: process.cwd(), source: 'demo', path: nodePath });
        const outDir = path.join(opts.out, policy);
        process.stderr.write(`\n[${policy}] → ${outDir}\n`);
        const r = await runTraining(cfg, { outDir, progress: process.stderr, configJson: configToJson(cfg, outDir, { backend_used: 'cpu', adapter: null }, nodePath) });
        rows.push({ policy, r });
      }
      const head = ['policy', 'largest N solved', 'N at end', 'samples', 'final loss', 'bit errors/seq', 'median sg_true_cos', 'time (s)'];
      const body = rows.map(({ policy, r }) => [policy, String(r.copy!.bestN), String(r.copy!.N), String(r.copy!.samples), r.lastLoss.toFixed(4),
        Number.isNaN(r.copy!.recentError) ? '-' : r.copy!.recentError.toFixed(3), medianTrueCos(r.records), r.seconds.toFixed(1)]);
      const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
      const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
      process.stdout.write(`\n${line(head)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${body.map(line).join('\n')}\n`);
      const n = (p: DemoPolicy) => rows.find((x) => x.policy === p)!.r.copy!.bestN;
      process.stdout.write(`\n${demoVerdict(n('bptt'), n('dni'))}\nrun directories (metrics.jsonl, curves.svg, checkpoint) under ${opts.out}/\n`);
    });
}

/** The median of a run's sg_true_cos readings ("-" when it has none: bptt has no synthesizer to measure). */
function medianTrueCos(records: MetricRecord[]): string {
  const v = records.map((r) => r['sg_true_cos']).filter((c): c is number => typeof c === 'number');
  const m = median(v);
  return m === null ? '-' : `${m.toFixed(3)} (${v.length})`;
}
