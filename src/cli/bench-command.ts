// `synthgrad bench [--json] [--quick] [--threads N] [--backend cpu|webgpu]`: the
// options, then the benchmark of bench/lib/run.ts (or, for webgpu, bench/webgpu.ts);
// `--stream-copy`: the copy experiments' shapes instead (bench/lib/stream-copy.ts).
import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../train/config.js';
import { defaultThreads } from './backend-select.js';
import { parsePositiveInt, parseThreadsOption } from './threads-option.js';
import { runBench } from '../../bench/lib/run.js';
import { formatReport } from '../../bench/lib/format.js';
import { torchPeerProblem } from '../../bench/lib/torch-peer.js';
import { benchStreamCopy, formatStreamCopy, STREAM_COPY } from '../../bench/lib/stream-copy.js';
import { createCpuBackend } from '../backends/cpu/index.js';
import { createThreadedBackend } from '../backends/threads/index.js';
import { kernelsAvailable } from '../backends/wasm/variant.js';
import type { Backend } from '../backends/backend.js';

interface BenchOpts {
  json?: boolean; quick?: boolean; threads: string; backend: string;
  streamCopy?: boolean; streamHidden: string; streamBatch: string; streamBptt: string; torch?: string;
}

/** `--stream-bptt`: one positive integer or a comma-separated list of them. */
function bpttList(text: string): number[] {
  try {
    return text.split(',').map((t) => parsePositiveInt(t.trim(), '--stream-bptt'));
  } catch {
    throw new ConfigError(`option --stream-bptt: ${JSON.stringify(text)} is not a positive integer or a comma-separated list of them`, undefined, '--stream-bptt');
  }
}

/** `--stream-copy`: one thread with the default kernels, and N threads unless --threads 1. */
async function streamCopy(opts: BenchOpts, threads: number): Promise<void> {
  const hidden = parsePositiveInt(opts.streamHidden, '--stream-hidden'), batch = parsePositiveInt(opts.streamBatch, '--stream-batch');
  const bptt = bpttList(opts.streamBptt);
  const kernels = kernelsAvailable('wasm-simd-fma');
  const backends: [string, Backend][] = [[`1 thread, ${kernels}`, createCpuBackend({ kernels })]];
  const pool = threads > 1 ? await createThreadedBackend(threads, { kernels }) : null;
  if (pool) backends.push([`${threads} threads`, pool]);
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const loadBefore = load();
  try {
    const report = benchStreamCopy({
      hidden, batch, bptt, backends, python: opts.torch ?? null,
      budgetMs: opts.quick ? 2000 : 8000, minRounds: opts.quick ? 3 : 9, log: (l) => process.stderr.write(`bench: ${l}\n`),
    });
    const head = `machine: ${os.cpus()[0]?.model ?? 'unknown'} (${os.cpus().length} logical CPUs), Node ${process.version}; load average ${loadBefore} before, ${load()} after`;
    process.stdout.write((opts.json ? JSON.stringify({ machine: head, ...report }, null, 2) : `${head}\n${formatStreamCopy(report)}`) + '\n');
  } finally {
    pool?.dispose();
  }
}

/** Configures `cmd` as the bench command; `invokedAs` is how the report names the command run. */
export function benchCommand(cmd: Command, invokedAs = 'synthgrad bench'): Command {
  return cmd
    .description('measure matrix-product GFLOP/s and char-LSTM training tokens/s, next to tfjs-backend-cpu and tfjs-backend-wasm (and PyTorch with --torch)')
    .option('--json', 'print the results as JSON on stdout (progress still goes to stderr)')
    .option('--quick', 'shorter timings; skip H 1024')
    .option('--threads <n>', 'threads of the "SIMD N threads" columns (1: leave them out) ["auto": the logical CPUs]', 'auto')
    .option('--backend <cpu|webgpu>', 'webgpu: the WebGPU backend next to the CPU backend (matmul GFLOP/s, DNI training tokens/s) instead of the tfjs comparison', 'cpu')
    .option('--stream-copy', 'instead: the copy experiments\' shapes (copy as a stream, bptt and dni), positions/s')
    .option('--stream-hidden <n>', '--stream-copy: LSTM width', String(STREAM_COPY.hidden))
    .option('--stream-batch <n>', '--stream-copy: batch', String(STREAM_COPY.batch))
    .option('--stream-bptt <list>', '--stream-copy: truncation lengths T, comma-separated', STREAM_COPY.bptt.join(','))
    .option('--torch <python>', 'a Python with torch: its peer of the same model and step (bench/torch_lstm.py, with --stream-copy bench/torch_stream_copy.py) runs on one thread right before and after ours, and the table gives ours / PyTorch')
    .action(async (opts: BenchOpts) => {
      if (opts.backend !== 'cpu' && opts.backend !== 'webgpu') {
        throw new ConfigError(`option --backend: ${JSON.stringify(opts.backend)} is not one of cpu, webgpu`, 'backend', '--backend');
      }
      if (opts.backend === 'webgpu') {
        if (opts.torch) throw new ConfigError('option --torch: the WebGPU benchmark has no PyTorch peer; use it with --backend cpu', undefined, '--torch');
        // the WebGPU benchmark is its own script (bench/webgpu.ts): it opens the device in a worker
        const script = fileURLToPath(new URL('../../bench/webgpu.js', import.meta.url));
        const r = spawnSync(process.execPath, [script, ...(opts.quick ? ['--quick'] : []), ...(opts.json ? ['--json'] : [])], { stdio: 'inherit' });
        process.exitCode = r.status ?? 1;
        return;
      }
      const problem = opts.torch ? torchPeerProblem(opts.torch) : null;
      if (problem) throw new ConfigError(`option --torch: ${problem} (install it with: apt-get install -y python3-torch libopenblas0-openmp)`, undefined, '--torch');
      const threads = parseThreadsOption(opts.threads) ?? defaultThreads();
      if (opts.streamCopy) return streamCopy(opts, threads);
      const argv = [invokedAs, opts.json ? '--json' : '', opts.quick ? '--quick' : '', threads !== 1 ? `--threads ${threads}` : '', opts.torch ? `--torch ${opts.torch}` : ''].filter(Boolean).join(' ');
      const report = await runBench({ quick: !!opts.quick, threads, python: opts.torch ?? null, log: (l) => process.stderr.write(`bench: ${l}\n`) }, argv);
      process.stdout.write((opts.json ? JSON.stringify(report, null, 2) : formatReport(report)) + '\n');
    });
}

