// Step-for-step parity with an independent PyTorch reference trainer
// (scripts/reference/torch_reference.py, fixtures in test/fixtures/parity/).
// Each case runs `train --config C --init init.safetensors --steps 40` and
// compares every step record and the final weights.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../src/train/checkpoint.js';
import { loadConfigFile, nodePath } from '../../src/train/config-file.js';
import { applyFlags, resolveConfig } from '../../src/train/config.js';
import { runTraining } from '../../src/train/run.js';
import type { StepRecord } from '../../src/train/curves.js';
import { tempDir } from './helpers.js';

const root = path.resolve('test/fixtures/parity');
const cases = fs.existsSync(root)
  ? fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'expected_metrics.jsonl'))).sort()
  : [];
const STEPS = 40;
const out = tempDir('synthgrad-parity-');

/** |a − b| ≤ tol·max(|b|, floor): relative, with a floor for values near zero. */
function close(a: number, b: number, tol: number, floor: number): boolean {
  return Math.abs(a - b) <= tol * Math.max(Math.abs(b), floor);
}

function readJsonl(file: string): Record<string, unknown>[] {
  return fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

function compareRecords(got: StepRecord[], want: Record<string, unknown>[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    const where = `step ${i}`;
    expect(g.mode, where).toBe(w.mode);
    expect([g.step, g.epoch, g.chunk, g.chunk_len], where).toEqual([w.step, w.epoch, w.chunk, w.chunk_len]);
    expect(Math.abs(g.lr - (w.lr as number)), `${where} lr ${g.lr} vs ${w.lr}`).toBeLessThanOrEqual(1e-9);
    expect(close(g.loss, w.loss as number, 1e-4, 1e-3), `${where} loss ${g.loss} vs ${w.loss}`).toBe(true);
    expect(close(g.grad_norm, w.grad_norm as number, 1e-3, 1e-3), `${where} grad_norm ${g.grad_norm} vs ${w.grad_norm}`).toBe(true);
    if (w.sg_loss === null) expect(g.sg_loss, where).toBeNull();
    else expect(close(g.sg_loss!, w.sg_loss as number, 1e-2, 1e-6), `${where} sg_loss ${g.sg_loss} vs ${w.sg_loss}`).toBe(true);
    if (w.ghat_norm === null || w.ghat_norm === undefined) expect(g.ghat_norm, where).toBeNull();
    else expect(close(g.ghat_norm!, w.ghat_norm as number, 1e-2, 1e-6), `${where} ghat_norm ${g.ghat_norm} vs ${w.ghat_norm}`).toBe(true);
  });
}

function compareWeights(file: string, expectedFile: string): void {
  const got = decodeCheckpoint(fs.readFileSync(file), file).tensors;
  const want = decodeCheckpoint(fs.readFileSync(expectedFile), expectedFile).tensors;
  for (const [name, w] of want) {
    const g = got.get(name);
    expect(g, `final weights: ${name} missing`).toBeDefined();
    let worst = 0;
    for (let i = 0; i < w.size; i++) worst = Math.max(worst, Math.abs(g!.data[i]! - w.data[i]!));
    expect(worst, `final weights: ${name} differs by ${worst}`).toBeLessThanOrEqual(1e-3);
  }
}

describe.skipIf(cases.length === 0)('parity with the PyTorch reference (40 steps)', () => {
  it.each(cases)('%s', async (name) => {
    const dir = path.join(root, name);
    const { raw, baseDir } = loadConfigFile(path.join(dir, 'config.json'));
    const merged = applyFlags(raw, { init: path.join(dir, 'init.safetensors'), steps: String(STEPS) }, { cwd: process.cwd(), path: nodePath });
    const cfg = resolveConfig(merged, { baseDir, source: name, path: nodePath });
    const runDir = path.join(out, name);
    await runTraining(cfg, { outDir: runDir });
    const got = readJsonl(path.join(runDir, 'metrics.jsonl')).filter((r) => !('split' in r)) as unknown as StepRecord[];
    compareRecords(got, readJsonl(path.join(dir, 'expected_metrics.jsonl')));
    compareWeights(path.join(runDir, 'checkpoint.safetensors'), path.join(dir, 'final.safetensors'));
  });

  it('the command line `train --config C --init init.safetensors --steps 40` gives the same records', () => {
    const name = cases[0]!;
    const dir = path.join(root, name);
    const runDir = path.join(out, `cli-${name}`);
    const r = spawnSync('node', ['dist/src/cli/main.js', 'train', '--config', path.join(dir, 'config.json'), '--init', path.join(dir, 'init.safetensors'), '--steps', String(STEPS), '--out', runDir], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const got = readJsonl(path.join(runDir, 'metrics.jsonl')).filter((x) => !('split' in x)) as unknown as StepRecord[];
    compareRecords(got, readJsonl(path.join(dir, 'expected_metrics.jsonl')));
  });
});
