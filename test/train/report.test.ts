// `synthgrad report` on the committed run directories of test/fixtures/report
// (written by make-fixtures.mjs there): the tables' numbers against statistics
// computed here from the records, and the plots' structure.
import { beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeReport } from '../../src/cli/report-command.js';
import { copyProgress } from '../../src/train/report.js';
import { checkWellFormed } from './svg-check.js';

const FIX = path.resolve('test/fixtures/report');
const SWEEP = path.join(FIX, 'charlm-sweep');
const COPY = ['copy-bptt2-seed1', 'copy-bptt2-seed2', 'copy-bptt4-seed1', 'copy-bptt4-seed2'].map((d) => path.join(FIX, d));

type Rec = Record<string, unknown> & { step: number; loss: number };
const recordsOf = (dir: string): Rec[] => fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);
const validOf = (dir: string) => recordsOf(dir).filter((r) => r['split'] === 'valid');

/** mean ± sd [min–max] with the sample standard deviation, written out here step by step. */
function expected(values: number[], digits: number): string {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  const sd = Math.sqrt(ss / (values.length - 1));
  const sorted = [...values].sort((a, b) => a - b);
  return `${mean.toFixed(digits)} ± ${sd.toFixed(digits)} [${sorted[0]!.toFixed(digits)}–${sorted[sorted.length - 1]!.toFixed(digits)}]`;
}

/** The cells of the Markdown table row whose first cell is `group`, under the header that has `column`. */
function cell(md: string, section: string, group: string, column: string): string {
  const part = md.split(`## ${section}\n`)[1]!.split('\n## ')[0]!;
  const lines = part.split('\n').filter((l) => l.startsWith('|'));
  const header = lines[0]!.split(' | ').map((c) => c.replace(/^\| |\s\|$/g, '').trim());
  const row = lines.find((l) => l.startsWith(`| ${group} |`));
  if (!row) throw new Error(`no row ${group} in ${section}`);
  const cells = row.split(' | ').map((c) => c.replace(/^\| |\s\|$/g, '').trim());
  const i = header.indexOf(column);
  if (i < 0) throw new Error(`no column ${column}`);
  return cells[i]!;
}

describe('synthgrad report', () => {
  let out = '', md = '';
  beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'synthgrad-report-'));
    writeReport([SWEEP, ...COPY], out);
    md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
  });

  it('groups by the differing keys (seed apart) and tabulates mean ± sd [min–max] over seeds', () => {
    for (const policy of ['bptt', 'dni']) {
      const dirs = [1, 2, 3].map((s) => path.join(SWEEP, `policy.name=${policy},seed=${s}`));
      const group = `policy.name=${policy}`;
      const finals = dirs.map((d) => validOf(d).at(-1)!);
      const bests = dirs.map((d) => Math.min(...validOf(d).map((r) => r.loss)));
      expect(cell(md, 'charlm', group, 'final valid loss')).toBe(expected(finals.map((r) => r.loss), 3));
      expect(cell(md, 'charlm', group, 'best valid loss')).toBe(expected(bests, 3));
      expect(cell(md, 'charlm', group, 'final bpc')).toBe(expected(finals.map((r) => r['bpc'] as number), 3));
      expect(cell(md, 'charlm', group, 'final ppl')).toBe(expected(finals.map((r) => r['ppl'] as number), 2));
      expect(cell(md, 'charlm', group, 'runs')).toBe('3');
      expect(cell(md, 'charlm', group, 'steps')).toBe('12 ± 0 [12–12]');
      const times = dirs.map((d) => Math.max(...recordsOf(d).map((r) => (r['time_s'] as number | undefined) ?? 0)));
      expect(cell(md, 'charlm', group, 'time (s)')).toBe(expected(times, 1));
    }
    // the best valid loss is not the last one in these records
    expect(cell(md, 'charlm', 'policy.name=bptt', 'best valid loss')).not.toBe(cell(md, 'charlm', 'policy.name=bptt', 'final valid loss'));
    const cos = [1, 2, 3].flatMap((s) => recordsOf(path.join(SWEEP, `policy.name=dni,seed=${s}`)).map((r) => r['sg_true_cos']).filter((v): v is number => typeof v === 'number'))
      .sort((a, b) => a - b);
    const med = cos.length % 2 ? cos[(cos.length - 1) / 2]! : (cos[cos.length / 2 - 1]! + cos[cos.length / 2]!) / 2;
    expect(cell(md, 'charlm', 'policy.name=dni', 'median sg_true_cos')).toBe(med.toFixed(3));
    expect(cell(md, 'charlm', 'policy.name=bptt', 'median sg_true_cos')).toBe('—');
  });

  it('copy tasks: the largest N solved and the samples needed to reach each N', () => {
    // make-fixtures.mjs: bptt 2 rises to N = 2 at step 3 + seed and to N = 3 at step 8 + seed (samples = 4 · step);
    // bptt 4 rises at steps 2 + seed, 5 + seed and 9 (N = 4 reached, 3 solved)
    expect(cell(md, 'copy', 'bptt=2', 'largest N solved')).toBe('2.0 ± 0.0 [2.0–2.0]');
    expect(cell(md, 'copy', 'bptt=4', 'largest N solved')).toBe('3.0 ± 0.0 [3.0–3.0]');
    expect(md).toMatch(/\| bptt=2 \| 18 \[16–20\] \(2\/2\) \| 38 \[36–40\] \(2\/2\) \| — \|/);
    expect(md).toMatch(/\| bptt=4 \| 14 \[12–16\] \(2\/2\) \| 26 \[24–28\] \(2\/2\) \| 36 \[36–36\] \(2\/2\) \|/);
  });

  it('copy tasks: a run that never leaves N = 1 solved 0, a run without copy records none', () => {
    const rec = (step: number, n: number) => ({ step, epoch: step, loss: 0.5, lr: 1e-3, mode: 'real', copy_n: n, copy_r: 1, samples: 4 * step });
    expect(copyProgress([0, 1, 2, 3].map((s) => rec(s, 1)) as never).largestSolved).toBe(0);
    expect(copyProgress([rec(0, 1), rec(1, 2), rec(2, 2)] as never).largestSolved).toBe(1);
    expect(copyProgress([{ step: 0, epoch: 0, loss: 1, lr: 1e-3, mode: 'real' }] as never).largestSolved).toBe(null);
  });

  it('repeat-copy: every raise of N or R is a level solved; the last one is named as [N, R]', () => {
    const rec = (step: number, n: number, r: number) => ({ step, epoch: step, loss: 0.5, lr: 1e-3, mode: 'real', copy_n: n, copy_r: r, samples: step });
    const p = copyProgress([rec(0, 1, 1), rec(1, 2, 1), rec(2, 2, 1), rec(3, 2, 2), rec(4, 3, 2)] as never);
    expect([p.largestSolved, p.levelsSolved, p.lastSolved]).toEqual([2, 3, [2, 2]]);
    const none = copyProgress([rec(0, 1, 1), rec(1, 1, 1)] as never);
    expect([none.largestSolved, none.levelsSolved, none.lastSolved]).toEqual([0, 0, null]);
  });

  it('counts the runs whose synthetic gradient outgrew the real one, and the CSV gives the step', () => {
    expect(cell(md, 'charlm', 'policy.name=dni', 'ĝ outgrew δ (runs)')).toBe('0/3');
    // a run whose ĝ was 12× δ over 50 synthetic steps from step 150, then 0.3× (δ grew with it)
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'synthgrad-outgrew-'));
    for (const [name, ratioAt] of [['ran-away', (k: number) => (k >= 150 && k < 200 ? 12 : 0.3)], ['stable', () => 0.2]] as const) {
      const dir = path.join(root, name);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ task: 'charlm', policy: { name: 'dni' }, seed: name === 'stable' ? 2 : 1, steps: 300 }));
      const recs = Array.from({ length: 300 }, (_, k) => ({ step: k, epoch: 0, chunk: k, chunk_len: 8, loss: 2, lr: 1e-3, mode: k < 100 ? 'real' : 'synthetic',
        sg_loss: 0, grad_norm: 1, delta_norm: 0.01, ghat_norm: k < 100 ? null : 0.01 * ratioAt(k), sg_fit_cos: 0 }));
      fs.writeFileSync(path.join(dir, 'metrics.jsonl'), recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    }
    const out2 = path.join(root, 'report');
    writeReport([root], out2);
    expect(cell(fs.readFileSync(path.join(out2, 'report.md'), 'utf8'), 'charlm', 'all runs', 'ĝ outgrew δ (runs)')).toBe('1/2');
    const csv = fs.readFileSync(path.join(out2, 'report.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    const col = csv[0]!.indexOf('sg_outgrew_step');
    expect(csv.slice(1).map((r) => r[col]).sort()).toEqual(['', '150']);
  });

  it('with synthesizer.bound: the mean share of rows it scaled per run, over the steps that read it; no column without', () => {
    expect(md).not.toContain('ĝ rows bounded');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'synthgrad-bound-'));
    // seed 1: null on its 100 real steps, then 0.5 on 100 steps and 0 on 100; seed 2: 0.1 throughout
    for (const [seed, frac] of [[1, (k: number) => (k < 100 ? null : k < 200 ? 0.5 : 0)], [2, () => 0.1]] as const) {
      const dir = path.join(root, `seed${seed}`);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ task: 'charlm', policy: { name: 'dni' }, synthesizer: { bound: 2 }, seed, steps: 300 }));
      const recs = Array.from({ length: 300 }, (_, k) => ({ step: k, epoch: 0, chunk: k, chunk_len: 8, loss: 2, lr: 1e-3, mode: k < 100 ? 'real' : 'synthetic',
        sg_loss: 0, grad_norm: 1, delta_norm: 0.01, ghat_norm: k < 100 ? null : 0.005, sg_fit_cos: 0, sg_bound_frac: frac(k) }));
      fs.writeFileSync(path.join(dir, 'metrics.jsonl'), recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    }
    const out3 = path.join(root, 'report');
    writeReport([root], out3);
    expect(cell(fs.readFileSync(path.join(out3, 'report.md'), 'utf8'), 'charlm', 'all runs', 'ĝ rows bounded (share)')).toBe(expected([0.25, 0.1], 3));
    const csv = fs.readFileSync(path.join(out3, 'report.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    const col = csv[0]!.indexOf('sg_bound_frac_mean');
    const got = csv.slice(1).map((r) => Number(r[col]));
    expect(got[0]).toBe(0.25);
    expect(got[1]).toBeCloseTo(0.1, 12);
  });

  it('report.json and report.csv hold one row per run', () => {
    const rows = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as Record<string, unknown>[];
    expect(rows).toHaveLength(10);
    const r = rows.find((x) => String(x['run']).endsWith('policy.name=dni,seed=2'))!;
    const v = validOf(path.join(SWEEP, 'policy.name=dni,seed=2'));
    expect(r['final_valid_loss']).toBe(v.at(-1)!.loss);
    expect(r['config.policy.name']).toBe('dni');
    expect(r['restarts']).toBe(1);
    const csv = fs.readFileSync(path.join(out, 'report.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(11);
    expect(csv[0]).toContain('final_valid_loss');
  });

  it('each plot is well-formed SVG with axis titles (units), a legend and one series per group', () => {
    const plots = md.match(/\(([\w.-]+\.svg)\)/g)!.map((m) => m.slice(1, -1));
    expect(plots.sort()).toEqual(['charlm-loss.svg', 'charlm-sg-true-cos.svg', 'copy-copy-n.svg', 'copy-loss.svg']);
    for (const p of plots) {
      const svg = fs.readFileSync(path.join(out, p), 'utf8');
      expect(() => checkWellFormed(svg), p).not.toThrow();
      const groups = p.startsWith('charlm') ? ['policy.name=bptt', 'policy.name=dni'] : ['bptt=2', 'bptt=4'];
      expect((svg.match(/<g class="series"/g) ?? []).length, p).toBe(2);
      for (const g of groups) {
        expect(svg, p).toContain(`data-group="${g}"`);
        expect(svg, p).toMatch(new RegExp(`<g class="legend-item"[^>]*>.*<text[^>]*>${g.replace(/\./g, '\\.')}</text>`));
      }
      expect(svg).toMatch(/class="axis-title x-axis"[^>]*>(optimizer step|samples \(episodes completed\))</);
      expect(svg).toMatch(/class="axis-title y-axis"[^>]*>[^<]+</);
      expect(svg).toMatch(new RegExp(`<title>${p.startsWith('charlm') ? 'charlm' : 'copy'}: [^<]* by ${p.startsWith('charlm') ? 'policy\\.name' : 'bptt'}</title>`));
    }
    const loss = fs.readFileSync(path.join(out, 'charlm-loss.svg'), 'utf8');
    expect(loss).toContain('valid loss (nats)');
    expect((loss.match(/class="restart"/g) ?? []).length).toBe(2); // step 6, one per group
    expect((loss.match(/class="band"/g) ?? []).length).toBe(2);
  });
});
