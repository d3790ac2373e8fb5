// A run killed after its final evaluations but before its last checkpoint, then
// resumed, must not record those evaluations twice.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTraining } from '../../src/train/run.js';
import { tempDir, tinyConfig, writeCorpus } from './helpers.js';

describe('resume after the final evaluations', () => {
  it('keeps one valid and one test record at the final step', async () => {
    const dir = tempDir();
    const data = writeCorpus(dir, 3000);
    const cfg = tinyConfig(dir, data, { split: { valid: 0.1, test: 0.1 }, steps: 6 });
    const out = path.join(dir, 'run');
    // a checkpoint after every step: the one at step 6 comes before the final evaluations,
    // which is what a kill between those evaluations and the last checkpoint leaves behind
    await runTraining(cfg, { outDir: out, checkpointSeconds: 0 });
    const before = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8');
    const finals = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as { split?: string; step: number })
      .filter((r) => r.split !== undefined && r.step === 6).map((r) => r.split);
    expect(finals(before)).toEqual(['valid', 'test']);

    const again = await runTraining(cfg, { outDir: out, resume: true });
    const after = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8');
    expect(finals(after)).toEqual(['valid', 'test']);
    expect(after).toBe(before);
    // the summary still reports them
    expect(again.valid?.step).toBe(6);
    expect(again.test?.step).toBe(6);
  });
});
