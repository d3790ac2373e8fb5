// A crash loses nothing and a resumed run is the same run: kills at random
// moments (during checkpoint writes too), SIGINT, and a NaN in the middle.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/tensor/rng.js';
import { decodeCheckpoint } from '../../src/train/checkpoint.js';
import { runTraining } from '../../src/train/run.js';
import { tempDir, tinyConfig, writeCorpus } from './helpers.js';

const CLI = path.resolve('dist/src/cli/main.js');
const dir = tempDir();
const data = writeCorpus(dir, 1200);
const CHARLM_STEPS = 1800, STREAM_STEPS = 2500;
const charlmArgs = (out: string) => [
  CLI, 'train', '--task', 'charlm', '--data', data, '--split', '0.1,0', '--embed', '8', '--hidden', '16', '--batch', '4', '--bptt', '6',
  '--policy', 'alternating', '--synth', 'mlp', '--restart-t0', '7', '--restart-unit', 'step', '--steps', String(CHARLM_STEPS), '--seed', '3', '--out', out,
];
// the stream copy task: rows in mid-episode at every kill, a curriculum that rises often (short window, loose threshold)
const streamConfig = path.join(dir, 'stream.json');
fs.writeFileSync(streamConfig, JSON.stringify({
  task: 'repeat-copy', hidden: 16, batch: 4, bptt: 3, policy: { name: 'dni' }, synthesizer: { kind: 'linear' },
  copy: { stream: true, max_length: 5, repeats_max: 3, threshold: 6, sequences: 6 },
}));
const streamArgs = (out: string) => [CLI, 'train', '--config', streamConfig, '--steps', String(STREAM_STEPS), '--seed', '3', '--out', out];

function readRun(out: string) {
  const metrics = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8');
  const ck = decodeCheckpoint(fs.readFileSync(path.join(out, 'checkpoint.safetensors')), 'ck');
  const weights = [...ck.tensors].filter(([n]) => !n.startsWith('state.')).map(([n, t]) => [n, Array.from(t.data)]);
  return { metrics, weights };
}

/** How a run ends when `signal` interrupts it: 130/143 from its handler once training has started, else the signal itself. */
const EXIT_ON: Record<string, (number | string)[]> = { SIGKILL: ['SIGKILL'], SIGINT: [130, 'SIGINT'], SIGTERM: [143, 'SIGTERM'] };

function runToEnd(args: string[]): number {
  const r = spawnSync('node', args, { encoding: 'utf8' });
  return r.status ?? -1;
}

/** The step of the last complete record in a run's metrics.jsonl (−1 if there is none yet). */
function lastStep(out: string): number {
  let fd: number;
  try {
    fd = fs.openSync(path.join(out, 'metrics.jsonl'), 'r');
  } catch {
    return -1;
  }
  try {
    const size = fs.fstatSync(fd).size, n = Math.min(size, 4096);
    const buf = Buffer.alloc(n);
    fs.readSync(fd, buf, 0, n, size - n);
    const lines = buf.toString('utf8').split('\n');
    for (let i = lines.length - 2; i >= 0; i--) {
      try {
        return (JSON.parse(lines[i]!) as { step: number }).step;
      } catch {
        // the first line of the tail may be cut
      }
    }
    return -1;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Starts the CLI and sends it `signal` once `when` says so: after `ms`, or `ms` after its
 * metrics reach `step` (kills placed by progress, not by time, land mid-run however the
 * machine's load changes between the reference run and the killed ones). Resolves to the
 * exit code (or signal).
 */
function killWhen(args: string[], out: string, when: { ms: number; step?: number }, signal: NodeJS.Signals): Promise<number | string> {
  return new Promise((resolve) => {
    const child = spawn('node', args, { stdio: 'ignore' });
    let timer: NodeJS.Timeout | undefined;
    const poll = when.step === undefined ? undefined : setInterval(() => {
      if (lastStep(out) < when.step!) return;
      clearInterval(poll);
      timer = setTimeout(() => child.kill(signal), when.ms);
    }, 2);
    if (!poll) timer = setTimeout(() => child.kill(signal), when.ms);
    child.on('exit', (code, sig) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve(code ?? sig ?? -1);
    });
  });
}

describe('interruption and resume', () => {
  it.each([['charlm', charlmArgs, CHARLM_STEPS], ['repeat-copy as a stream', streamArgs, STREAM_STEPS]] as const)('%s: an uninterrupted run and a run killed (SIGKILL, SIGINT, SIGTERM) at random moments and resumed give identical metrics and weights', async (name, trainArgs, steps) => {
    expect(fs.existsSync(CLI), 'run `npm run build` first (npm test does)').toBe(true);
    const ref = path.join(dir, `ref-${name}`);
    expect(runToEnd(trainArgs(ref))).toBe(0);
    const expected = readRun(ref);

    const out = path.join(dir, `killed-${name}`);
    const rng = new Rng(Number(process.env.SYNTHGRAD_KILL_SEED ?? Date.now() % 100000));
    // the first kill lands while node starts up or soon after; each later one at a random step
    // past the furthest any attempt reached, all within the first 60 % of the run
    const signals: NodeJS.Signals[] = ['SIGKILL', 'SIGKILL', 'SIGINT', 'SIGKILL', 'SIGTERM', 'SIGKILL', 'SIGKILL'];
    const span = Math.floor((0.6 * steps) / (signals.length - 1));
    for (const [i, signal] of signals.entries()) {
      const hasCheckpoint = fs.existsSync(path.join(out, 'checkpoint.safetensors'));
      // no checkpoint yet: start again, replacing what a killed start left (as a sweep does)
      const args = hasCheckpoint ? [CLI, 'train', '--resume', out] : [...trainArgs(out), '--overwrite'];
      const when = i === 0 ? { ms: 20 + rng.int(300) } : { ms: rng.int(20), step: Math.max(0, lastStep(out)) + 1 + rng.int(span) };
      const code = await killWhen(args, out, when, signal);
      expect(EXIT_ON[signal], `attempt ${i} (${signal}) was not interrupted`).toContain(code);
    }
    const hasCheckpoint = fs.existsSync(path.join(out, 'checkpoint.safetensors'));
    expect(hasCheckpoint, 'the SIGINT and SIGTERM attempts left a checkpoint').toBe(true);
    expect(runToEnd([CLI, 'train', '--resume', out])).toBe(0);
    const got = readRun(out);
    expect(got.metrics).toBe(expected.metrics);
    expect(got.weights).toEqual(expected.weights);
  });
});

describe('numerical faults', () => {
  it('a NaN stops the run with a message naming the step, policy and mode, and the last good checkpoint survives', async () => {
    // 300 characters, B 3, T 5: 20 chunks an epoch, so a checkpoint is written after step 19
    const cfg = tinyConfig(dir, writeCorpus(dir, 300, 'small.txt'), { policy: { name: 'dni' }, synthesizer: {}, steps: 40 });
    const out = path.join(dir, 'nan');
    let saved: number[] | null = null;
    const result = await runTraining(cfg, {
      outDir: out,
      beforeStep: (t, s) => {
        if (t.step === 25) {
          saved = Array.from(decodeCheckpoint(fs.readFileSync(path.join(out, 'checkpoint.safetensors')), 'ck').tensors.get('decoder.bias')!.data);
          s.model.params.get('rnns.0.weight_hh').value.data[3] = NaN; // the fault
        }
      },
    });
    expect(result.nonFinite).not.toBeNull();
    expect(result.nonFinite!.message).toMatch(/^step 25: the loss \(NaN\) is not finite \(policy dni, synthetic mode\)/);
    expect(result.steps).toBe(25);
    const ck = decodeCheckpoint(fs.readFileSync(path.join(out, 'checkpoint.safetensors')), 'ck');
    expect(Array.from(ck.tensors.get('decoder.bias')!.data)).toEqual(saved);
    for (const t of ck.tensors.values()) expect(t.data.every((v) => Number.isFinite(v))).toBe(true);
    const metrics = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.filter((r) => !('split' in r)).length).toBe(25);
  });

  it('on_nan = skip passes over the bad step and goes on', async () => {
    const cfg = { ...tinyConfig(dir, data, { steps: 12 }), on_nan: 'skip' as const };
    let bad: number[] = [];
    const result = await runTraining(cfg, {
      outDir: path.join(dir, 'skip'),
      beforeStep: (t, s) => {
        const w = s.model.params.get('rnns.0.weight_hh').value.data;
        if (t.step === 5) (bad = [w[0]!]), (w[0] = NaN);
        if (t.step === 6) w[0] = bad[0]!; // repaired: later steps are finite again
      },
    });
    expect(result.nonFinite).toBeNull();
    expect(result.steps).toBe(12);
  });
});

describe('resume restores every kind of state', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['charlm with the elementwise synthesizer (persistent GRU state, noise RNG)', { policy: { name: 'dni' }, synthesizer: { kind: 'elementwise', units: 4 } }],
    ['charlm, popart target scale (σ statistics), γ 0.9, aux head, no step at resets', { policy: { name: 'dni' }, synthesizer: { normalize: 'popart', discount: 0.9, aux: 0.5, train_at_reset: false } }],
    ['charlm, elementwise synthesizer with popart', { policy: { name: 'dni' }, synthesizer: { kind: 'elementwise', units: 4, normalize: 'popart' } }],
    ['copy task (curriculum, current episode, RNG)', { task: 'copy', data: null, split: null, embed: undefined, hidden: [10], batch: 4, bptt: 3, policy: { name: 'dni' }, synthesizer: {}, copy: { stream: false, max_length: 6, threshold: 4 } }],
    ['repeat-copy with SGD momentum and an epoch schedule', { task: 'repeat-copy', data: null, split: null, embed: undefined, hidden: [10], batch: 4, bptt: 3, optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 }, schedule: { t0: 2 }, policy: { name: 'alternating' }, synthesizer: {}, copy: { stream: false, max_length: 6, threshold: 8 } }],
    ['copy as a stream (rows mid-episode, curriculum window, RNG)', { task: 'copy', data: null, split: null, embed: undefined, hidden: [10], batch: 4, bptt: 3, policy: { name: 'dni' }, synthesizer: {}, copy: { stream: true, max_length: 6, threshold: 4, sequences: 5 } }],
    ['copy as a stream, synthesizer fitted by ridge regression (statistics between two solves)', { task: 'copy', data: null, split: null, embed: undefined, hidden: [10], batch: 4, bptt: 3, policy: { name: 'dni' }, synthesizer: { fit: 'ridge', memory: 20, refit_every: 5 }, copy: { stream: true, max_length: 6, threshold: 4, sequences: 5 } }],
    ['charlm, synthesizer iterates averaged (trained copy, Adam moments and the mean), popart', { policy: { name: 'dni' }, synthesizer: { average: 7 } }],
    ['repeat-copy as a stream with an epoch schedule (epoch = step)', { task: 'repeat-copy', data: null, split: null, embed: undefined, hidden: [10], batch: 4, bptt: 3, schedule: { t0: 4 }, policy: { name: 'alternating' }, synthesizer: {}, copy: { stream: true, max_length: 6, repeats_max: 3, threshold: 8, sequences: 5 } }],
  ];
  it.each(cases)('%s: 12 steps + resume to 30 = 30 steps', async (_name, over) => {
    const cfgAt = (steps: number) => tinyConfig(dir, data, { ...over, steps });
    const straight = path.join(dir, `straight-${_name.length}`), split = path.join(dir, `split-${_name.length}`);
    await runTraining(cfgAt(30), { outDir: straight });
    await runTraining(cfgAt(12), { outDir: split });
    await runTraining(cfgAt(30), { outDir: split, resume: true });
    const a = readRun(straight), b = readRun(split);
    expect(b.metrics.split('\n').length).toBe(a.metrics.split('\n').length);
    expect(b.metrics).toBe(a.metrics);
    expect(b.weights).toEqual(a.weights);
  });
});
