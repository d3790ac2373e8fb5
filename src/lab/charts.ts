// Line charts on a <canvas>, drawn by hand: a few thousand points a few times
// a second need no library. Shaded bands (the gradient modes) and vertical
// lines (warm restarts) go under the lines.

export interface Series {
  label: string;
  color: string;
  xs: number[];
  ys: number[];
  /** dots instead of a line (sparse series such as validation) */
  dots?: boolean;
  width?: number;
}

export interface ChartData {
  series: Series[];
  bands?: { x0: number; x1: number; color: string }[];
  vlines?: number[];
  logY?: boolean;
  xLabel: string;
}

const PAD = { left: 52, right: 12, top: 22, bottom: 30 };

/** 1, 2 or 5 × 10^k steps giving about `n` ticks over [lo, hi]. */
export function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n, p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
  const out: number[] = [];
  // multiples of the step, rounded to 12 digits: 3 × 0.2 is 0.6000000000000001
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}

/** Draws `d` on `canvas` at its CSS size; sets data-points to the number of finite points drawn. */
export function drawChart(canvas: HTMLCanvasElement, d: ChartData): void {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 400, h = canvas.clientHeight || 180;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const g = canvas.getContext('2d')!;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  const ty = (y: number) => (d.logY ? Math.log10(y) : y);
  const ok = (y: number) => Number.isFinite(y) && (!d.logY || y > 0);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity, points = 0;
  for (const s of d.series) {
    for (let i = 0; i < s.xs.length; i++) {
      const y = s.ys[i]!;
      if (!ok(y)) continue;
      points++;
      x0 = Math.min(x0, s.xs[i]!); x1 = Math.max(x1, s.xs[i]!);
      y0 = Math.min(y0, ty(y)); y1 = Math.max(y1, ty(y));
    }
  }
  canvas.dataset.points = String(points);
  const style = getComputedStyle(canvas);
  const ink = style.color || '#222';
  g.font = '12px system-ui, sans-serif';
  g.fillStyle = ink;
  if (points === 0) {
    g.fillText('no data yet', PAD.left, h / 2);
    return;
  }
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
  const m = (y1 - y0) * 0.05;
  y0 -= m; y1 += m;
  const pw = w - PAD.left - PAD.right, ph = h - PAD.top - PAD.bottom;
  const X = (x: number) => PAD.left + ((x - x0) / (x1 - x0)) * pw;
  const Y = (y: number) => PAD.top + (1 - (ty(y) - y0) / (y1 - y0)) * ph;
  for (const b of d.bands ?? []) {
    g.fillStyle = b.color;
    const a = Math.max(X(b.x0), PAD.left), e = Math.min(X(b.x1), PAD.left + pw);
    if (e > a) g.fillRect(a, PAD.top, e - a, ph);
  }
  g.strokeStyle = '#ddd';
  g.lineWidth = 1;
  g.fillStyle = ink;
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  for (const v of niceTicks(y0, y1, 4)) {
    const py = PAD.top + (1 - (v - y0) / (y1 - y0)) * ph;
    g.beginPath(); g.moveTo(PAD.left, py); g.lineTo(PAD.left + pw, py); g.stroke();
    g.fillText(d.logY ? fmt(10 ** v) : fmt(v), PAD.left - 4, py);
  }
  g.textAlign = 'center';
  g.textBaseline = 'top';
  for (const v of niceTicks(x0, x1, 6)) g.fillText(fmt(v), X(v), PAD.top + ph + 4);
  g.fillText(d.xLabel, PAD.left + pw / 2, PAD.top + ph + 16);
  g.strokeStyle = '#666';
  g.setLineDash([4, 3]);
  for (const x of d.vlines ?? []) {
    if (x < x0 || x > x1) continue;
    g.beginPath(); g.moveTo(X(x), PAD.top); g.lineTo(X(x), PAD.top + ph); g.stroke();
  }
  g.setLineDash([]);
  for (const s of d.series) drawSeries(g, s, X, Y, ok, pw);
  // legend
  g.textAlign = 'left';
  g.textBaseline = 'middle';
  let lx = PAD.left;
  for (const s of d.series) {
    // a series without data keeps its place in the legend, so that its absence is seen
    const label = s.ys.some(ok) ? s.label : `${s.label}: none`;
    g.fillStyle = s.color;
    g.fillRect(lx, 7, 14, 4);
    g.fillStyle = ink;
    g.fillText(label, lx + 18, 9);
    lx += 26 + g.measureText(label).width;
  }
}

/** A line (at most two points per pixel column: the column's first and last after its min and max) or dots. */
function drawSeries(g: CanvasRenderingContext2D, s: Series, X: (x: number) => number, Y: (y: number) => number, ok: (y: number) => boolean, pw: number): void {
  g.strokeStyle = g.fillStyle = s.color;
  g.lineWidth = s.width ?? 1.5;
  if (s.dots) {
    for (let i = 0; i < s.xs.length; i++) if (ok(s.ys[i]!)) g.fillRect(X(s.xs[i]!) - 2.5, Y(s.ys[i]!) - 2.5, 5, 5);
    return;
  }
  const stride = Math.max(1, Math.floor(s.xs.length / (2 * pw)));
  g.beginPath();
  let pen = false;
  for (let i = 0; i < s.xs.length; i += stride) {
    let lo = Infinity, hi = -Infinity;
    for (let j = i; j < Math.min(i + stride, s.xs.length); j++) {
      const y = s.ys[j]!;
      if (ok(y)) { lo = Math.min(lo, y); hi = Math.max(hi, y); }
    }
    if (lo === Infinity) { pen = false; continue; }
    const px = X(s.xs[i]!);
    if (!pen) g.moveTo(px, Y(lo)); else g.lineTo(px, Y(lo));
    if (hi !== lo) g.lineTo(px, Y(hi));
    pen = true;
  }
  g.stroke();
}
