// The table behind `synthgrad gradcheck`: every row passes, every exported op has a row,
// the run is deterministic and quick, and the table is aligned.
import { describe, expect, it } from 'vitest';
import * as ag from '../../src/autograd/index.js';
import { formatGradcheckTable, runGradcheckSuite, type GradcheckRow } from '../../src/autograd/gradcheck-suite.js';

/** Exports of src/autograd/index.ts that are engine machinery, not differentiable ops. */
const NOT_OPS = new Set(['gradcheckRoots', 'Var', 'noGrad', 'isGradEnabled', 'record', 'record1', 'gradSink', 'gradSinks', 'backward', 'accumulateGrad', 'gradcheck']);

describe('runGradcheckSuite', () => {
  let rows: GradcheckRow[] = [];
  let ms = 0;
  it('passes every row, each over several cases, in well under 10 s', () => {
    const t0 = performance.now();
    rows = runGradcheckSuite({ seed: 0 });
    ms = performance.now() - t0;
    const failed = rows.filter((r) => !r.ok);
    expect(failed, formatGradcheckTable(failed)).toEqual([]);
    for (const r of rows) {
      expect(r.cases).toBeGreaterThanOrEqual(3);
      expect(Number.isFinite(r.maxAbsError)).toBe(true);
      expect(r.maxAbsError).toBeLessThan(1e-6);
    }
    expect(ms).toBeLessThan(10_000);
  });

  it('has a row for every op exported from src/autograd/index.ts, and the composed graphs', () => {
    const ops = Object.entries(ag).filter(([k, v]) => typeof v === 'function' && !NOT_OPS.has(k)).map(([k]) => k);
    expect(ops.length).toBeGreaterThanOrEqual(22); // add … gruCell as of writing
    const covered = (op: string) => rows.some((r) => r.op === op || r.op.startsWith(`${op} `));
    expect(ops.filter((op) => !covered(op))).toEqual([]);
    for (const variant of ['matmul (Aᵀ·B)', 'matmul (A·Bᵀ)', 'matmul (Aᵀ·Bᵀ)', 'mul (b broadcast over rows)', 'mul (a broadcast over rows)', 'lstmSequence (some outputs)']) {
      expect(rows.map((r) => r.op)).toContain(variant);
    }
    expect(rows.some((r) => r.op.includes('LSTM LM'))).toBe(true);
    expect(rows.some((r) => r.op.startsWith('multi-root'))).toBe(true);
  });

  it('is deterministic for a seed and explores other cases for another seed', () => {
    const again = runGradcheckSuite({ seed: 0 });
    expect(again).toEqual(rows);
    const other = runGradcheckSuite({ seed: 12345 });
    expect(other.filter((r) => !r.ok), formatGradcheckTable(other)).toEqual([]);
    expect(other.map((r) => r.maxAbsError)).not.toEqual(rows.map((r) => r.maxAbsError));
  });

  it('formats an aligned table with pass/FAIL', () => {
    const table = formatGradcheckTable(rows);
    console.log(`${table}\n(${ms.toFixed(0)} ms)`);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^op\s+cases\s+max abs error\s+max rel error\s+result$/);
    const body = lines.slice(2, 2 + rows.length);
    expect(body).toHaveLength(rows.length);
    // right-aligned numeric columns: every row ends at the same column as the header
    const width = (s: string) => Array.from(s).length;
    for (const l of body) expect(width(l)).toBe(width(lines[0]!));
    body.forEach((l, i) => expect(l.endsWith(rows[i]!.ok ? 'pass' : 'FAIL')).toBe(true));
    const failed = rows.filter((r) => !r.ok).length;
    expect(table).toContain(failed === 0 ? `all ${rows.length} checks passed` : `${failed} of ${rows.length} checks FAILED`);
    const bad = formatGradcheckTable([{ op: 'x', cases: 1, maxAbsError: 0.5, maxRelError: 1, ok: false }]);
    expect(bad).toMatch(/x\s+1\s+5\.00e-1\s+1\.00e\+0\s+FAIL/);
    expect(bad).toContain('1 of 1 checks FAILED');
  });
});
