// `synthgrad eval` and `synthgrad sample` on a run directory, through the CLI as a
// user runs them: the printed metrics, --threads (any count prints the same
// numbers), the sample's length and prime, and the errors for bad options.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir, writeCorpus } from '../train/helpers.js';

const CLI = path.resolve('dist/src/cli/main.js');
const dir = tempDir();
const run = path.join(dir, 'run');

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  // large enough (eval batch 16 × bptt 16, hidden 64) for the threaded backend to split the LSTM and the products
  const data = writeCorpus(dir, 6000);
  const r = cli(['train', '--task', 'charlm', '--data', data, '--split', '0.2,0.2', '--embed', '16', '--hidden', '64', '--batch', '8', '--bptt', '16',
    '--eval-batch', '16', '--steps', '4', '--threads', '1', '--out', run]);
  expect(r.status, r.stderr).toBe(0);
  // the kernel variant is named in the backend line and recorded in config.json
  const kernels = r.stderr.match(/backend: cpu, 1 thread, kernels (wasm-simd-fma|wasm-simd|ts)\n/)?.[1];
  expect(kernels, r.stderr).toBeDefined();
  expect(JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8'))).toMatchObject({ backend_used: 'cpu', threads_used: 1, kernels });
});

describe('synthgrad eval', () => {
  it('prints loss, perplexity and bits per character for valid and test, the same with 1 and 2 threads', () => {
    const one = cli(['eval', run, '--threads', '1']);
    expect(one.status, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/^valid: loss \d+\.\d{4}  ppl \d+\.\d{2}  bpc \d+\.\d{4}  \(\d+ tokens\)\ntest: loss /);
    const [loss, ppl] = one.stdout.match(/valid: loss (\S+)  ppl (\S+)/)!.slice(1).map(Number);
    expect(ppl).toBeCloseTo(Math.exp(loss!), 1);
    expect(one.stderr).toMatch(/backend: cpu, 1 thread/);
    const two = cli(['eval', run, '--threads', '2']);
    expect(two.status, two.stderr).toBe(0);
    expect(two.stderr).toMatch(/backend: cpu, 2 threads/);
    expect(two.stdout).toBe(one.stdout);
  });

  it('--split valid prints only valid; bad options say what is wrong and exit 2', () => {
    const v = cli(['eval', run, '--split', 'valid', '--threads', '1']);
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/^valid: /);
    expect(v.stdout).not.toMatch(/test:/);
    const split = cli(['eval', run, '--split', 'train']);
    expect(split.status).toBe(2);
    expect(split.stderr).toMatch(/--split: "train" is not one of valid, test, both/);
    const threads = cli(['eval', run, '--threads', '0']);
    expect(threads.status).toBe(2);
    expect(threads.stderr).toMatch(/--threads: "0" is not a positive integer/);
  });
});

describe('synthgrad sample', () => {
  it('starts with the prime, generates --length more characters, and is reproducible for a seed', () => {
    const a = cli(['sample', run, '--prime', 'the ', '--length', '40', '--seed', '5']);
    expect(a.status, a.stderr).toBe(0);
    const text = a.stdout.replace(/\n$/, '');
    expect(text.startsWith('the ')).toBe(true);
    expect([...text].length).toBe(4 + 40);
    expect(cli(['sample', run, '--prime', 'the ', '--length', '40', '--seed', '5']).stdout).toBe(a.stdout);
    const bad = cli(['sample', run, '--temperature', '0']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--temperature: "0" must be a number > 0/);
  });
});
