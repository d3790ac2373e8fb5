// Render a metrics.jsonl record list as a standalone SVG learning-curve plot.
// Dependency-free and free of Node imports, so it also runs in a browser.

/** One optimizer step (see docs/config.md, `metrics.jsonl`). Extra keys are allowed. */
export interface StepRecord {
  step: number;
  epoch: number;
  chunk: number;
  chunk_len: number;
  loss: number;
  lr: number;
  mode: 'real' | 'synthetic';
  sg_loss: number | null;
  grad_norm: number;
  delta_norm: number;
  ghat_norm: number | null;
  /** cos(M_φ(s_{k−1}), δ_{k−1}) before the synthesizer's update; null without a synthesizer step or with a zero vector. */
  sg_fit_cos?: number | null;
  [extra: string]: unknown;
}

/** One evaluation pass; recognised by its `split` key. */
export interface EvalRecord {
  split: 'valid' | 'test';
  step: number;
  epoch: number;
  loss: number;
  ppl: number;
  bpc: number;
  [extra: string]: unknown;
}

/** One line of metrics.jsonl. */
export type MetricRecord = StepRecord | EvalRecord;

export interface CurveOptions {
  title?: string;
  width?: number;
  height?: number;
  /** Above this many raw points the raw line is decimated (min/max per bucket). Default 4000. */
  maxPoints?: number;
}

type Pt = [number, number];

const COLORS = {
  raw: '#9ecae1', smooth: '#08519c', valid: '#d94801', test: '#6a51a3',
  real: '#e5f5e0', synthetic: '#fdebd3', restart: '#636363', grid: '#e6e6e6', axis: '#333',
  fitCos: '#74c476', trueCos: '#a50f15',
};

/** Height of the panel of cosines below the losses (drawn when a record has one). */
const COS_PANEL = 190;

const fin = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** Coordinate → attribute text; never emits NaN or Infinity. */
export const n = (v: number): string => (Number.isFinite(v) ? String(Math.round(v * 100) / 100) : '0');

/** Round x to 1, 2 or 5 × 10^k. */
function niceNum(x: number): number {
  const e = Math.floor(Math.log10(x)), f = x / 10 ** e;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * 10 ** e;
}

/** "Nice" tick values (1/2/5 × 10^k steps) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  const span = hi - lo;
  if (!Number.isFinite(span) || span <= 0) return [lo, hi].filter((v, i, a) => fin(v) && a.indexOf(v) === i);
  const step = niceNum(span / Math.max(1, count - 1));
  if (!fin(step) || step <= 0) return [lo, hi];
  const out: number[] = [];
  const first = Math.ceil(lo / step);
  for (let k = 0; k < 50; k++) {
    const v = (first + k) * step;
    if (!Number.isFinite(v) || v - hi > step * 1e-9) break;
    out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  }
  return out;
}

export function fmtTick(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6 || (a > 0 && a < 1e-3)) return v.toExponential(1).replace('e+', 'e');
  if (a >= 1e4) return `${Number((v / 1000).toPrecision(4))}k`;
  return String(Number(v.toPrecision(4)));
}

/** Overflow-safe linear map of v from [lo, hi] to [a, b]. */
export function scale(lo: number, hi: number, a: number, b: number) {
  const d = hi / 2 - lo / 2;
  return (v: number) => a + (d > 0 ? (v / 2 - lo / 2) / d : 0.5) * (b - a);
}

/**
 * Centred moving average over 2h+1 neighbours (shrinking at the ends), so the
 * smoothed line does not lag behind the raw one. Values are scaled by their
 * largest magnitude before the prefix sums, so huge losses cannot overflow.
 */
function movingAverage(pts: Pt[], h: number): Pt[] {
  const s = pts.reduce((m, p) => Math.max(m, Math.abs(p[1])), 0) || 1;
  const pre = [0];
  for (const p of pts) pre.push(pre[pre.length - 1]! + p[1] / s);
  const out: Pt[] = [];
  pts.forEach(([x], i) => {
    const a = Math.max(0, i - h), b = Math.min(pts.length, i + h + 1);
    const v = ((pre[b]! - pre[a]!) / (b - a)) * s;
    if (Number.isFinite(v)) out.push([x, v]);
  });
  return out;
}

/** Keep at most ~max points, preserving each bucket's min and max. */
function decimate(pts: Pt[], max: number): Pt[] {
  if (pts.length <= max) return pts;
  const buckets = Math.max(1, Math.floor(max / 2)), size = pts.length / buckets, out: Pt[] = [];
  for (let b = 0; b < buckets; b++) {
    const seg = pts.slice(Math.floor(b * size), Math.floor((b + 1) * size));
    if (seg.length === 0) continue;
    let lo = seg[0]!, hi = seg[0]!;
    for (const p of seg) { if (p[1] < lo[1]) lo = p; if (p[1] > hi[1]) hi = p; }
    out.push(...(lo === hi ? [lo] : lo[0] <= hi[0] ? [lo, hi] : [hi, lo]));
  }
  return out;
}

/** Legend entries (symbol markup, label) in rows between x0 and x1 from y = 46; `bottom` is the last row's y. */
export function layoutLegend(items: [string, string][], x0: number, x1: number, charWidth = 6): { legend: string[]; bottom: number } {
  const legend: string[] = [];
  let lx = x0, ly = 46;
  for (const [sym, label] of items) {
    const w = 28 + label.length * charWidth + 16;
    if (lx + w > x1 && lx > x0) { lx = x0; ly += 18; }
    legend.push(`<g class="legend-item" transform="translate(${n(lx)} ${n(ly)})">${sym}<text x="28" y="4">${escapeXml(label)}</text></g>`);
    lx += w;
  }
  return { legend, bottom: ly };
}

/** The learning curves of a run's metric records as a standalone SVG document. */
export function renderCurves(records: MetricRecord[], opts: CurveOptions = {}): string {
  const W = fin(opts.width) && opts.width >= 300 ? opts.width : 900;
  const H = fin(opts.height) && opts.height >= 200 ? opts.height : 480;
  const maxPts = fin(opts.maxPoints) && opts.maxPoints >= 4 ? opts.maxPoints : 4000;

  const isEval = (r: MetricRecord): r is EvalRecord => typeof (r as { split?: unknown }).split === 'string';
  const recs = (Array.isArray(records) ? records : []).filter((r) => r !== null && typeof r === 'object' && fin(r.step));
  const steps = recs.filter((r): r is StepRecord => !isEval(r)).sort((a, b) => a.step - b.step);
  const evals = (split: string) => recs.filter((r): r is EvalRecord => isEval(r) && r.split === split)
    .filter((r) => fin(r.loss)).sort((a, b) => a.step - b.step).map((r): Pt => [r.step, r.loss]);
  const valid = evals('valid'), test = evals('test');
  const raw = steps.filter((r) => fin(r.loss)).map((r): Pt => [r.step, r.loss]);
  const smooth = movingAverage(raw, Math.max(1, Math.round(raw.length / 120)));
  // Warm restarts: the learning rate jumps up relative to the previous step.
  const restarts = steps.filter((r, i) => {
    const p = steps[i - 1]?.lr;
    return i > 0 && fin(p) && fin(r.lr) && r.lr > p + Math.abs(p) * 1e-9;
  }).map((r) => r.step);

  // Legend (only entries for what is drawn), laid out first: its rows set the top margin.
  const line = (c: string, w: number, dash = '') => `<line x1="0" y1="0" x2="22" y2="0" stroke="${c}" stroke-width="${w}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
  const box = (c: string) => `<rect x="0" y="-6" width="22" height="12" fill="${c}" stroke="#bbb" stroke-width="0.5"/>`;
  const items: [string, string][] = [];
  if (raw.length === 1) items.push([`<circle cx="11" cy="0" r="3" fill="${COLORS.smooth}"/>`, 'train loss']);
  if (raw.length > 1) items.push([line(COLORS.raw, 1.5), 'train loss'], [line(COLORS.smooth, 2), 'smoothed']);
  if (valid.length) items.push([`${line(COLORS.valid, 1.5)}<circle cx="11" cy="0" r="3.5" fill="${COLORS.valid}"/>`, 'valid loss']);
  if (test.length) items.push([`<rect x="7" y="-4" width="8" height="8" fill="${COLORS.test}"/>`, 'test loss']);
  if (steps.some((r) => r.mode !== 'synthetic')) items.push([box(COLORS.real), 'real gradient']);
  if (steps.some((r) => r.mode === 'synthetic')) items.push([box(COLORS.synthetic), 'synthetic gradient']);
  if (restarts.length) items.push([line(COLORS.restart, 1.2, '5,4'), 'warm restart']);
  const x0 = 70, x1 = W - 24;
  const { legend, bottom } = layoutLegend(items, x0, x1);
  const y0 = bottom + 16, y1 = H - 52;

  // Domains. With many steps the raw line's extreme 0.5% may leave the plot (clipped).
  const xs = recs.map((r) => r.step);
  const rawY = raw.map((p) => p[1]).sort((a, b) => a - b);
  const q = raw.length >= 200 ? Math.floor(raw.length * 0.005) : 0;
  const ys = [...smooth, ...valid, ...test].map((p) => p[1]);
  if (rawY.length) ys.push(rawY[q]!, rawY[rawY.length - 1 - q]!);
  const min = (a: number[], d: number) => (a.length ? a.reduce((m, v) => (v < m ? v : m)) : d);
  const max = (a: number[], d: number) => (a.length ? a.reduce((m, v) => (v > m ? v : m)) : d);
  let xlo = min(xs, 0), xhi = max(xs, 1);
  if (xhi === xlo) { xlo = xlo >= 0 ? Math.max(0, xlo - 1) : xlo - 1; xhi += 1; }
  let ylo = min(ys, 0), yhi = max(ys, 1);
  if (yhi === ylo) { const p = Math.abs(ylo) * 0.1 || 1; ylo -= p; yhi += p; }
  const pad = (yhi - ylo) * 0.05;
  if (Number.isFinite(ylo - pad) && Number.isFinite(yhi + pad)) { ylo -= pad; yhi += pad; }
  const sx = scale(xlo, xhi, x0, x1), sy = scale(ylo, yhi, y1, y0);
  const poly = (pts: Pt[], cls: string, attrs: string) => pts.length < 2 ? ''
    : `<polyline class="${cls}" fill="none" ${attrs} points="${pts.map(([x, y]) => `${n(sx(x))},${n(sy(y))}`).join(' ')}"/>`;
  const vline = (cls: string, x: number) => `<line${cls ? ` class="${cls}"` : ''} x1="${n(x)}" y1="${n(y0)}" x2="${n(x)}" y2="${n(y1)}"/>`;

  const maxTitle = Math.max(8, Math.floor((W - x0 - 10) / 9));
  const rawTitle = opts.title ?? 'Training curves';
  const title = rawTitle.length > maxTitle ? `${rawTitle.slice(0, maxTitle - 1)}…` : rawTitle;
  const cosPanel = steps.some((r) => fin(r['sg_true_cos']) || fin(r['sg_fit_cos']));
  const Hall = cosPanel ? H + COS_PANEL : H;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${n(W)}" height="${n(Hall)}" viewBox="0 0 ${n(W)} ${n(Hall)}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<title>${escapeXml(rawTitle)}</title>`);
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  out.push(`<defs><clipPath id="plot"><rect x="${n(x0)}" y="${n(y0)}" width="${n(x1 - x0)}" height="${n(y1 - y0)}"/></clipPath></defs>`);

  // Background bands: one per run of consecutive steps with the same gradient mode.
  out.push('<g class="bands" clip-path="url(#plot)">');
  for (let i = 0; i < steps.length;) {
    let j = i;
    while (j + 1 < steps.length && steps[j + 1]!.mode === steps[i]!.mode) j++;
    const mode = steps[i]!.mode === 'synthetic' ? 'synthetic' : 'real';
    const a = sx(steps[i]!.step), b = j + 1 < steps.length ? sx(steps[j + 1]!.step) : Math.max(sx(steps[j]!.step), x1);
    out.push(`<rect class="band band-${mode}" x="${n(a)}" y="${n(y0)}" width="${n(Math.max(b - a, 1))}" height="${n(y1 - y0)}" fill="${COLORS[mode]}"/>`);
    i = j + 1;
  }
  out.push('</g>');

  // Grid and tick labels.
  const xt = niceTicks(xlo, xhi, Math.max(2, Math.round((x1 - x0) / 100)));
  const yt = niceTicks(ylo, yhi, Math.max(2, Math.round((y1 - y0) / 45)));
  out.push(`<g class="grid" stroke="${COLORS.grid}" stroke-width="1">`);
  for (const t of xt) out.push(vline('', sx(t)));
  for (const t of yt) out.push(`<line x1="${n(x0)}" y1="${n(sy(t))}" x2="${n(x1)}" y2="${n(sy(t))}"/>`);
  out.push('</g>', `<g class="ticks" fill="${COLORS.axis}">`);
  for (const t of xt) out.push(`<text x="${n(sx(t))}" y="${n(y1 + 17)}" text-anchor="middle">${escapeXml(fmtTick(t))}</text>`);
  for (const t of yt) out.push(`<text x="${n(x0 - 7)}" y="${n(sy(t) + 4)}" text-anchor="end">${escapeXml(fmtTick(t))}</text>`);
  out.push('</g>');

  out.push(`<g class="restarts" stroke="${COLORS.restart}" stroke-width="1.2" stroke-dasharray="5,4">`);
  for (const s of restarts) out.push(vline('restart', sx(s)));
  out.push('</g>');

  // Series: lines clipped to the plot, markers not (so points on the border stay whole).
  out.push('<g class="series" clip-path="url(#plot)">');
  out.push(poly(decimate(raw, maxPts), 'train-raw', `stroke="${COLORS.raw}" stroke-width="1"`));
  out.push(poly(decimate(smooth, maxPts), 'train-smooth', `stroke="${COLORS.smooth}" stroke-width="2"`));
  out.push(poly(valid, 'valid-line', `stroke="${COLORS.valid}" stroke-width="1.5"`));
  out.push('</g>', '<g class="markers">');
  for (const [x, y] of valid) out.push(`<circle class="valid-point" cx="${n(sx(x))}" cy="${n(sy(y))}" r="3.5" fill="${COLORS.valid}" stroke="#fff"/>`);
  for (const [x, y] of test) out.push(`<rect class="test-point" x="${n(sx(x) - 4)}" y="${n(sy(y) - 4)}" width="8" height="8" fill="${COLORS.test}" stroke="#fff"/>`);
  if (raw.length === 1) out.push(`<circle class="train-point" cx="${n(sx(raw[0]![0]))}" cy="${n(sy(raw[0]![1]))}" r="3" fill="${COLORS.smooth}"/>`);
  out.push('</g>');
  if (recs.length === 0) out.push(`<text x="${n((x0 + x1) / 2)}" y="${n((y0 + y1) / 2)}" text-anchor="middle" fill="#888" font-size="16">no data</text>`);

  // Frame, axis titles, title, legend.
  out.push(`<rect x="${n(x0)}" y="${n(y0)}" width="${n(x1 - x0)}" height="${n(y1 - y0)}" fill="none" stroke="${COLORS.axis}"/>`);
  out.push(`<text class="axis-title" x="${n((x0 + x1) / 2)}" y="${n(H - 12)}" text-anchor="middle" font-size="13">step</text>`);
  out.push(`<text class="axis-title" transform="translate(18 ${n((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle" font-size="13">loss (nats)</text>`);
  out.push(`<text class="title" x="${n(x0)}" y="24" font-size="16" font-weight="bold">${escapeXml(title)}</text>`);
  out.push('<g class="legend">', ...legend, '</g>');
  if (cosPanel) out.push(...renderCosPanel(steps, sx, xt, x0, x1, H, maxPts));
  out.push('</svg>');
  return out.filter((s) => s !== '').join('\n') + '\n';
}

/**
 * The panel under the losses: how well ĝ points where it should, on [−1, 1].
 * sg_fit_cos (every synthesizer step, against its training target δ) as a thin
 * line with its moving average; sg_true_cos (diagnosed steps, against the true
 * future gradient, docs/algorithm.md §11) as points joined by a line.
 */
function renderCosPanel(steps: StepRecord[], sx: (v: number) => number, xt: number[], x0: number, x1: number, top: number, maxPts: number): string[] {
  const y0 = top + 34, y1 = top + COS_PANEL - 40;
  const sy = scale(-1, 1, y1, y0);
  const series = (key: string) => steps.filter((r) => fin(r[key])).map((r): Pt => [r.step, r[key] as number]);
  const fit = series('sg_fit_cos'), truth = series('sg_true_cos');
  const fitSmooth = movingAverage(fit, Math.max(1, Math.round(fit.length / 120)));
  const poly = (pts: Pt[], cls: string, attrs: string) => pts.length < 2 ? ''
    : `<polyline class="${cls}" fill="none" ${attrs} points="${pts.map(([x, y]) => `${n(sx(x))},${n(sy(y))}`).join(' ')}"/>`;
  const out: string[] = ['<g class="cos-panel">'];
  out.push(`<g class="grid" stroke="${COLORS.grid}" stroke-width="1">`);
  for (const t of xt) out.push(`<line x1="${n(sx(t))}" y1="${n(y0)}" x2="${n(sx(t))}" y2="${n(y1)}"/>`);
  for (const t of [-1, -0.5, 0, 0.5, 1]) out.push(`<line x1="${n(x0)}" y1="${n(sy(t))}" x2="${n(x1)}" y2="${n(sy(t))}"${t === 0 ? ' stroke="#999"' : ''}/>`);
  out.push('</g>', `<g class="ticks" fill="${COLORS.axis}">`);
  for (const t of xt) out.push(`<text x="${n(sx(t))}" y="${n(y1 + 17)}" text-anchor="middle">${escapeXml(fmtTick(t))}</text>`);
  for (const t of [-1, 0, 1]) out.push(`<text x="${n(x0 - 7)}" y="${n(sy(t) + 4)}" text-anchor="end">${t}</text>`);
  out.push('</g>', '<g class="series">');
  out.push(poly(decimate(fit, maxPts), 'fit-cos-raw', `stroke="${COLORS.fitCos}" stroke-width="0.7" opacity="0.5"`));
  out.push(poly(decimate(fitSmooth, maxPts), 'fit-cos', `stroke="${COLORS.fitCos}" stroke-width="1.8"`));
  out.push(poly(truth, 'true-cos', `stroke="${COLORS.trueCos}" stroke-width="1.5"`));
  for (const [x, y] of truth) out.push(`<circle class="true-cos-point" cx="${n(sx(x))}" cy="${n(sy(y))}" r="3" fill="${COLORS.trueCos}"/>`);
  out.push('</g>');
  out.push(`<rect x="${n(x0)}" y="${n(y0)}" width="${n(x1 - x0)}" height="${n(y1 - y0)}" fill="none" stroke="${COLORS.axis}"/>`);
  out.push(`<text class="axis-title" transform="translate(18 ${n((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle" font-size="13">cos</text>`);
  const key: string[] = [];
  if (fit.length) key.push(`<tspan fill="${COLORS.fitCos}">sg_fit_cos (ĝ vs its target δ)</tspan>`);
  if (truth.length) key.push(`<tspan fill="${COLORS.trueCos}">sg_true_cos (ĝ vs the true future gradient)</tspan>`);
  out.push(`<text class="cos-title" x="${n(x0)}" y="${n(top + 20)}" font-size="13">${key.join('  ')}</text>`);
  out.push('</g>');
  return out.filter((s) => s !== '');
}
