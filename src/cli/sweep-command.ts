// `synthgrad sweep`: expand a grid into run directories and run them as
// separate `train` processes, N at a time, resumably.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Command } from 'commander';
import { ConfigError } from '../train/config.js';
import { writeFileAtomic } from '../io/atomic-file.js';
import { NON_FINITE_EXIT } from './train-command.js';
import {
  configDifference, configJsonFor, DONE_FILE, expandGrid, FAILED_FILE, loadGrid, PID_FILE, pointCommand, pointState,
  slurmScript, trainArgs, type CommandPaths, type SweepPoint,
} from '../train/sweep.js';

const GRID_HELP = `
A grid file is JSON (docs/config.md, "Sweep grids"):
  {"base": {...a run configuration; its paths are relative to the grid file...},
   "axes": {"policy.name": ["bptt", "dni"], "seed": [1, 2]},
   "variants": [{"_name": "plain"}, {"_name": "sgdr", "schedule": {"t0": 1}}]}   (optional)
Every combination of axis values (crossed with every variant) is one run, in DIR/<key=value,...>/.
Runs get "threads": 1 unless the grid sets threads; --jobs defaults to logical CPUs / threads.

A run is done when DIR/<run>/${DONE_FILE} exists; an interrupted one resumes from its checkpoint,
a failed one (exit code and stderr tail in ${FAILED_FILE}) is tried again on the next sweep.
DIR/slurm.sh is a Slurm job array over the same runs (sbatch DIR/slurm.sh).

Exit codes: 0 every run done, 1 some run failed, 2 bad grid or options, 130/143 interrupted.

Examples:
  synthgrad sweep experiments/example-grid.json --out runs/example
  synthgrad sweep grid.json --out runs/g --print-jobs | parallel -j 4
  synthgrad report runs/example`;

export function sweepCommand(cmd: Command): Command {
  cmd
    .description('run every point of a grid of run configurations (one train process per run, N at a time, resumable)')
    .argument('<grid>', 'grid file (JSON: base, axes, variants)')
    .requiredOption('--out <dir>', 'sweep directory: one run directory per point, plus slurm.sh')
    .option('--jobs <n>', 'runs at a time [logical CPUs / each run\'s threads]')
    .option('--print-jobs', 'prepare the run directories, print one shell command per run, and run nothing')
    .addHelpText('after', GRID_HELP)
    .action(async (gridFile: string, opts: { out: string; jobs?: string; printJobs?: boolean }) => {
      const code = await runSweep(gridFile, opts);
      process.exit(code);
    });
  return cmd;
}

function parseJobs(s: string | undefined, threads: number): number {
  if (s === undefined) return Math.max(1, Math.floor(os.availableParallelism() / threads));
  if (!/^[1-9]\d*$/.test(s)) throw new ConfigError(`option --jobs: expected a positive integer, got "${s}"`);
  return Number(s);
}

/** Validate every point and lay out the run directories (config.json, slurm.sh) before anything runs. */
function prepare(gridFile: string, outDir: string): { points: SweepPoint[]; paths: CommandPaths } {
  const points = expandGrid(loadGrid(gridFile));
  const dir = path.resolve(outDir);
  const paths: CommandPaths = { node: process.execPath, cli: path.resolve(process.argv[1]!), dir };
  const wanted = points.map((p) => configJsonFor(p, path.join(dir, p.name)));
  points.forEach((p, i) => {
    const file = path.join(dir, p.name, 'config.json');
    if (!fs.existsSync(file)) return;
    let stored: unknown;
    try {
      stored = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      return; // unreadable: rewritten below
    }
    const diff = configDifference(stored as Record<string, unknown>, wanted[i]!);
    if (diff.length > 0) {
      throw new ConfigError(`${file}: this run directory was made from another configuration (${diff.slice(0, 5).join(', ')} differ); use another --out or remove it`);
    }
  });
  fs.mkdirSync(dir, { recursive: true });
  points.forEach((p, i) => {
    const runDir = path.join(dir, p.name);
    fs.mkdirSync(runDir, { recursive: true });
    const file = path.join(runDir, 'config.json');
    let ok = false;
    try { JSON.parse(fs.readFileSync(file, 'utf8')); ok = true; } catch { /* absent or cut */ }
    if (!ok) writeFileAtomic(file, JSON.stringify(wanted[i], null, 2) + '\n');
  });
  writeFileAtomic(path.join(dir, 'slurm.sh'), slurmScript(points, paths));
  writeFileAtomic(path.join(dir, 'sweep.json'), JSON.stringify({
    grid: path.resolve(gridFile), runs: points.map((p) => ({ index: p.index, name: p.name, values: p.values })),
  }, null, 2) + '\n');
  return { points, paths };
}

/**
 * Pids of `train` processes left working in these run directories by a sweep
 * that was killed: the pid files, and on Linux every process whose arguments
 * name a run directory (a kill can fall between a spawn and its pid file).
 */
function strayTrains(runDirs: string[]): number[] {
  const dirs = new Set(runDirs);
  const cmdline = (pid: number): string[] | null => {
    try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'); } catch { return null; }
  };
  const ours = (args: string[]) => args.includes('train') && args.some((a) => dirs.has(a) || dirs.has(path.dirname(a)));
  const pids = new Set<number>();
  for (const d of runDirs) {
    let pid: number;
    try { pid = Number(fs.readFileSync(path.join(d, PID_FILE), 'utf8').trim()); } catch { continue; }
    if (!(pid > 1) || pid === process.pid) continue;
    const args = cmdline(pid);
    if (args ? ours(args) : process.platform !== 'linux') pids.add(pid);
  }
  if (process.platform === 'linux') {
    for (const e of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
      const args = cmdline(Number(e));
      if (args && ours(args)) pids.add(Number(e));
    }
  }
  return [...pids];
}

/** End stray `train` processes (a sweep killed alone leaves its runs going) before their runs are touched again. */
async function endStrays(runDirs: string[]): Promise<void> {
  const pids = strayTrains(runDirs);
  const alive = (pid: number) => {
    try { process.kill(pid, 0); } catch { return false; }
    try { return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return process.platform !== 'linux'; }
  };
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  for (let i = 0; i < 400 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 25));
  if (pids.some(alive)) throw new Error(`could not end the train processes ${pids.filter(alive).join(', ')} left by an earlier sweep`);
  for (const d of runDirs) fs.rmSync(path.join(d, PID_FILE), { force: true });
}

/** Seconds as the sweep's progress line shows them: `42s`, `3m05s`, `2h07m` (rounded before it is split: never `2m60s`). */
export function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const sec = Math.round(s);
  if (sec < 60) return `${sec}s`;
  if (sec < 3600) return `${Math.floor(sec / 60)}m${String(sec % 60).padStart(2, '0')}s`;
  const min = Math.floor(sec / 60);
  return `${Math.floor(min / 60)}h${String(min % 60).padStart(2, '0')}m`;
}

function tailLines(file: string, n: number): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(-n);
  } catch { return []; }
}

async function runSweep(gridFile: string, opts: { out: string; jobs?: string; printJobs?: boolean }): Promise<number> {
  if (opts.jobs !== undefined) parseJobs(opts.jobs, 1); // a bad --jobs before anything is written
  const { points, paths } = prepare(gridFile, opts.out);
  if (opts.printJobs) {
    for (const p of points) process.stdout.write(pointCommand(p, paths) + '\n');
    return 0;
  }
  const threads = Math.max(1, ...points.map((p) => p.cfg.threads ?? 1));
  const jobs = parseJobs(opts.jobs, threads);
  await endStrays(points.map((p) => path.join(paths.dir, p.name)));

  const todo = points.filter((p) => pointState(path.join(paths.dir, p.name)) !== 'done');
  const total = points.length;
  let done = total - todo.length, failed = 0, diverged = 0;
  const running = new Map<ChildProcess, SweepPoint>();
  const durations: number[] = [];
  const t0 = Date.now();
  const tty = process.stderr.isTTY === true;
  let lastLine = '';
  const show = (final = false) => {
    const mean = durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : NaN;
    const left = total - done - failed;
    const eta = left === 0 ? 0 : (mean * left) / Math.min(jobs, Math.max(left, 1));
    const line = `sweep: ${done}/${total} done, ${running.size} running, ${failed} failed, ETA ${fmtDuration(eta)} (elapsed ${fmtDuration((Date.now() - t0) / 1000)})`;
    if (tty) process.stderr.write(`\r${line}\x1b[K${final ? '\n' : ''}`);
    else if (line.replace(/\(elapsed.*\)/, '') !== lastLine) process.stderr.write(`${line}\n`);
    lastLine = line.replace(/\(elapsed.*\)/, '');
  };
  process.stderr.write(`sweep: ${total} runs in ${paths.dir} (${total - todo.length} already done), ${jobs} at a time\n`);

  let stopping: NodeJS.Signals | null = null;
  const onSignal = (s: NodeJS.Signals) => {
    if (stopping) { for (const c of running.keys()) try { c.kill('SIGKILL'); } catch { /* gone */ } process.exit(s === 'SIGINT' ? 130 : 143); }
    stopping = s;
    process.stderr.write(`\n${s}: asking the running runs to checkpoint and stop (again to kill them)\n`);
    for (const c of running.keys()) try { c.kill('SIGTERM'); } catch { /* gone */ }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const start = (p: SweepPoint): Promise<void> => new Promise((resolve) => {
    const runDir = path.join(paths.dir, p.name);
    const errFile = path.join(runDir, 'stderr.log');
    const out = fs.openSync(path.join(runDir, 'stdout.log'), 'a');
    const err = fs.openSync(errFile, 'a');
    const began = Date.now();
    // in the sweep's process group: a kill of the group (Ctrl-C, a job scheduler) ends the runs with it
    const child = spawn(paths.node, [paths.cli, ...trainArgs(runDir)], { stdio: ['ignore', out, err] });
    fs.closeSync(out);
    fs.closeSync(err);
    running.set(child, p);
    if (child.pid !== undefined) fs.writeFileSync(path.join(runDir, PID_FILE), `${child.pid}\n`);
    show();
    child.on('close', (code, signal) => {
      running.delete(child);
      fs.rmSync(path.join(runDir, PID_FILE), { force: true });
      if (code === 0) {
        writeFileAtomic(path.join(runDir, DONE_FILE), '{"status":"done"}\n');
        fs.rmSync(path.join(runDir, FAILED_FILE), { force: true });
        done++;
        durations.push((Date.now() - began) / 1000);
      } else if (!stopping) {
        failed++;
        const stderrTail = tailLines(errFile, 20);
        writeFileAtomic(path.join(runDir, FAILED_FILE), JSON.stringify({
          status: 'failed', exit_code: code, signal, command: [paths.node, paths.cli, ...child.spawnargs.slice(2)],
          stderr_tail: stderrTail,
        }, null, 2) + '\n');
        // exit 3: train stopped at a non-finite loss, gradient or evaluation: the settings' outcome,
        // which a rerun repeats bit for bit; its last line says what diverged and what to change
        if (code === NON_FINITE_EXIT) diverged++;
        const why = code === NON_FINITE_EXIT ? `diverged (exit 3: ${(stderrTail.at(-1) ?? '').replace(/^synthgrad: /, '')})` : `failed (exit ${code ?? signal})`;
        process.stderr.write(`${tty ? '\r\x1b[K' : ''}sweep: ${p.name} ${why}; see ${path.join(runDir, FAILED_FILE)}\n`);
      }
      show();
      resolve();
    });
    child.on('error', (e) => {
      process.stderr.write(`sweep: could not start ${p.name}: ${e.message}\n`);
    });
  });

  const queue = [...todo];
  const workers = Array.from({ length: Math.min(jobs, queue.length) }, async () => {
    while (queue.length > 0 && !stopping) await start(queue.shift()!);
  });
  const ticker = tty ? setInterval(() => show(), 1000) : null;
  show();
  await Promise.all(workers);
  if (ticker) clearInterval(ticker);
  show(true);
  if (stopping) return stopping === 'SIGINT' ? 130 : 143;
  if (diverged > 0) process.stderr.write(`sweep: ${diverged} of ${total} runs diverged (a non-finite loss or gradient stopped them): an outcome of their settings, which running them again repeats; each failed.json holds train's message\n`);
  if (failed > diverged) process.stderr.write(`sweep: ${failed - diverged} of ${total} runs failed; fix the cause and run the same command again to retry them\n`);
  return failed > 0 ? 1 : 0;
}
