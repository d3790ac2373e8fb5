// The first run a new user types: `synthgrad train` with no size options, on the
// built-in corpus; the estimate line; and run directories that are never overwritten.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinCorpusPath } from '../../src/data/builtin.js';
import { defaultOutDir } from '../../src/cli/train-command.js';
import { tempDir, writeCorpus } from '../train/helpers.js';

const CLI = path.resolve('dist/src/cli/main.js');

function cli(args: string[], cwd = process.cwd()): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [CLI, ...args], { encoding: 'utf8', cwd });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file of a directory with its bytes. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('base64')]));
}

const SMALL = ['--task', 'charlm', '--embed', '4', '--hidden', '8', '--batch', '2', '--bptt', '4', '--threads', '1'];

describe('synthgrad train with no options', () => {
  it('trains a character model on the built-in corpus with the defaults, after an estimate line', () => {
    const cwd = tempDir();
    const r = cli(['train', '--steps', '6', '--threads', '1'], cwd);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.split('\n');
    const estimate = lines.findIndex((l) => /^estimate: [\d.]+k parameters; memory ~[\d.]+ MiB \(model .*\); [\d.]+M tokens\/epoch$/.test(l));
    const training = lines.findIndex((l) => l.startsWith('training charlm'));
    expect(estimate, r.stderr).toBeGreaterThanOrEqual(0);
    expect(estimate).toBeLessThan(training);
    expect(r.stderr).toMatch(/^timing: \d+ ms\/step, [\d.]+k? tokens\/s; ~[\d.]+ (s|min|h) per epoch \(\d+ steps\)$/m);
    const runs = fs.readdirSync(path.join(cwd, 'runs'));
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatch(/^charlm-\d{8}-\d{6}$/);
    const dir = path.join(cwd, 'runs', runs[0]!);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    // the defaults chosen in docs/config.md ("How the defaults were chosen")
    expect(json).toMatchObject({
      task: 'charlm', split: { valid: 0.05, test: 0.05 }, embed: 64, hidden: [128], layers: 1, batch: 32, bptt: 64,
      optimizer: { name: 'adam', lr: 0.003 }, clip: 1, steps: 6, epochs: null,
    });
    // the data path, relative to the run directory like every path in config.json
    expect(path.isAbsolute(json.data as string)).toBe(false);
    expect(path.resolve(dir, json.data as string)).toBe(builtinCorpusPath());
  });

  it('lists every default in --help', () => {
    const r = cli(['train', '--help']);
    expect(r.status).toBe(0);
    for (const want of ['the task [charlm]', 'embedding width d [64]', '[128; copy tasks 64]', 'batch size B [32; copy tasks 16]',
      'truncation length T [64; copy tasks 8]', 'model learning rate [3e-3]', 'no clipping) [1]', 'built-in corpus', 'run this many whole epochs [charlm, wordlm: 1]',
      '--overwrite']) {
      expect(r.stdout.replace(/\s+/g, ' ')).toContain(want);
    }
  });
});

describe('a run is never overwritten', () => {
  it('refuses an --out that holds a run, leaving it byte for byte; --overwrite replaces it', () => {
    const dir = tempDir();
    const data = writeCorpus(dir, 2000);
    const out = path.join(dir, 'run');
    expect(cli(['train', ...SMALL, '--data', data, '--steps', '5', '--out', out]).status).toBe(0);
    const before = snapshot(out);
    const again = cli(['train', ...SMALL, '--data', data, '--steps', '2', '--out', out]);
    expect(again.status).toBe(2);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toContain(`option --out: ${out} already holds a run`);
    expect(again.stderr).toContain(`--resume ${out}`);
    expect(again.stderr).toContain('--overwrite');
    expect(snapshot(out)).toEqual(before);
    // a directory with only a config.json someone else wrote counts as a run too
    const laid = path.join(dir, 'laid');
    fs.mkdirSync(laid);
    fs.copyFileSync(path.join(out, 'config.json'), path.join(laid, 'config.json'));
    const laidAgain = cli(['train', ...SMALL, '--data', data, '--steps', '2', '--out', laid]);
    expect(laidAgain.status).toBe(2);
    // nothing to resume there: the message does not offer --resume
    expect(laidAgain.stderr.trim()).toBe(`synthgrad: error: option --out: ${laid} already holds a run with no checkpoint to resume ` +
      '(config.json); give another --out, or add --overwrite to replace it');
    // … but not when it is the run's own configuration (a sweep lays runs out like this)
    expect(cli(['train', '--config', path.join(laid, 'config.json'), '--out', laid]).status).toBe(0);

    const over = cli(['train', ...SMALL, '--data', data, '--steps', '2', '--out', out, '--overwrite']);
    expect(over.status, over.stderr).toBe(0);
    const steps = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').filter((l) => !l.includes('"split"'));
    expect(steps).toHaveLength(2);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')).steps).toBe(2);
  });

  it('the default --out is unique for runs started in the same second', () => {
    const root = path.join(tempDir(), 'runs');
    const now = new Date(2026, 0, 2, 3, 4, 5);
    const a = defaultOutDir('charlm', now, root), b = defaultOutDir('charlm', now, root), c = defaultOutDir('charlm', now, root);
    expect(a).toBe(path.join(root, 'charlm-20260102-030405'));
    expect(b).toBe(path.join(root, 'charlm-20260102-030405-2'));
    expect(c).toBe(path.join(root, 'charlm-20260102-030405-3'));
    for (const d of [a, b, c]) expect(fs.statSync(d).isDirectory()).toBe(true);
  });
});
