// `synthgrad bench [--json] [--quick] [--threads N] [--backend cpu|webgpu]`: the
// options, then the benchmark of bench/lib/run.ts (or, for webgpu, bench/webgpu.ts).
import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../train/config.js';
import { defaultThreads } from './backend-select.js';
import { parseThreadsOption } from './threads-option.js';
import { runBench } from '../../bench/lib/run.js';
import { formatReport } from '../../bench/lib/format.js';

/** Configures `cmd` as the bench command; `invokedAs` is how the report names the command run. */
export function benchCommand(cmd: Command, invokedAs = 'synthgrad bench'): Command {
  return cmd
    .description('measure matrix-product GFLOP/s and char-LSTM training tokens/s, next to tfjs-backend-cpu and tfjs-backend-wasm')
    .option('--json', 'print the results as JSON on stdout (progress still goes to stderr)')
    .option('--quick', 'shorter timings; skip H 1024')
    .option('--threads <n>', 'threads of the "SIMD N threads" columns (1: leave them out) ["auto": the logical CPUs]', 'auto')
    .option('--backend <cpu|webgpu>', 'webgpu: the WebGPU backend next to the CPU backend (matmul GFLOP/s, DNI training tokens/s) instead of the tfjs comparison', 'cpu')
    .action(async (opts: { json?: boolean; quick?: boolean; threads: string; backend: string }) => {
      if (opts.backend !== 'cpu' && opts.backend !== 'webgpu') {
        throw new ConfigError(`option --backend: ${JSON.stringify(opts.backend)} is not one of cpu, webgpu`, 'backend', '--backend');
      }
      if (opts.backend === 'webgpu') {
        // the WebGPU benchmark is its own script (bench/webgpu.ts): it opens the device in a worker
        const script = fileURLToPath(new URL('../../bench/webgpu.js', import.meta.url));
        const r = spawnSync(process.execPath, [script, ...(opts.quick ? ['--quick'] : []), ...(opts.json ? ['--json'] : [])], { stdio: 'inherit' });
        process.exitCode = r.status ?? 1;
        return;
      }
      const threads = parseThreadsOption(opts.threads) ?? defaultThreads();
      const argv = [invokedAs, opts.json ? '--json' : '', opts.quick ? '--quick' : '', threads !== 1 ? `--threads ${threads}` : ''].filter(Boolean).join(' ');
      const report = await runBench({ quick: !!opts.quick, threads, log: (l) => process.stderr.write(`bench: ${l}\n`) }, argv);
      process.stdout.write((opts.json ? JSON.stringify(report, null, 2) : formatReport(report)) + '\n');
    });
}

