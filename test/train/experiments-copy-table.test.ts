// experiments/copy/table.mjs, the script docs/results.md's copy tables come from: its columns
// (LABEL=SWEEP_DIR@FILTER, where the label and the filter may hold "="), its cells, and its errors.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** A run directory whose curriculum goes through the levels `ns` (one step each): done, failed or unfinished. */
function fakeRun(sweep: string, name: string, ns: number[], status: 'done' | 'failed' | 'running'): void {
  const dir = join(sweep, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), '{"task": "copy"}\n');
  writeFileSync(join(dir, 'metrics.jsonl'), ns.map((n, step) => JSON.stringify({ step, loss: 0.5, copy_n: n, copy_r: 1, samples: 10 * step })).join('\n') + '\n');
  if (status !== 'running') writeFileSync(join(dir, `${status}.json`), '{}\n');
}

const table = (...args: string[]) => spawnSync(process.execPath, ['experiments/copy/table.mjs', ...args], { encoding: 'utf8' });

describe('experiments/copy/table.mjs', () => {
  const sweep = mkdtempSync(join(tmpdir(), 'synthgrad-table-'));
  fakeRun(sweep, 'dni,T2,synthesizer.discount=0.9,seed=1', [1, 1, 2, 2, 3], 'done'); // N 1 and 2 solved
  fakeRun(sweep, 'dni,T2,synthesizer.discount=0.9,seed=2', [1, 2], 'done'); // N 1
  fakeRun(sweep, 'dni,T2,synthesizer.discount=1,seed=1', [1, 1, 1], 'failed'); // nothing, diverged
  fakeRun(sweep, 'dni,T3,synthesizer.discount=1,seed=1', [1, 2, 3, 4], 'done'); // N 3
  fakeRun(sweep, 'dni,T3,synthesizer.discount=1,seed=2', [1, 2], 'running'); // unfinished: left out
  fakeRun(sweep, 'dni,T3,synthesizer.discount=1,seed=3', [1, 1, 2], 'done'); // N 1

  it('labels and filters with "=" in them, one column each, seeds in order, † for a diverged run', () => {
    const r = table(`γ 0.9=${sweep}@discount=0.9,`, `γ 1 (= λ)=${sweep}@discount=1,`);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('| T | γ 0.9 | γ 1 (= λ) |');
    expect(lines).toContain('| 2 | 1.5 [1–2] (2, 1) | 0.0 [0–0] (0†) |');
    expect(lines).toContain('| 3 | — | 2.0 [1–3] (3, 1) |');
    expect(r.stdout).toContain('† the run diverged');
  });

  it('says what is wrong with a column, and exits 2', () => {
    for (const [args, msg] of [
      [[`${sweep}`], 'expected LABEL=SWEEP_DIR[@FILTER]'],
      [[`x=${join(sweep, 'nope')}@a=1`], 'no such sweep directory'],
      [[], 'no column given'],
    ] as const) {
      const r = table(...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(msg);
      expect(r.stderr).toContain('usage: node experiments/copy/table.mjs');
    }
  });
});
