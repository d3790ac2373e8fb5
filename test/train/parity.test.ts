// Step-for-step parity with an independent PyTorch reference trainer
// (scripts/reference/torch_reference.py, fixtures in test/fixtures/parity/).
// Each case runs `train --config C --init INIT --steps 40` (INIT: the case's init.safetensors or
// the rule's initial weights, parity-compare.ts) and
// compares every step record and the final weights (with the default kernels:
// src/backends/wasm/variant.ts); two cases again with each other kernel variant
// this engine has (the threaded path: test/backends/threads.test.ts; WebGPU:
// test/webgpu/backend.test.ts).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StepRecord } from '../../src/train/curves.js';
import { tempDir } from './helpers.js';
import { setBackend } from '../../src/backends/backend.js';
import { cpuBackend, createCpuBackend } from '../../src/backends/cpu/index.js';
import { kernelsHere } from '../../src/backends/wasm/variant.js';
import { compareRecords, parityInit, PARITY_ROOT as root, PARITY_STEPS as STEPS, readJsonl, runParityCase, withSection4Defaults } from './parity-compare.js';

const cases = fs.existsSync(root)
  ? fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'expected_metrics.jsonl'))).sort()
  : [];
const out = tempDir('synthgrad-parity-');

describe.skipIf(cases.length === 0)('parity with the PyTorch reference (40 steps)', () => {
  it.each(cases)('%s', async (name) => {
    await runParityCase(name, path.join(out, name));
  });

  const others = kernelsHere().filter((k) => k !== cpuBackend.kernels);
  it.each(others.flatMap((kernels) => ['dni_linear_steps', 'tied_2layer_word'].map((name) => ({ name, kernels }))))('$name with the $kernels kernels', async ({ name, kernels }) => {
    const was = setBackend(createCpuBackend({ kernels }));
    try {
      await runParityCase(name, path.join(out, `${kernels}-${name}`));
    } finally {
      setBackend(was);
    }
  });

  it('the command line `train --config C --init INIT --steps 40` gives the same records', () => {
    const name = cases[0]!;
    const dir = path.join(root, name);
    const runDir = path.join(out, `cli-${name}`);
    // the fixture's keys plus the §4 values of the keys it predates, its data path made absolute
    const raw = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    const config = path.join(out, `cli-${name}.json`);
    fs.writeFileSync(config, JSON.stringify({ ...withSection4Defaults(raw), data: path.resolve(dir, raw['data'] as string) }));
    const r = spawnSync(process.execPath, ['dist/src/cli/main.js', 'train', '--config', config, '--init', parityInit(name, path.join(out, `cli-${name}-init.safetensors`)), '--steps', String(STEPS), '--out', runDir], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const got = readJsonl(path.join(runDir, 'metrics.jsonl')).filter((x) => !('split' in x)) as unknown as StepRecord[];
    compareRecords(got, readJsonl(path.join(dir, 'expected_metrics.jsonl')));
  });
});
