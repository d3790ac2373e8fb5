// Checkpoints written by earlier versions still resume: the files under
// test/fixtures/checkpoints were written after 12 steps of the runs below by the
// code before the components saved their own state. A run of today writes the same
// bytes, and resuming the old file gives the run an uninterrupted one gives. The
// fixtures were written with the unfused SIMD kernels ('wasm-simd'), which give the
// same bits on every engine; the runs here use them whatever the default (Node 22+
// fuses multiply-adds: src/backends/wasm/variant.ts).
// Regenerate (only when the format changes on purpose, and say so in docs/config.md):
//   SYNTHGRAD_WRITE_CHECKPOINT_FIXTURES=1 npx vitest run test/train/checkpoint-compat.test.ts
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setBackend, type Backend } from '../../src/backends/backend.js';
import { createCpuBackend } from '../../src/backends/cpu/index.js';
import { CHECKPOINT, runTraining } from '../../src/train/run.js';
import { expectSameCheckpoint, tempDir, tinyConfig, writeCorpus } from './helpers.js';

const FIXTURES = path.resolve('test/fixtures/checkpoints');
const WRITE = process.env.SYNTHGRAD_WRITE_CHECKPOINT_FIXTURES === '1';
const dir = tempDir();
const data = writeCorpus(dir, 600);

// the files were written before the synthesizer's target scale and train_at_reset existed: §4's values
const SECTION4 = { normalize: 'none', train_at_reset: true };
const cases: [string, Record<string, unknown>][] = [
  ['charlm-elementwise', { policy: { name: 'dni' }, synthesizer: { kind: 'elementwise', units: 4, ...SECTION4 } }],
  ['charlm-tied-sgd', { embed: 12, tied: true, optimizer: { name: 'sgd', lr: 0.5, momentum: 0.9 }, policy: { name: 'alternating' }, synthesizer: { kind: 'linear', ...SECTION4 }, schedule: { t0: 7 } }],
  ['copy-mlp', { task: 'copy', data: null, split: null, embed: undefined, hidden: [10], batch: 4, bptt: 3, policy: { name: 'dni' }, synthesizer: { ...SECTION4 }, copy: { stream: false, max_length: 6, threshold: 4 } }],
  ['repeat-copy-sgd', { task: 'repeat-copy', data: null, split: null, embed: undefined, hidden: [10], batch: 4, bptt: 3, optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 }, schedule: { t0: 2 }, policy: { name: 'alternating' }, synthesizer: { ...SECTION4 }, copy: { stream: false, max_length: 6, threshold: 8 } }],
];

describe('checkpoints of earlier versions', () => {
  let previous: Backend;
  beforeAll(() => {
    previous = setBackend(createCpuBackend({ kernels: 'wasm-simd' }));
  });
  afterAll(() => {
    setBackend(previous);
  });

  it.each(cases)('%s: the same bytes after 12 steps, and the old file resumes to the uninterrupted run', async (name, over) => {
    const cfgAt = (steps: number) => tinyConfig(dir, data, { ...over, steps });
    const fixture = path.join(FIXTURES, `${name}.safetensors`);
    const at12 = path.join(dir, `${name}-12`);
    await runTraining(cfgAt(12), { outDir: at12 });
    const written = fs.readFileSync(path.join(at12, CHECKPOINT));
    if (WRITE) fs.writeFileSync(fixture, written);
    const old = fs.readFileSync(fixture);
    expect(Buffer.compare(written, old)).toBe(0);

    const resumed = path.join(dir, `${name}-resumed`), straight = path.join(dir, `${name}-straight`);
    fs.mkdirSync(resumed);
    fs.writeFileSync(path.join(resumed, CHECKPOINT), old);
    await runTraining(cfgAt(30), { outDir: resumed, resume: true });
    await runTraining(cfgAt(30), { outDir: straight });
    expectSameCheckpoint(resumed, straight);
  });
});

describe('a checkpoint that does not fit the configured run', () => {
  it('names the file, the component and the tensor', async () => {
    const out = path.join(dir, 'misfit');
    fs.mkdirSync(out);
    fs.copyFileSync(path.join(FIXTURES, 'charlm-elementwise.safetensors'), path.join(out, CHECKPOINT));
    const cfg = tinyConfig(dir, data, { ...cases[0]![1], hidden: [14], steps: 30 });
    await expect(runTraining(cfg, { outDir: out, resume: true })).rejects.toThrow(/checkpoint\.safetensors: the model: tensor rnns\.0\.weight_ih has 384 values, the configured run needs 448; the checkpoint cannot resume this run/);
    const mlpCfg = tinyConfig(dir, data, { ...cases[0]![1], synthesizer: { kind: 'mlp' }, steps: 30 });
    await expect(runTraining(mlpCfg, { outDir: out, resume: true })).rejects.toThrow(/the synthesizer: missing tensor synthesizer\.0\.weight/);
  });
});
