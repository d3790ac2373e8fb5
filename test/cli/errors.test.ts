// Every error a user can cause ends in one line that names the option or the
// path, with exit code 2 (bad input) or 3 (a non-finite loss): never a stack
// trace, never a Node error code alone.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir, writeCorpus } from '../train/helpers.js';
import type { MetricRecord } from '../../src/train/curves.js';

const CLI = path.resolve('dist/src/cli/main.js');
const dir = tempDir();
const at = (f: string) => path.join(dir, f);
const SMALL = ['--embed', '4', '--hidden', '8', '--batch', '2', '--bptt', '4', '--threads', '1'];

beforeAll(() => {
  writeCorpus(dir, 2000, 'corpus.txt');
  fs.writeFileSync(at('afile.txt'), 'not a directory\n');
  fs.writeFileSync(at('notes.safetensors'), 'hello');
  fs.mkdirSync(at('adir'));
  fs.mkdirSync(at('words'));
  fs.writeFileSync(at('words/train.txt'), 'a b c\n');
});

interface Case {
  name: string;
  args: string[];
  code: 2 | 3;
  /** what the message must name: the option and/or the path */
  names: string[];
}

const cases: Case[] = [
  { name: '--hidden far too big for the machine', args: ['train', '--hidden', '100000', '--data', at('missing.txt')], code: 2, names: ['--hidden', 'memory'] },
  { name: '--out naming a file', args: ['train', '--out', at('afile.txt'), '--steps', '1'], code: 2, names: ['--out', at('afile.txt')] },
  { name: '--out below a file', args: ['train', ...SMALL, '--data', at('corpus.txt'), '--out', at('afile.txt/run'), '--steps', '1'], code: 2, names: ['--out', at('afile.txt/run')] },
  { name: 'a missing --config file', args: ['train', '--config', at('nope.json')], code: 2, names: [at('nope.json')] },
  { name: 'a directory as --config', args: ['train', '--config', at('adir')], code: 2, names: [at('adir')] },
  { name: 'a missing --data file', args: ['train', ...SMALL, '--data', at('missing.txt'), '--steps', '1', '--out', at('r1')], code: 2, names: [at('missing.txt')] },
  { name: 'a --data folder without train.txt', args: ['train', ...SMALL, '--data', at('adir'), '--steps', '1', '--out', at('r2')], code: 2, names: [at('adir'), 'train.txt'] },
  { name: 'a wordlm --data folder without valid.txt', args: ['train', '--task', 'wordlm', ...SMALL, '--data', at('words'), '--steps', '1', '--out', at('r3')], code: 2, names: ['valid.txt'] },
  { name: '--resume of a directory that holds no run', args: ['train', '--resume', at('adir')], code: 2, names: ['--resume', at('adir')] },
  { name: '--resume of a missing directory', args: ['train', '--resume', at('gone')], code: 2, names: ['--resume', at('gone')] },
  { name: '--resume with --overwrite', args: ['train', '--resume', at('adir'), '--overwrite'], code: 2, names: ['--'] },
  { name: '--init of a file that is not safetensors', args: ['train', ...SMALL, '--data', at('corpus.txt'), '--init', at('notes.safetensors'), '--steps', '1', '--out', at('r4')], code: 2, names: [at('notes.safetensors')] },
  { name: 'a batch too large for the data', args: ['train', ...SMALL, '--data', at('corpus.txt'), '--batch', '5000', '--steps', '1', '--out', at('r5')], code: 2, names: ['batch'] },
  { name: 'a bad value', args: ['train', '--lr', '-1'], code: 2, names: ['--lr'] },
  { name: 'an unknown option', args: ['train', '--hiden', '8'], code: 2, names: ['--hiden'] },
  { name: 'a non-finite loss', args: ['train', ...SMALL, '--data', at('corpus.txt'), '--optimizer', 'sgd', '--lr', '1e30', '--clip', 'none', '--steps', '20', '--out', at('r6')], code: 3, names: ['--lr', 'No checkpoint had been written yet'] }, // it fails at step 2, before the first checkpoint
  { name: 'eval of a missing run directory', args: ['eval', at('gone')], code: 2, names: [at('gone')] },
  { name: 'eval of a directory that holds no run', args: ['eval', at('adir')], code: 2, names: [at('adir'), 'config.json'] },
  { name: 'sample of a missing run directory', args: ['sample', at('gone')], code: 2, names: [at('gone')] },
  { name: 'a bad `data get` name', args: ['data', 'get', 'nosuch'], code: 2, names: ['nosuch'] },
];

describe('errors a user can cause', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = spawnSync('node', [CLI, ...c.args], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(c.code);
    const err = r.stderr.split('\n').filter((l) => l.startsWith('synthgrad:') || l.startsWith('error:'));
    expect(err, r.stderr).toHaveLength(1);
    for (const n of c.names) expect(err[0]).toContain(n);
    expect(r.stderr).not.toMatch(/^\s+at /m); // no stack trace
    expect(r.stderr).not.toMatch(/\b(EEXIST|ENOENT|ENOTDIR|EISDIR|EACCES)\b/);
  });

  it('a model too big for the machine stops with one line before anything else', () => {
    const r = spawnSync('node', [CLI, 'train', '--hidden', '100000'], { encoding: 'utf8', cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^synthgrad: error: option --hidden: the run needs ~[\d.]+ GiB of memory .* but this machine has [\d.]+ GiB; lower --hidden/);
    // nothing was made: no default run directory
    expect(fs.existsSync(path.join(dir, 'runs'))).toBe(false);
  });

  it('--out naming a file stops with one line', () => {
    const r = spawnSync('node', [CLI, 'train', '--out', at('afile.txt')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([`synthgrad: error: option --out: ${at('afile.txt')} is a file, not a directory; give another --out (a new or empty directory)`]);
  });
});

describe('a final evaluation that is not finite', () => {
  it('is named (which split, after which step, its value); finite ones are not', async () => {
    const { nonFiniteEvaluation } = await import('../../src/cli/train-command.js');
    const ev = (loss: number) => ({ split: 'valid' as const, step: 7, epoch: 0, loss, ppl: Math.exp(loss), bpc: loss / Math.LN2 });
    expect(nonFiniteEvaluation({ steps: 7, valid: ev(1.5), test: ev(1.6) })).toBeNull();
    expect(nonFiniteEvaluation({ steps: 7, valid: null, test: null })).toBeNull();
    expect(nonFiniteEvaluation({ steps: 7, valid: ev(NaN), test: ev(1.6) })).toBe('the valid loss after step 7 is not finite (NaN)');
    expect(nonFiniteEvaluation({ steps: 9, valid: ev(Infinity), test: ev(NaN) }))
      .toBe('the valid and test loss after step 9 is not finite (Infinity, NaN)');
  });

  it('a run stopped before its first checkpoint does not name one', async () => {
    const { stoppedMessage } = await import('../../src/cli/train-command.js');
    const run = at('stopped-run');
    fs.mkdirSync(run, { recursive: true });
    const before = stoppedMessage('step 3: the loss (NaN) is not finite', run);
    expect(before).toContain('No checkpoint had been written yet');
    expect(before).not.toContain('checkpoint.safetensors');
    fs.writeFileSync(path.join(run, 'checkpoint.safetensors'), '');
    expect(stoppedMessage('step 3: the loss (NaN) is not finite', run)).toContain(`The last good checkpoint is ${path.join(run, 'checkpoint.safetensors')}`);
  });

  it('a run whose synthetic gradient outgrew the real one is told to lower --sg-lr or --sg-scale', async () => {
    const { stoppedMessage } = await import('../../src/cli/train-command.js');
    const { syntheticRunaway } = await import('../../src/train/report.js');
    const run = at('runaway-run');
    fs.mkdirSync(run, { recursive: true });
    const rec = (step: number, mode: string, ghat: number | null, delta: number) =>
      ({ step, epoch: 0, mode, loss: 2, lr: 1e-3, grad_norm: 1, delta_norm: delta, ghat_norm: ghat, sg_loss: 0, sg_fit_cos: 0 }) as unknown as MetricRecord;
    const records = (ratio: number): MetricRecord[] =>
      [rec(0, 'real', null, 1), ...Array.from({ length: 80 }, (_, i) => rec(i + 1, 'synthetic', ratio * 1.3 ** i, 1.3 ** i)),
        { split: 'valid', step: 40, epoch: 0, loss: 2, ppl: 7.4, bpc: 2.9 } as MetricRecord];
    const what = 'step 81: the gradient norm (NaN) is not finite (policy dni, synthetic mode)';
    const runaway = stoppedMessage(what, run, syntheticRunaway(records(20)));
    expect(runaway).toContain('median ‖ĝ‖/‖δ‖ 20.0');
    expect(runaway).toContain(`at step 80`);
    expect(runaway).toContain('lower --sg-lr or --sg-scale, or bound ĝ with --sg-bound 2');
    expect(runaway).not.toContain('--on-nan');
    // ĝ and δ grew together (γ near 1): the ratio stays at 1, the last ‖ĝ‖ (1.3^79) is 3.14e4 times its median
    const together = stoppedMessage(what, run, syntheticRunaway(records(1)));
    expect(together).toContain('grew together (‖ĝ‖ 1.00e+9 at step 80, 3.14e+4 times its median in this run');
    expect(together).toContain('median ‖ĝ‖/‖δ‖ 1.00');
    expect(together).toContain('lower --sg-discount (γ) or --sg-scale');
    expect(together).not.toContain('--sg-bound');
    // a synthetic gradient half the real one, steady: the usual advice
    const steady = (ratio: number, growth: number): MetricRecord[] =>
      [rec(0, 'real', null, 1), ...Array.from({ length: 80 }, (_, i) => rec(i + 1, 'synthetic', ratio * growth ** i, growth ** i))];
    expect(stoppedMessage(what, run, syntheticRunaway(steady(0.5, 1)))).toContain('lower --lr, set --clip, or use --on-nan skip.');
    // growing 1.09-fold a step: the last ‖ĝ‖ 30 times its median, under the line
    expect(stoppedMessage(what, run, syntheticRunaway(steady(0.5, 1.09)))).toContain('lower --lr, set --clip, or use --on-nan skip.');
  });

  it('a run that finished after its synthetic gradient outgrew the real one is warned, with the step it began', async () => {
    const { outgrewMessage } = await import('../../src/cli/train-command.js');
    const { syntheticOutgrew } = await import('../../src/train/report.js');
    const rec = (step: number, mode: string, ratio: number) =>
      ({ step, epoch: 0, mode, loss: 2, lr: 1e-3, grad_norm: 1, delta_norm: 0.01, ghat_norm: ratio * 0.01, sg_loss: 0, sg_fit_cos: 0 }) as unknown as MetricRecord;
    // 100 real steps, then synthetic: 0.2 for 100 steps, 12 for 50 (the runaway), 0.3 again to the end (δ grew with it)
    const ratioAt = (i: number) => (i < 100 ? 0.2 : i < 150 ? 12 : 0.3);
    const records = [...Array.from({ length: 100 }, (_, i) => rec(i, 'real', 0)), ...Array.from({ length: 300 }, (_, i) => rec(100 + i, 'synthetic', ratioAt(i)))];
    const o = syntheticOutgrew(records)!;
    expect(o).toEqual({ ratio: 12, ghat: 0.12, step: 200 });
    const m = outgrewMessage(o);
    expect(m).toContain('median ‖ĝ‖/‖δ‖ 12.0 over 50 synthetic steps from step 200');
    expect(m).toContain('lower --sg-lr or --sg-scale');
    // a stable run, and a real-gradient run, are not warned
    expect(syntheticOutgrew(records.map((r) => ({ ...r, ghat_norm: 0.003 })))).toBeNull();
    expect(syntheticOutgrew(records.slice(0, 100))).toBeNull();
  });
});
