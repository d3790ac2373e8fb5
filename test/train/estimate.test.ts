// The estimate before a run: the parameter count agrees with the models as
// built, the memory parts follow their formulas, and a run that cannot fit
// stops before anything is allocated.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/train/config.js';
import { checkFits, estimateLine, estimateRun } from '../../src/train/estimate.js';
import { runTraining } from '../../src/train/run.js';
import { setupRun } from '../../src/train/setup.js';
import { tempDir, tinyConfig, writeCorpus } from './helpers.js';

const dir = tempDir();
const data = writeCorpus(dir, 1500);

describe('estimateRun', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['charlm', {}],
    ['tied, two layers', { embed: 12, hidden: [12, 12], tied: true }],
    ['linear synthesizer', { synthesizer: {}, policy: { name: 'dni' } }],
    ['mlp synthesizer', { synthesizer: { kind: 'mlp', hidden: [7, 5] }, policy: { name: 'dni' } }],
    ['conditioned linear synthesizer', { synthesizer: { condition: 3 }, policy: { name: 'dni' } }],
    ['conditioned mlp synthesizer', { synthesizer: { kind: 'mlp', hidden: [7], condition: 1 }, policy: { name: 'dni' } }],
    ['elementwise synthesizer', { synthesizer: { kind: 'elementwise', units: 3 }, policy: { name: 'dni' } }],
    ['copy', { task: 'copy', data: null, split: null, embed: undefined, copy: { width: 4 } }],
    ['repeat-copy', { task: 'repeat-copy', data: null, split: null, embed: undefined, hidden: [9, 6] }],
  ];
  it.each(cases)('%s: the parameter counts of the models as built', (_name, over) => {
    const cfg = tinyConfig(dir, data, over);
    const s = setupRun(cfg);
    const vocab = s.kind === 'lm' ? s.vocab.length : 0;
    const e = estimateRun(cfg, { vocab, trainTokens: s.kind === 'lm' ? s.trainTokens : 0 }, 1);
    expect(e.params).toBe(s.model.params.size);
    expect(e.synthParams).toBe(s.synth?.params.size ?? 0);
  });

  it('counts the ridge fit\'s statistics instead of Adam\'s moments, for the conditioned input too', () => {
    // V = 10 (given), H 8: S = 16; condition 1: input 16 + 2·10 = 36, F = 37
    const cfg = tinyConfig(dir, data, { hidden: [8], batch: 2, synthesizer: { fit: 'ridge', condition: 1 }, policy: { name: 'dni' } });
    const e = estimateRun(cfg, { vocab: 10, trainTokens: 101 }, 1);
    const Ps = 16 * 36 + 16, F = 37;
    expect(e.synthParams).toBe(Ps);
    expect(e.memory.synth).toBe(Ps * 2 * 4 + (F * F + F * 16) * (8 + 8 + 4) + 2 * F * 4);
  });

  it('adds up the parts by their formulas', () => {
    // V = 10, d = 4, H = 8, B = 2, T = 3, Adam
    const cfg = tinyConfig(dir, data, { embed: 4, hidden: [8], batch: 2, bptt: 3 });
    const e = estimateRun(cfg, { vocab: 10, trainTokens: 101 }, 1);
    const P = 10 * 4 + 4 * 8 * (4 + 8) + 2 * 4 * 8 + 10 * 8 + 10;
    expect(e.params).toBe(P);
    expect(e.memory.model).toBe(4 * P * 4); // values, gradients, two moments
    expect(e.memory.synth).toBe(0);
    // input rows and 7H per layer (gates, c, tanh c, h) with gradients; logits ×3
    expect(e.memory.activations).toBe((2 * (6 * 4 + 6 * 7 * 8) + 3 * 6 * 10) * 4);
    expect(e.memory.threads).toBe(0);
    expect(e.memory.data).toBe(101 * 4);
    expect(e.tokensPerEpoch).toBe(100);
    expect(e.total).toBe(e.memory.model + e.memory.activations + e.memory.data);
    expect(estimateLine(e)).toMatch(/^estimate: 578 parameters; memory ~[\d.]+ KiB \(model 9\.0 KiB, activations 3\.5 KiB, data 404 B\); 100 tokens\/epoch$/);
    // SGD without momentum keeps no moments; threads share an arena
    const sgd = estimateRun(tinyConfig(dir, data, { embed: 4, hidden: [8], batch: 2, bptt: 3, optimizer: { name: 'sgd' } }), { vocab: 10, trainTokens: 101 }, 2);
    expect(sgd.memory.model).toBe(2 * P * 4);
    expect(sgd.memory.threads).toBeGreaterThan(0);
  });

  it('checkFits: the machine\'s memory and the WebGPU buffer limit', () => {
    const e = estimateRun(tinyConfig(dir, data), { vocab: 10, trainTokens: 100 }, 1);
    expect(() => checkFits(e, { total: e.total })).not.toThrow();
    expect(() => checkFits(e, { total: e.total - 1 })).toThrow(/option --hidden: the run needs ~.* of memory .* but this machine has/);
    expect(() => checkFits(e, { total: 1e12, maxBuffer: e.largestArray - 1 })).toThrow(/WebGPU device's largest buffer/);
  });
});

describe('a run that cannot fit', () => {
  it('stops with a ConfigError before the run directory or the model exists', async () => {
    const out = path.join(dir, 'too-big');
    const cfg = tinyConfig(dir, data);
    await expect(runTraining(cfg, { outDir: out, memory: { total: 1000 } })).rejects.toBeInstanceOf(ConfigError);
    expect(fs.existsSync(out)).toBe(false);
  });
});
