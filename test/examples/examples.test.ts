// Every example runs as it is (compiled by `npm run build`, as `npm test` does
// first) and prints what its header comment says it prints. The training
// examples run a few steps only (SYNTHGRAD_EXAMPLE_QUICK=1).
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BROWSER_EXAMPLE, CHROMIUM, NODE_EXAMPLES, ROOT, runBrowserExample, runNodeExample } from '../../examples/run-all.js';

const QUICK = { SYNTHGRAD_EXAMPLE_QUICK: '1' };
const numbers = (line: string): number[] => (line.match(/-?\d+(\.\d+)?(e[-+]?\d+)?/g) ?? []).map(Number);
const lineWith = (out: string, start: string): string => {
  const line = out.split('\n').find((l) => l.startsWith(start));
  if (line === undefined) throw new Error(`no line starting with ${JSON.stringify(start)} in:\n${out}`);
  return line;
};

describe('examples/', () => {
  it('holds the examples run-all runs, each short, saying what it prints', () => {
    const files = fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => /^\d\d-/.test(f)).sort();
    expect(files).toEqual([...NODE_EXAMPLES.map((n) => `${n}.ts`), BROWSER_EXAMPLE]);
    for (const f of files) {
      const text = fs.readFileSync(path.join(ROOT, 'examples', f), 'utf8');
      expect(text.split('\n').length, f).toBeLessThanOrEqual(80);
      expect(text, f).toMatch(/Prints/);
    }
  });

  it('01-gradcheck: the tape gradient equals the one by hand, and both checks pass', () => {
    const out = runNodeExample('01-gradcheck');
    const hand = numbers(lineWith(out, 'df/dx by hand').slice(13)), tape = numbers(lineWith(out, 'df/dx by tape').slice(13));
    expect(hand).toHaveLength(4);
    expect(tape).toEqual(hand);
    expect(lineWith(out, 'gradcheck expression:')).toMatch(/ ok$/);
    expect(lineWith(out, 'gradcheck lstm cell:')).toMatch(/ ok$/);
  });

  it('02-dni-step: the six steps, each with its norms, and ℓ_SG lower after the synthesizer step', () => {
    const out = runNodeExample('02-dni-step');
    for (const k of [1, 2, 3, 4, 5, 6]) expect(numbers(lineWith(out, `${k}. `).slice(3)).every(Number.isFinite)).toBe(true);
    expect(numbers(lineWith(out, '2. ĝ_k'))[1]).toBeGreaterThan(0);
    expect(numbers(lineWith(out, '4. δ_{k-1}'))[2]).toBeGreaterThan(0);
    const [, , before, after] = numbers(lineWith(out, '5. ∂φ'));
    expect(after!).toBeLessThan(before!);
  });

  it('03-custom-synthesizer: both synthesizers train and are evaluated', () => {
    const out = runNodeExample('03-custom-synthesizer', QUICK);
    for (const name of ['linear ', 'gated mlp ']) {
      const line = lineWith(out, name);
      expect(line).toMatch(/train loss [\d.]+ +ℓ_SG \S+ +valid loss [\d.]+/);
      const valid = Number(/valid loss ([\d.]+)/.exec(line)![1]);
      expect(valid).toBeGreaterThan(0);
      expect(valid).toBeLessThan(Math.log(70)); // below a uniform guess over the corpus's 65 characters
    }
  });

  it('04-copy-task: the largest N of bptt and of dni', () => {
    const out = runNodeExample('04-copy-task', QUICK);
    for (const policy of ['bptt', 'dni ']) expect(lineWith(out, policy)).toMatch(/largest N solved +\d+/);
  });

  it.skipIf(!fs.existsSync(CHROMIUM))('05-browser.html: trains in a Worker in headless Chromium', async () => {
    const out = (await runBrowserExample())!;
    expect(out).not.toMatch(/error:/);
    const steps = out.split('\n').filter((l) => l.startsWith('step '));
    expect(steps).toHaveLength(8);
    for (const l of steps) expect(l).toMatch(/^step \d+ +loss \d+\.\d+ +ĝ norm \d+\.\d+ +δ norm \d+\.\d+$/);
    expect(out).toMatch(/trained 8 steps in a Worker/);
  }, 120_000);
});
