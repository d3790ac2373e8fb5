// A run's metrics records (live from the worker, or a CLI run's metrics.jsonl)
// as the series the lab's charts draw.
import type { MetricRecord, StepRecord } from '../train/curves.js';
import type { ChartData, Series } from './charts.js';

const MODE_COLORS = { real: 'rgba(80, 170, 90, 0.13)', synthetic: 'rgba(240, 140, 40, 0.16)' };
const COS_COLORS = ['#7b3294', '#008837', '#c2a5cf', '#a6dba0'];

export class RunView {
  steps: number[] = [];
  loss: number[] = [];
  smooth: number[] = [];
  ghat: number[] = [];
  delta: number[] = [];
  copyN: number[] = [];
  copyR: number[] = [];
  valid: { x: number[]; y: number[] } = { x: [], y: [] };
  test: { x: number[]; y: number[] } = { x: [], y: [] };
  /** per-step diagnostics ending in `_cos` (sg_fit_cos, sg_true_cos, …), whichever the records have */
  cos = new Map<string, number[]>();
  /** largest N solved, as the worker reports it (not in the records) */
  best: { x: number[]; y: number[] } = { x: [], y: [] };
  bands: { x0: number; x1: number; color: string }[] = [];
  restarts: number[] = [];
  private lastLr = NaN;
  private ema = NaN;

  add(records: readonly MetricRecord[]): void {
    for (const r of records) {
      if ('split' in r) {
        const to = r.split === 'valid' ? this.valid : this.test;
        to.x.push(r.step);
        to.y.push(r.loss);
        continue;
      }
      this.addStep(r);
    }
  }

  private addStep(r: StepRecord): void {
    const x = r.step + 1, i = this.steps.length;
    this.steps.push(x);
    this.loss.push(r.loss);
    this.ema = Number.isNaN(this.ema) ? r.loss : 0.97 * this.ema + 0.03 * r.loss;
    this.smooth.push(this.ema);
    this.ghat.push(r.ghat_norm ?? NaN);
    this.delta.push(r.delta_norm);
    this.copyN.push(typeof r.copy_n === 'number' ? r.copy_n : NaN);
    this.copyR.push(typeof r.copy_r === 'number' ? r.copy_r : NaN);
    for (const k of Object.keys(r)) {
      if (k.endsWith('_cos') && !this.cos.has(k)) this.cos.set(k, new Array<number>(i).fill(NaN));
    }
    for (const [k, a] of this.cos) a.push(typeof r[k] === 'number' ? (r[k] as number) : NaN);
    const color = MODE_COLORS[r.mode] ?? MODE_COLORS.real;
    const last = this.bands[this.bands.length - 1];
    if (last && last.color === color) last.x1 = x;
    else this.bands.push({ x0: x - 1, x1: x, color });
    if (r.lr > this.lastLr * (1 + 1e-9)) this.restarts.push(r.step);
    this.lastLr = r.lr;
  }

  get size(): number {
    return this.steps.length;
  }

  lossChart(): ChartData {
    const series: Series[] = [
      { label: 'loss', color: '#9ecae1', xs: this.steps, ys: this.loss, width: 1 },
      { label: 'smoothed', color: '#08519c', xs: this.steps, ys: this.smooth, width: 2 },
    ];
    if (this.valid.x.length > 0) series.push({ label: 'validation', color: '#d94801', xs: this.valid.x, ys: this.valid.y, dots: true });
    if (this.test.x.length > 0) series.push({ label: 'test', color: '#6a51a3', xs: this.test.x, ys: this.test.y, dots: true });
    return { series, bands: this.bands, vlines: this.restarts, xLabel: 'step' };
  }

  normChart(): ChartData {
    return {
      series: [
        { label: '‖ĝ_k‖ (synthetic, into s_k)', color: '#e6550d', xs: this.steps, ys: this.ghat },
        { label: '‖δ_{k−1}‖ (arriving at s_{k−1})', color: '#3182bd', xs: this.steps, ys: this.delta },
      ],
      bands: this.bands, vlines: this.restarts, logY: true, xLabel: 'step',
    };
  }

  cosChart(): ChartData {
    const series = [...this.cos].map(([k, ys], i) => ({ label: k, color: COS_COLORS[i % COS_COLORS.length]!, xs: this.steps, ys }));
    return { series, bands: this.bands, vlines: this.restarts, xLabel: 'step' };
  }

  copyChart(): ChartData {
    const series: Series[] = [
      { label: 'N now', color: '#3182bd', xs: this.steps, ys: this.copyN, width: 2 },
      { label: 'largest N solved', color: '#31a354', xs: this.best.x, ys: this.best.y, width: 2 },
    ];
    if (this.copyR.some((r) => r > 1)) series.push({ label: 'R now', color: '#756bb1', xs: this.steps, ys: this.copyR });
    return { series, bands: this.bands, vlines: this.restarts, xLabel: 'step' };
  }

  get isCopy(): boolean {
    return this.copyN.some((n) => !Number.isNaN(n));
  }
}

/** The records of a metrics.jsonl text; a line that is not a JSON record is an error naming it. */
export function parseMetrics(text: string, name: string): MetricRecord[] {
  const out: MetricRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch {
      // a run killed mid-write leaves a cut last line
      if (i >= lines.length - 2) break;
      throw new Error(`${name}:${i + 1}: not a JSON record`);
    }
    if (!r || typeof r !== 'object' || typeof (r as { step?: unknown }).step !== 'number') throw new Error(`${name}:${i + 1}: not a metrics record (no "step")`);
    out.push(r as MetricRecord);
  }
  return out;
}
