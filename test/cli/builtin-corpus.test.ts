// The built-in corpus on a clone with no network: `synthgrad train --task
// charlm` on data/tinyshakespeare.txt runs and learns something in 50 steps.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinCorpusPath } from '../../src/data/builtin.js';
import { tempDir } from '../train/helpers.js';

describe('the built-in corpus', () => {
  it('trains a small charlm for 50 steps, its valid bpc below the uniform 6.02 bits of 65 characters', () => {
    const out = path.join(tempDir(), 'run');
    const r = spawnSync('node', [path.resolve('dist/src/cli/main.js'), 'train', '--task', 'charlm', '--data', 'data/tinyshakespeare.txt',
      '--embed', '16', '--hidden', '32', '--batch', '4', '--bptt', '8', '--steps', '50', '--threads', '1', '--out', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const text = fs.readFileSync(builtinCorpusPath(), 'utf8');
    const uniformBits = Math.log2(new Set(text).size);
    expect(uniformBits).toBeCloseTo(Math.log2(65), 6);
    const bpc = Number(/valid loss \S+  ppl \S+  bpc (\S+)/.exec(r.stdout)![1]);
    expect(bpc).toBeLessThan(uniformBits);
    const steps = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"step"'));
    expect(steps.length).toBeGreaterThanOrEqual(50);
  });
});
