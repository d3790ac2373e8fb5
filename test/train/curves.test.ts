import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { escapeXml, niceTicks, renderCurves, type EvalRecord, type MetricRecord, type StepRecord } from '../../src/train/curves.js';
import { checkWellFormed } from './svg-check.js';

const count = (svg: string, re: RegExp) => (svg.match(re) ?? []).length;
const pointsOf = (svg: string, cls: string) => {
  const m = new RegExp(`<polyline class="${cls}"[^>]* points="([^"]*)"`).exec(svg);
  return m ? m[1]!.trim().split(/\s+/).map((p) => p.split(',').map(Number)) : [];
};

function stepRec(step: number, loss: number, lr: number, mode: 'real' | 'synthetic'): StepRecord {
  return { step, epoch: 0, chunk: step, chunk_len: 8, loss, lr, mode, sg_loss: null, grad_norm: 1, delta_norm: 0.1, ghat_norm: null };
}
const evalRec = (step: number, loss: number, split: 'valid' | 'test' = 'valid'): EvalRecord =>
  ({ split, step, epoch: 0, loss, ppl: Math.exp(loss), bpc: loss / Math.LN2 });

/** Cosine cycles of lengths 10, 10, 20, 20 (3 restarts) with alternating modes. */
function schedule(): MetricRecord[] {
  const recs: MetricRecord[] = [];
  let step = 0;
  [10, 10, 20, 20].forEach((len, cyc) => {
    for (let p = 0; p < len; p++, step++) {
      const lr = 0.001 * 0.5 * (1 + Math.cos((Math.PI * p) / len));
      recs.push(stepRec(step, 3 * Math.exp(-step / 20) + 1 + 0.05 * Math.sin(step), lr, cyc % 2 ? 'synthetic' : 'real'));
    }
    recs.push(evalRec(step - 1, 3 * Math.exp(-step / 20) + 1.1));
  });
  return recs;
}

describe('renderCurves', () => {
  it('draws restarts, mode bands, the raw line and validation points', () => {
    const svg = renderCurves(schedule(), { title: 'run' });
    checkWellFormed(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(count(svg, /class="restart"/g)).toBe(3);
    expect(count(svg, /class="band band-real"/g)).toBe(2);
    expect(count(svg, /class="band band-synthetic"/g)).toBe(2);
    expect(pointsOf(svg, 'train-raw')).toHaveLength(60);
    expect(pointsOf(svg, 'train-smooth')).toHaveLength(60);
    expect(pointsOf(svg, 'valid-line')).toHaveLength(4);
    expect(count(svg, /class="valid-point"/g)).toBe(4);
    for (const label of ['train loss', 'smoothed', 'valid loss', 'real gradient', 'synthetic gradient', 'warm restart', 'step', 'loss (nats)']) {
      expect(svg).toContain(`>${label}<`);
    }
  });

  it('places the raw points left to right inside the plot', () => {
    const pts = pointsOf(renderCurves(schedule(), { width: 600, height: 300 }), 'train-raw');
    for (let k = 1; k < pts.length; k++) expect(pts[k]![0]!).toBeGreaterThan(pts[k - 1]![0]!);
    for (const [x, y] of pts) {
      expect(x).toBeGreaterThanOrEqual(0); expect(x).toBeLessThanOrEqual(600);
      expect(y).toBeGreaterThanOrEqual(0); expect(y).toBeLessThanOrEqual(300);
    }
  });

  it('skips NaN and infinite losses, and lr ties or decreases are not restarts', () => {
    const recs = [stepRec(0, 2, 1, 'real'), stepRec(1, NaN, 1, 'real'), stepRec(2, Infinity, 0.5, 'real'),
      stepRec(3, 1.5, 0.5, 'real'), stepRec(4, -Infinity, 0.25, 'real'), stepRec(5, 1.2, NaN, 'real'), stepRec(6, 1.1, 0.3, 'real')];
    const svg = renderCurves(recs);
    checkWellFormed(svg);
    expect(pointsOf(svg, 'train-raw')).toHaveLength(4);
    expect(count(svg, /class="restart"/g)).toBe(0);
    expect(count(svg, /class="band /g)).toBe(1);
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('handles no records, one record and no validation records', () => {
    const empty = renderCurves([]);
    checkWellFormed(empty);
    expect(empty).toContain('no data');
    expect(empty).not.toContain('<polyline');

    const one = renderCurves([stepRec(5, 2.5, 0.1, 'synthetic')]);
    checkWellFormed(one);
    expect(count(one, /class="train-point"/g)).toBe(1);
    expect(count(one, /class="band band-synthetic"/g)).toBe(1);
    expect(one).not.toMatch(/NaN|Infinity/);

    const noValid = renderCurves(schedule().filter((r) => !('split' in r)));
    checkWellFormed(noValid);
    expect(noValid).not.toContain('valid-point');
    expect(noValid).not.toContain('valid loss');

    const onlyEval = renderCurves([evalRec(10, 1.5), evalRec(10, 1.6, 'test')]);
    checkWellFormed(onlyEval);
    expect(count(onlyEval, /class="test-point"/g)).toBe(1);
  });

  it('adds the panel of cosines when a record has sg_true_cos or sg_fit_cos', () => {
    const recs: MetricRecord[] = [];
    for (let k = 0; k < 40; k++) {
      const r = stepRec(k, 2, 0.001, 'synthetic');
      r.sg_fit_cos = k === 0 ? null : 0.5;
      if ((k + 1) % 10 === 0) r['sg_true_cos'] = k === 9 ? null : -0.5 + k / 100;
      recs.push(r);
    }
    const svg = renderCurves(recs);
    checkWellFormed(svg);
    expect(svg).toContain('height="670"');
    expect(pointsOf(svg, 'true-cos')).toHaveLength(3);
    expect(pointsOf(svg, 'fit-cos-raw')).toHaveLength(39);
    // cos 0.5 lies a quarter of the panel's height below its top (the panel spans [−1, 1])
    const ys = pointsOf(svg, 'fit-cos-raw').map((p) => p[1]!);
    const frame = [...svg.matchAll(/<rect x="70" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" fill="none"/g)].at(-1)!;
    expect(ys[0]).toBeCloseTo(Number(frame[1]) + Number(frame[2]) / 4, 1);
    const plain = renderCurves(schedule());
    expect(plain).not.toContain('cos-panel');
    expect(plain).toContain('height="480"');
  });

  it('escapes the title', () => {
    const svg = renderCurves(schedule(), { title: `<script>alert("x")</script> & 'q' \u0001` });
    checkWellFormed(svg);
    expect(svg).not.toContain('<script');
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;q&apos;');
    expect(escapeXml('a\ud800b')).toBe('a\ufffdb');
  });

  it('decimates very long runs', () => {
    const recs = Array.from({ length: 20000 }, (_, s) => stepRec(s, 2 + Math.sin(s), 0.1, 'real'));
    const svg = renderCurves(recs, { maxPoints: 1000 });
    checkWellFormed(svg);
    const pts = pointsOf(svg, 'train-raw');
    expect(pts.length).toBeLessThanOrEqual(1000);
    expect(pts.length).toBeGreaterThan(500);
  });

  it('makes nice ticks', () => {
    expect(niceTicks(0, 1800, 8)).toEqual([0, 200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800]);
    expect(niceTicks(1.17, 3.72, 8)).toEqual([1.5, 2, 2.5, 3, 3.5]);
    expect(niceTicks(-0.3, 0.3, 4)).toEqual([-0.2, 0, 0.2]);
    expect(niceTicks(1, 1)).toEqual([1]);
  });

  const num = fc.oneof(fc.double(), fc.integer({ min: -1000, max: 100000 }), fc.constantFrom(NaN, Infinity, -Infinity, 0, 1e308, -1e308));
  const anyStep = fc.record({
    step: num, epoch: fc.nat(), chunk: fc.nat(), chunk_len: fc.nat(), loss: num, lr: num,
    mode: fc.constantFrom('real' as const, 'synthetic' as const), sg_loss: fc.constant(null), grad_norm: num, delta_norm: num, ghat_norm: fc.constant(null),
  });
  const anyEval = fc.record({ split: fc.constantFrom('valid' as const, 'test' as const), step: num, epoch: fc.nat(), loss: num, ppl: num, bpc: num });
  const anyRecords = fc.array(fc.oneof(anyStep, anyEval), { maxLength: 60 }) as fc.Arbitrary<MetricRecord[]>;

  it('never throws and always gives well-formed SVG without NaN (property)', () => {
    fc.assert(fc.property(anyRecords, fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 3000 }), (recs, width, height) => {
      const svg = renderCurves(recs, { title: 'prop', width, height });
      checkWellFormed(svg);
      expect(svg).not.toMatch(/NaN|Infinity/);
    }), { numRuns: 300 });
  });

  it('keeps arbitrary titles well-formed (property)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (title) => {
      checkWellFormed(renderCurves(schedule(), { title }));
    }), { numRuns: 200 });
  });
});
