// `synthgrad sweep`: a sweep killed with SIGKILL at random moments and run
// again ends with the same run directories as an uninterrupted one; the
// printed jobs and slurm.sh describe the same runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const CLI = path.resolve('dist/src/cli/main.js');
const RUNS = ['policy.name=bptt,seed=1', 'policy.name=bptt,seed=2', 'policy.name=dni,seed=1', 'policy.name=dni,seed=2'];

function setup(): { dir: string; grid: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthgrad-sweep-'));
  const words = ['the', 'quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dog', 'and', 'then'];
  let text = '', x = 7;
  for (let i = 0; i < 120; i++) { x = (x * 1103515245 + 12345) % 2147483648; text += `${words[x % words.length]} `; }
  fs.mkdirSync(path.join(dir, 'data'));
  fs.writeFileSync(path.join(dir, 'data', 'corpus.txt'), text);
  // ~4 chunks per epoch: checkpoints at every epoch end, so a restart resumes mid-run
  const grid = {
    base: {
      task: 'charlm', data: 'data/corpus.txt', split: { valid: 0.1, test: 0 }, embed: 8, hidden: 16, batch: 4, bptt: 8,
      steps: 200, synthesizer: { kind: 'linear' }, optimizer: { lr: 0.01 },
    },
    axes: { 'policy.name': ['bptt', 'dni'], seed: [1, 2] },
  };
  fs.writeFileSync(path.join(dir, 'grid.json'), JSON.stringify(grid));
  return { dir, grid: path.join(dir, 'grid.json') };
}

function sweep(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'sweep', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A run's records without the fields that measure time. */
function records(runDir: string): object[] {
  return fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.trim())
    .map((l) => Object.fromEntries(Object.entries(JSON.parse(l) as object).filter(([k]) => !/time|per_s|seconds/.test(k))));
}

function expectSameRuns(a: string, b: string): void {
  for (const run of RUNS) {
    expect(fs.existsSync(path.join(b, run, 'done.json')), `${run} done`).toBe(true);
    const ra = records(path.join(a, run));
    expect(ra.length).toBeGreaterThan(200);
    expect(records(path.join(b, run)), `${run} metrics`).toEqual(ra);
    const ca = fs.readFileSync(path.join(a, run, 'checkpoint.safetensors'));
    const cb = fs.readFileSync(path.join(b, run, 'checkpoint.safetensors'));
    expect(cb.equals(ca), `${run} checkpoint`).toBe(true);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the sweep\'s durations', () => {
  it('rounds before splitting into minutes and seconds', async () => {
    const { fmtDuration } = await import('../../src/cli/sweep-command.js');
    expect([0.4, 59.4, 59.6, 179.6, 185, 3599.6, 3600, 7659].map(fmtDuration)).toEqual(['0s', '59s', '1m00s', '3m00s', '3m05s', '1h00m', '1h00m', '2h07m']);
    expect(fmtDuration(Infinity)).toBe('?');
  });
});

describe('synthgrad sweep', () => {
  let dir = '', grid = '', ref = '';
  beforeAll(() => {
    ({ dir, grid } = setup());
    ref = path.join(dir, 'ref');
    const r = sweep([grid, '--out', ref, '--jobs', '2']);
    expect(r.status, r.stderr).toBe(0);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a sweep killed twice with SIGKILL and rerun gives the uninterrupted sweep\'s runs', async () => {
    const killed = path.join(dir, 'killed');
    expect(fs.readdirSync(ref).filter((e) => fs.statSync(path.join(ref, e)).isDirectory()).sort()).toEqual(RUNS);

    // First the whole process group (the sweep and its runs, as a scheduler does), then the sweep
    // alone (its runs go on as strays until the next sweep ends them), each somewhere inside the sweep.
    // The group is killed once a run has a checkpoint and is not done, so that some run resumes.
    const midRun = () => RUNS.some((r) => fs.existsSync(path.join(killed, r, 'checkpoint.safetensors')) && !fs.existsSync(path.join(killed, r, 'done.json')));
    for (const group of [true, false]) {
      const child = spawn(process.execPath, [CLI, 'sweep', grid, '--out', killed, '--jobs', '2'], { stdio: 'ignore', detached: true });
      const exited = new Promise((res) => child.on('exit', res));
      if (group) {
        for (let i = 0; i < 1500 && !midRun(); i++) await sleep(10);
        await sleep(Math.random() * 100);
        try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already done */ }
      } else {
        await sleep(300 + Math.random() * 1500);
        child.kill('SIGKILL');
      }
      await exited;
    }
    const again = sweep([grid, '--out', killed, '--jobs', '2']);
    expect(again.status, again.stderr).toBe(0);
    expectSameRuns(ref, killed);
    const logs = RUNS.map((r) => fs.readFileSync(path.join(killed, r, 'stderr.log'), 'utf8')).join('');
    expect(logs).toMatch(/resumed at step [1-9]/);

    // a finished sweep is skipped, not run again
    const noop = sweep([grid, '--out', killed]);
    expect(noop.status).toBe(0);
    expect(noop.stderr).toContain('(4 already done)');
  });

  it('--print-jobs prints one command per run, and running them gives the same runs; slurm.sh indexes every run', () => {
    const byHand = path.join(dir, 'by-hand');
    const p = sweep([grid, '--out', byHand, '--print-jobs']);
    expect(p.status, p.stderr).toBe(0);
    const lines = p.stdout.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(RUNS.length);
    for (const run of RUNS) expect(lines.filter((l) => l.includes(path.join(byHand, run) + '/')).length).toBe(1);
    for (const run of RUNS) expect(fs.existsSync(path.join(byHand, run, 'metrics.jsonl'))).toBe(false);
    for (const l of lines) {
      const sh = spawnSync('bash', ['-c', l], { encoding: 'utf8', cwd: os.tmpdir() });
      expect(sh.status, sh.stderr).toBe(0);
    }
    expectSameRuns(ref, byHand);

    const slurm = path.join(byHand, 'slurm.sh');
    expect(spawnSync('bash', ['-n', slurm]).status).toBe(0);
    const text = fs.readFileSync(slurm, 'utf8');
    expect(text).toMatch(/^#SBATCH --array=0-3$/m);
    expect(text).toContain('$SLURM_ARRAY_TASK_ID');
    lines.forEach((l, i) => expect(text).toContain(`  ${i}) ${l} ;;`));
  });

  it('records a failed run (exit code, end of stderr) and finishes the others', () => {
    fs.writeFileSync(path.join(dir, 'bad.safetensors'), 'not a safetensors file');
    const g = JSON.parse(fs.readFileSync(grid, 'utf8'));
    g.base.steps = 5;
    g.axes = { seed: [1] };
    // bad: an unreadable init file (exit 2); nan: plain SGD at lr 1e30 overflows at once (exit 3)
    g.variants = [{ _name: 'good' }, { _name: 'bad', init: 'bad.safetensors' }, { _name: 'nan', policy: { name: 'bptt' }, optimizer: { name: 'sgd', lr: 1e30 } }];
    const f = path.join(dir, 'fail-grid.json');
    fs.writeFileSync(f, JSON.stringify(g));
    const out = path.join(dir, 'fail');
    const r = sweep([f, '--out', out, '--jobs', '1']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('bad,seed=1 failed (exit 2)');
    expect(fs.existsSync(path.join(out, 'good,seed=1', 'done.json'))).toBe(true);
    const failed = JSON.parse(fs.readFileSync(path.join(out, 'bad,seed=1', 'failed.json'), 'utf8'));
    expect(failed.exit_code).toBe(2);
    expect(failed.stderr_tail.join('\n')).toContain('bad.safetensors');
    expect(fs.existsSync(path.join(out, 'bad,seed=1', 'done.json'))).toBe(false);
    // a diverged run is told apart: its message is train's, and a rerun is no cure
    expect(r.stderr).toMatch(/nan,seed=1 diverged \(exit 3: stopped: step \d+: the (loss|gradient norm) \(\S+\) is not finite/);
    expect(r.stderr).toContain('lower --lr, set --clip, or use --on-nan skip');
    expect(r.stderr).toContain('sweep: 1 of 3 runs diverged');
    expect(r.stderr).toContain('sweep: 1 of 3 runs failed; fix the cause');
  });

  it('names the invalid point before running anything', () => {
    const g = JSON.parse(fs.readFileSync(grid, 'utf8'));
    g.axes['bptt'] = [8, -1];
    const bad = path.join(dir, 'bad-grid.json');
    fs.writeFileSync(bad, JSON.stringify(g));
    const r = sweep([bad, '--out', path.join(dir, 'out')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('bptt=-1');
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });
});
