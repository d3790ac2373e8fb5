// The PyTorch peers (bench/torch_lstm.py, bench/torch_stream_copy.py): run with a
// given Python on one thread, right before and right after our steps, their --json
// output read back into the rows of our table.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface TorchPeerRun<R> {
  /** torch.__version__ */
  torch: string;
  results: R[];
}

/**
 * `python bench/<script> --json --threads 1 …args` with OMP_NUM_THREADS=1; a string
 * says why it did not run (no such Python, no torch, the script missing or failing).
 */
export function runTorchPeer<R>(python: string, script: string, args: string[]): TorchPeerRun<R> | string {
  const built = fileURLToPath(new URL(`../../../bench/${script}`, import.meta.url)); // dist/bench/lib → bench/
  const sources = fileURLToPath(new URL(`../${script}`, import.meta.url)); // run from the sources (vitest)
  const file = fs.existsSync(built) ? built : fs.existsSync(sources) ? sources : null;
  if (!file) return `bench/${script} is not here (it is in the repository, not the npm package)`;
  const argv = [file, '--json', '--threads', '1', ...args];
  const r = spawnSync(python, argv, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  if (r.error) return `${python}: ${r.error.message}`;
  if (r.status !== 0) return `${python} bench/${script} failed (exit ${r.status}): ${r.stderr.trim().split('\n').pop() ?? ''}`;
  try {
    const out = JSON.parse(r.stdout) as TorchPeerRun<R>;
    return { torch: out.torch, results: out.results };
  } catch {
    return `${python} bench/${script} printed no JSON: ${r.stdout.trim().split('\n').pop() ?? ''}`;
  }
}

/** Why `python` cannot run a peer (not found, or no torch), or null when it can: checked before any timing starts. */
export function torchPeerProblem(python: string): string | null {
  const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.error) return `${python} does not run (${r.error.message})`;
  if (r.status !== 0) return `${python} cannot import torch: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`}`;
  return null;
}

/**
 * One peer script, run as often as a table asks (before and after our steps): each run's
 * ms per step goes to the rows it matches; after a failure it is not run again, and
 * `note` says why.
 */
export class TorchPeer<R extends { msPerStep: number }> {
  /** "torch 1.13.0 (1 thread)" once it ran, or why it did not; null before its first run */
  note: string | null = null;
  failed = false;

  constructor(readonly python: string, readonly script: string) {}

  runInto<Row extends { torchMs: number[] }>(args: string[], rows: Row[], match: (row: Row, result: R) => boolean): void {
    if (this.failed) return;
    const r = runTorchPeer<R>(this.python, this.script, args);
    if (typeof r === 'string') {
      this.failed = true;
      this.note = r;
      return;
    }
    this.note = `torch ${r.torch} (1 thread)`;
    for (const row of rows) {
      const t = r.results.find((x) => match(row, x));
      if (t) row.torchMs.push(t.msPerStep);
    }
  }
}
