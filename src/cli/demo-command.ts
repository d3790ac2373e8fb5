// `synthgrad demo` (npm start): the copy task at a small truncation length,
// trained with bptt, dni and alternating, compared in one table. No download.
import * as path from 'node:path';
import type { Command } from 'commander';
import { configToJson, ConfigError, resolveConfig } from '../train/config.js';
import { nodePath } from '../train/config-file.js';
import { runTraining, type RunResult } from '../train/run.js';

export function demoConfig(policy: 'bptt' | 'dni' | 'alternating', steps: number, bptt: number): Record<string, unknown> {
  return {
    task: 'copy',
    hidden: 64,
    batch: 16,
    bptt,
    optimizer: { name: 'adam', lr: 3e-3 },
    clip: 1,
    schedule: policy === 'alternating' ? { unit: 'step', t0: Math.round(steps / 6) } : null,
    policy: policy === 'bptt' ? { name: 'bptt' } : policy === 'dni' ? { name: 'dni' } : { name: 'alternating', first_mode: 'real' },
    synthesizer: policy === 'bptt' ? null : { kind: 'linear', scale: 0.1, lr: 1e-3 },
    steps,
    seed: 1,
    copy: { width: 8, min_length: 1, max_length: 40, threshold: 0.15 },
  };
}

export function demoCommand(cmd: Command): Command {
  return cmd
    .description('built-in demonstration: the copy task at truncation T, trained with bptt, dni and alternating, compared in a table')
    .option('--steps <n>', 'optimizer steps per policy', '3000')
    .option('--bptt <n>', 'truncation length T', '4')
    .option('--out <dir>', 'where the three run directories go', path.join('runs', 'demo'))
    .action(async (opts: { steps: string; bptt: string; out: string }) => {
      const steps = Number(opts.steps), T = Number(opts.bptt);
      if (!Number.isInteger(steps) || steps < 1) throw new ConfigError(`option --steps: ${JSON.stringify(opts.steps)} is not a positive integer`);
      if (!Number.isInteger(T) || T < 1) throw new ConfigError(`option --bptt: ${JSON.stringify(opts.bptt)} is not a positive integer`);
      process.stdout.write(`synthgrad demo: copy task (8-bit vectors), truncation T = ${T}, ${steps} steps per policy; the curriculum raises N when bit errors < 0.15/sequence\n`);
      const rows: { policy: string; r: RunResult }[] = [];
      for (const policy of ['bptt', 'dni', 'alternating'] as const) {
        const cfg = resolveConfig(demoConfig(policy, steps, T), { baseDir: process.cwd(), source: 'demo', path: nodePath });
        const outDir = path.join(opts.out, policy);
        process.stderr.write(`\n[${policy}] → ${outDir}\n`);
        const r = await runTraining(cfg, { outDir, progress: process.stderr, configJson: configToJson(cfg, outDir, { backend_used: 'cpu', adapter: null }, nodePath) });
        rows.push({ policy, r });
      }
      const head = ['policy', 'largest N solved', 'N at end', 'final loss', 'bit errors/seq', 'time (s)'];
      const body = rows.map(({ policy, r }) => [policy, String(r.copy!.bestN), String(r.copy!.N), r.lastLoss.toFixed(4), r.copy!.recentError.toFixed(3), r.seconds.toFixed(1)]);
      const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
      const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
      process.stdout.write(`\n${line(head)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${body.map(line).join('\n')}\n`);
      process.stdout.write(`\nrun directories (metrics.jsonl, curves.svg, checkpoint) under ${opts.out}/\n`);
    });
}
