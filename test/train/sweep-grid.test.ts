// Grid expansion: points, names, variants, paths, errors.
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { expandGrid, loadGrid, pointCommand, safeName, setPath } from '../../src/train/sweep.js';
import { ConfigError } from '../../src/train/config.js';

function gridFile(grid: object): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthgrad-grid-'));
  fs.mkdirSync(path.join(dir, 'data'));
  fs.writeFileSync(path.join(dir, 'data', 'c.txt'), 'abcdefgh'.repeat(50));
  const f = path.join(dir, 'grid.json');
  fs.writeFileSync(f, JSON.stringify(grid));
  return f;
}

const BASE = { task: 'copy', hidden: 8, batch: 2, bptt: 2, steps: 5 };

describe('sweep grids', () => {
  it('crosses the axes in file order (the last fastest) and names each point after its values', () => {
    const base = { ...BASE, synthesizer: { kind: 'linear' } };
    const pts = expandGrid(loadGrid(gridFile({ base, axes: { 'policy.name': ['bptt', 'dni'], bptt: [2, 3], seed: [1, 2] } })));
    expect(pts.map((p) => p.name).slice(0, 3)).toEqual(['policy.name=bptt,bptt=2,seed=1', 'policy.name=bptt,bptt=2,seed=2', 'policy.name=bptt,bptt=3,seed=1']);
    expect(pts).toHaveLength(8);
    const p = pts[7]!;
    expect([p.cfg.policy.name, p.cfg.bptt, p.cfg.seed, p.cfg.threads]).toEqual(['dni', 3, 2, 1]);
  });

  it('crosses variants with the axes; base paths are relative to the grid file', () => {
    const f = gridFile({
      base: { task: 'charlm', data: 'data/c.txt', embed: 4, hidden: 8, batch: 2, bptt: 4, steps: 3 },
      axes: { seed: [1, 2] },
      variants: [{ _name: 'real', policy: { name: 'bptt' } }, { policy: { name: 'dni' }, synthesizer: { kind: 'linear' } }],
    });
    const pts = expandGrid(loadGrid(f));
    expect(pts.map((p) => p.name)).toEqual([
      'real,seed=1', 'real,seed=2', 'policy.name=dni,synthesizer.kind=linear,seed=1', 'policy.name=dni,synthesizer.kind=linear,seed=2',
    ]);
    expect(pts[0]!.cfg.data).toBe(path.join(path.dirname(f), 'data', 'c.txt'));
    expect(pts[0]!.cfg.synthesizer).toBeNull();
    expect(pts[3]!.cfg.synthesizer?.kind).toBe('linear');
  });

  it('names the invalid point; rejects a malformed grid', () => {
    const bad = gridFile({ base: BASE, axes: { 'policy.name': ['bptt', 'dni'] } });
    expect(() => expandGrid(loadGrid(bad))).toThrow(/point 1 \(policy\.name=dni\)/);
    expect(() => loadGrid(gridFile({ base: BASE, axes: { seed: [] } }))).toThrow(ConfigError);
    expect(() => loadGrid(gridFile({ base: BASE, axis: { seed: [1] } }))).toThrow(/unknown grid key "axis"/);
    expect(() => expandGrid(loadGrid(gridFile({ base: { ...BASE, copy: { width: 4 } }, axes: { 'copy.width.x': [1] } })))).toThrow(/not an object/);
  });

  it('makes names safe and unique', () => {
    expect(safeName(['data=../x y/z.txt'])).toBe('data=.._x_y_z.txt');
    expect(safeName(['a=' + 'v'.repeat(300)]).length).toBeLessThan(170);
    const pts = expandGrid(loadGrid(gridFile({ base: BASE, axes: { 'optimizer.betas': [[0.9, 0.99], [0.9, 0.999]], 'copy.width': [4] } })));
    expect(new Set(pts.map((p) => p.name)).size).toBe(2);
    const clash = expandGrid(loadGrid(gridFile({ base: BASE, variants: [{ _name: 'a b', seed: 1 }, { _name: 'a_b', seed: 2 }] })));
    expect(clash.map((p) => p.name)).toEqual(['a_b', 'a_b~2']);
  });

  it('setPath creates objects and replaces null; the command quotes paths for the shell', () => {
    const o: Record<string, unknown> = { schedule: null };
    setPath(o, 'schedule.t0', 2);
    expect(o).toEqual({ schedule: { t0: 2 } });
    const [p] = expandGrid(loadGrid(gridFile({ base: BASE, variants: [{ _name: "it's" }] })));
    const cmd = pointCommand(p!, { node: '/usr/bin/node', cli: '/x/main.js', dir: '/tmp/a b' });
    expect(cmd).toContain(`'/tmp/a b/it_s'/config.json`);
  });

  it('a printed command marks its run done, or failed with the exit code, and exits with that code', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'synthgrad-jobs-'));
    const fake = path.join(root, 'fake-cli.sh'); // stands in for main.js, run by sh instead of node
    fs.writeFileSync(fake, 'exit "${FAKE_CODE:-0}"\n');
    const [p] = expandGrid(loadGrid(gridFile({ base: BASE, variants: [{ _name: 'r' }] })));
    const cmd = pointCommand(p!, { node: '/bin/sh', cli: fake, dir: root });
    const run = (code: number) => spawnSync('bash', ['-c', cmd], { env: { ...process.env, FAKE_CODE: String(code) } }).status;
    const at = (f: string) => path.join(root, 'r', f);
    fs.mkdirSync(at(''), { recursive: true });
    expect(run(3)).toBe(3);
    expect(JSON.parse(fs.readFileSync(at('failed.json'), 'utf8'))).toEqual({ status: 'failed', exit_code: 3 });
    expect(fs.existsSync(at('done.json'))).toBe(false);
    expect(run(0)).toBe(0);
    expect(JSON.parse(fs.readFileSync(at('done.json'), 'utf8'))).toEqual({ status: 'done' });
    expect(fs.existsSync(at('failed.json'))).toBe(false);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
