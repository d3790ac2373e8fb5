// SVG plots of a report: one series per group (mean over its runs with a
// min–max band, or one line per run for curricula), in curves.svg's style.
import { escapeXml, fmtTick, layoutLegend, n, niceTicks, scale, type MetricRecord } from './curves.js';
import { copyProgress, restartSteps, type Group } from './report.js';

type Pt = [number, number];

export interface PlotSeries {
  label: string;
  /** the mean over the group's runs */
  mean: Pt[];
  /** [x, min, max] over the group's runs */
  band: [number, number, number][];
  /** lines drawn as they are (one per run), instead of mean and band */
  lines?: Pt[][];
  /** steps where a warm restart begins */
  restarts: number[];
}

export interface GroupPlot {
  title: string;
  xLabel: string;
  yLabel: string;
  series: PlotSeries[];
  /** the legend's note on the band */
  bandNote?: string;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];
const fin = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
// a loop, not Math.min(...v): runs of 10^5 steps overflow the call stack with a spread
const minOf = (v: number[]) => v.reduce((a, b) => Math.min(a, b), Infinity);
const maxOf = (v: number[]) => v.reduce((a, b) => Math.max(a, b), -Infinity);

/** Per x, the mean, min and max over the runs that have a value there. */
export function aggregate(runs: Pt[][]): { mean: Pt[]; band: [number, number, number][] } {
  const at = new Map<number, number[]>();
  for (const pts of runs) for (const [x, y] of pts) if (fin(x) && fin(y)) (at.get(x) ?? at.set(x, []).get(x)!).push(y);
  const xs = [...at.keys()].sort((a, b) => a - b);
  return {
    mean: xs.map((x) => [x, at.get(x)!.reduce((a, b) => a + b, 0) / at.get(x)!.length]),
    band: xs.map((x) => [x, minOf(at.get(x)!), maxOf(at.get(x)!)]),
  };
}

/** Mean of each bucket of `width` steps, at the bucket's middle: training losses on a grid shared by all runs. */
export function bucketMeans(pts: Pt[], width: number): Pt[] {
  const sums = new Map<number, [number, number]>();
  for (const [x, y] of pts) {
    if (!fin(y)) continue;
    const b = Math.floor(x / width);
    const s = sums.get(b) ?? [0, 0];
    sums.set(b, [s[0] + y, s[1] + 1]);
  }
  return [...sums.entries()].sort((a, b) => a[0] - b[0]).map(([b, [s, c]]) => [b * width + (width - 1) / 2, s / c]);
}

const isValid = (r: MetricRecord) => (r as { split?: unknown }).split === 'valid';
const isStep = (r: MetricRecord) => (r as { split?: unknown }).split === undefined && fin(r.step);

/** Valid loss against steps per group; the training loss (bucket means) when no run has valid records. */
export function lossPlot(groups: Group[], title: string): GroupPlot {
  const hasValid = groups.some((g) => g.runs.some((r) => r.records.some(isValid)));
  const maxStep = Math.max(1, maxOf(groups.flatMap((g) => g.runs.flatMap((r) => r.records.map((x) => (fin(x.step) ? x.step : 0))))));
  const width = Math.max(1, Math.ceil((maxStep + 1) / 200));
  const series = groups.map((g): PlotSeries => {
    const runs = g.runs.map((r) => hasValid
      ? r.records.filter((x) => isValid(x) && fin(x.loss)).map((x): Pt => [x.step, x.loss])
      : bucketMeans(r.records.filter(isStep).map((x): Pt => [x.step, x.loss]), width));
    return { label: g.label, ...aggregate(runs), restarts: [...new Set(g.runs.flatMap((r) => restartSteps(r.records)))] };
  });
  return {
    title, xLabel: 'optimizer step', yLabel: hasValid ? 'valid loss (nats)' : `training loss (nats${width > 1 ? `, mean of ${width}-step buckets` : ''})`,
    series, bandNote: 'band: min–max over seeds',
  };
}

/** `sg_true_cos` (§11) against steps per group. */
export function cosPlot(groups: Group[], title: string): GroupPlot {
  const series = groups.map((g): PlotSeries => {
    const runs = g.runs.map((r) => r.records.filter((x) => isStep(x) && fin(x['sg_true_cos'])).map((x): Pt => [x.step, x['sg_true_cos'] as number]));
    return { label: g.label, ...aggregate(runs), restarts: [] };
  });
  return { title, xLabel: 'optimizer step', yLabel: 'cos(ĝ, true future gradient)', series, bandNote: 'band: min–max over seeds' };
}

/** The curriculum's N against samples (steps when the records have no `samples`), one line per run. */
export function copyPlot(groups: Group[], title: string): GroupPlot {
  const bySamples = groups.some((g) => g.runs.some((r) => r.records.some((x) => fin(x['samples']))));
  const series = groups.map((g): PlotSeries => {
    const lines = g.runs.map((r) => {
      const pts: Pt[] = [];
      for (const [N, x] of [...copyProgress(r.records).reach.entries()].sort((a, b) => a[1] - b[1])) {
        if (pts.length) pts.push([x, pts[pts.length - 1]![1]]);
        pts.push([x, N]);
      }
      const last = r.records.filter(isStep).pop();
      const end = last ? (bySamples && fin(last['samples']) ? last['samples'] : last.step) : undefined;
      if (pts.length && fin(end) && end > pts[pts.length - 1]![0]) pts.push([end, pts[pts.length - 1]![1]]);
      return pts;
    });
    return { label: g.label, mean: [], band: [], lines, restarts: [] };
  });
  return { title, xLabel: bySamples ? 'samples (episodes completed)' : 'optimizer step', yLabel: 'sequence length N reached', series };
}

export function renderGroupPlot(p: GroupPlot, W = 900, H = 500): string {
  const items: [string, string][] = p.series.map((s, i) => [
    s.lines ? `<line x1="0" y1="0" x2="22" y2="0" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="2"/>`
      : `<rect x="0" y="-6" width="22" height="12" fill="${PALETTE[i % PALETTE.length]}" fill-opacity="0.18"/><line x1="0" y1="0" x2="22" y2="0" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="2"/>`,
    s.label,
  ]);
  if (p.bandNote && p.series.some((s) => s.band.length)) items.push([`<rect x="0" y="-6" width="22" height="12" fill="#888" fill-opacity="0.18"/>`, p.bandNote]);
  if (p.series.some((s) => s.restarts.length)) items.push([`<line x1="0" y1="0" x2="22" y2="0" stroke="#555" stroke-width="1.2" stroke-dasharray="5,4"/>`, 'warm restart']);
  const x0 = 76, x1 = W - 24;
  const { legend, bottom } = layoutLegend(items, x0, x1, 6.5);
  const y0 = bottom + 16, y1 = H - 52;
  const pts = p.series.flatMap((s) => [...s.mean, ...s.band.flatMap(([x, lo, hi]): Pt[] => [[x, lo], [x, hi]]), ...(s.lines ?? []).flat()]);
  const xs = pts.map((q) => q[0]), ys = pts.map((q) => q[1]);
  let xlo = xs.length ? minOf(xs) : 0, xhi = xs.length ? maxOf(xs) : 1;
  if (xhi === xlo) { xlo -= 1; xhi += 1; }
  let ylo = ys.length ? minOf(ys) : 0, yhi = ys.length ? maxOf(ys) : 1;
  if (yhi === ylo) { const d = Math.abs(ylo) * 0.1 || 1; ylo -= d; yhi += d; }
  const pad = (yhi - ylo) * 0.05;
  ylo -= pad; yhi += pad;
  const sx = scale(xlo, xhi, x0, x1), sy = scale(ylo, yhi, y1, y0);
  const path = (q: Pt[]) => q.map(([x, y]) => `${n(sx(x))},${n(sy(y))}`).join(' ');

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${n(W)}" height="${n(H)}" viewBox="0 0 ${n(W)} ${n(H)}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<title>${escapeXml(p.title)}</title>`, `<rect width="100%" height="100%" fill="#fff"/>`);
  out.push(`<defs><clipPath id="plot"><rect x="${n(x0)}" y="${n(y0)}" width="${n(x1 - x0)}" height="${n(y1 - y0)}"/></clipPath></defs>`);
  const xt = niceTicks(xlo, xhi, Math.max(2, Math.round((x1 - x0) / 100)));
  const yt = niceTicks(ylo, yhi, Math.max(2, Math.round((y1 - y0) / 45)));
  out.push('<g class="grid" stroke="#e6e6e6" stroke-width="1">');
  for (const t of xt) out.push(`<line x1="${n(sx(t))}" y1="${n(y0)}" x2="${n(sx(t))}" y2="${n(y1)}"/>`);
  for (const t of yt) out.push(`<line x1="${n(x0)}" y1="${n(sy(t))}" x2="${n(x1)}" y2="${n(sy(t))}"/>`);
  out.push('</g>', '<g class="ticks" fill="#333">');
  for (const t of xt) out.push(`<text x="${n(sx(t))}" y="${n(y1 + 17)}" text-anchor="middle">${escapeXml(fmtTick(t))}</text>`);
  for (const t of yt) out.push(`<text x="${n(x0 - 7)}" y="${n(sy(t) + 4)}" text-anchor="end">${escapeXml(fmtTick(t))}</text>`);
  out.push('</g>');
  p.series.forEach((s, i) => {
    const c = PALETTE[i % PALETTE.length]!;
    out.push(`<g class="series" data-group="${escapeXml(s.label)}" clip-path="url(#plot)">`);
    if (s.band.length > 1) {
      const upper: Pt[] = s.band.map(([x, , hi]) => [x, hi]), lower: Pt[] = s.band.map(([x, lo]): Pt => [x, lo]).reverse();
      out.push(`<polygon class="band" fill="${c}" fill-opacity="0.18" stroke="none" points="${path([...upper, ...lower])}"/>`);
    }
    for (const r of s.restarts) out.push(`<line class="restart" x1="${n(sx(r))}" y1="${n(y0)}" x2="${n(sx(r))}" y2="${n(y1)}" stroke="${c}" stroke-width="1.2" stroke-dasharray="5,4" stroke-opacity="0.7"/>`);
    for (const l of s.lines ?? []) if (l.length) out.push(`<polyline class="run-line" fill="none" stroke="${c}" stroke-width="1.5" stroke-opacity="0.8" points="${path(l)}"/>`);
    if (s.mean.length > 1) out.push(`<polyline class="mean-line" fill="none" stroke="${c}" stroke-width="2" points="${path(s.mean)}"/>`);
    if (s.mean.length <= 30) for (const [x, y] of s.mean) out.push(`<circle cx="${n(sx(x))}" cy="${n(sy(y))}" r="2.5" fill="${c}"/>`);
    out.push('</g>');
  });
  if (pts.length === 0) out.push(`<text x="${n((x0 + x1) / 2)}" y="${n((y0 + y1) / 2)}" text-anchor="middle" fill="#888" font-size="16">no data</text>`);
  out.push(`<rect x="${n(x0)}" y="${n(y0)}" width="${n(x1 - x0)}" height="${n(y1 - y0)}" fill="none" stroke="#333"/>`);
  out.push(`<text class="axis-title x-axis" x="${n((x0 + x1) / 2)}" y="${n(H - 12)}" text-anchor="middle" font-size="13">${escapeXml(p.xLabel)}</text>`);
  out.push(`<text class="axis-title y-axis" transform="translate(18 ${n((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle" font-size="13">${escapeXml(p.yLabel)}</text>`);
  const maxTitle = Math.max(8, Math.floor((W - x0 - 10) / 8.5));
  const title = p.title.length > maxTitle ? `${p.title.slice(0, maxTitle - 1)}…` : p.title;
  out.push(`<text class="title" x="${n(x0)}" y="24" font-size="15" font-weight="bold">${escapeXml(title)}</text>`);
  out.push('<g class="legend">', ...legend, '</g>', '</svg>');
  return out.join('\n') + '\n';
}
