// The lab's small pictures: a copy episode's bits, heat maps of ĝ_k and
// δ_{k−1}, and the stage list of one step with the lines of docs/algorithm.md §4.
import type { BitGrid, HeatMap, StageView } from './protocol.js';

function sized(canvas: HTMLCanvasElement, w: number, h: number): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const g = canvas.getContext('2d')!;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.font = '12px system-ui, sans-serif';
  g.textBaseline = 'middle';
  return g;
}

/** Input, target and output bits of one episode (time across, bits down); scored steps underlined. */
export function drawBitGrid(canvas: HTMLCanvasElement, grid: BitGrid, maxWidth: number): void {
  const label = 64;
  const cell = Math.max(3, Math.min(14, Math.floor((maxWidth - label - 8) / grid.length)));
  const rows = grid.inWidth + 2 * grid.outWidth;
  const gap = 8;
  const h = rows * cell + 2 * gap + 6;
  const g = sized(canvas, label + grid.length * cell + 8, h);
  const ink = getComputedStyle(canvas).color || '#222';
  const panel = (name: string, data: Float32Array, width: number, top: number) => {
    g.fillStyle = ink;
    g.fillText(name, 0, top + (width * cell) / 2);
    for (let t = 0; t < grid.length; t++) {
      for (let j = 0; j < width; j++) {
        const v = Math.max(0, Math.min(1, data[t * width + j]!));
        const c = Math.round(255 * (1 - v));
        g.fillStyle = `rgb(${c},${c},${c})`;
        g.fillRect(label + t * cell, top + j * cell, cell - 1, cell - 1);
      }
    }
  };
  panel('input', grid.input, grid.inWidth, 0);
  const t1 = grid.inWidth * cell + gap, t2 = t1 + grid.outWidth * cell + gap;
  panel('target', grid.target, grid.outWidth, t1);
  panel('output', grid.output, grid.outWidth, t2);
  g.fillStyle = '#d94801';
  for (const t of grid.scored) g.fillRect(label + t * cell, h - 4, cell - 1, 3);
  canvas.setAttribute('aria-label', `one episode, batch row 0: ${grid.length} time steps; input ${grid.inWidth} bits, target and output ${grid.outWidth} bits per step; dark = 1`);
}

/** Heat maps side by side on one colour scale (blue negative, red positive). */
export function drawHeatMaps(canvas: HTMLCanvasElement, maps: { title: string; map: HeatMap | null }[]): void {
  const cell = 12, gap = 24, titleH = 18;
  const shown = maps.filter((m) => m.map !== null) as { title: string; map: HeatMap }[];
  const width = Math.max(200, shown.reduce((a, m) => a + m.map.cols * cell + gap, 0));
  const rows = Math.max(1, ...shown.map((m) => m.map.rows));
  const g = sized(canvas, width, titleH + rows * cell + 20);
  let scale = 0;
  for (const m of shown) for (const v of m.map.data) scale = Math.max(scale, Math.abs(v));
  const ink = getComputedStyle(canvas).color || '#222';
  let x = 0;
  for (const m of shown) {
    g.fillStyle = ink;
    g.fillText(m.title, x, 8);
    for (let b = 0; b < m.map.rows; b++) {
      for (let j = 0; j < m.map.cols; j++) {
        const v = scale > 0 ? m.map.data[b * m.map.cols + j]! / scale : 0;
        const a = Math.round(255 * (1 - Math.abs(v)));
        g.fillStyle = v >= 0 ? `rgb(255,${a},${a})` : `rgb(${a},${a},255)`;
        g.fillRect(x + j * cell, titleH + b * cell, cell - 1, cell - 1);
      }
    }
    x += m.map.cols * cell + gap;
  }
  g.fillStyle = ink;
  g.fillText(`rows: batch rows, columns: state coordinates; full colour = ±${scale.toPrecision(3)}`, 0, titleH + rows * cell + 10);
  canvas.setAttribute('aria-label', shown.map((m) => m.title).join(' and ') + ` as heat maps, scale ±${scale.toPrecision(3)}`);
}

/** The numbered steps of docs/algorithm.md §4 (item number → text), or an empty map. */
export function algorithmSteps(markdown: string): Map<number, string> {
  const out = new Map<number, string>();
  const start = markdown.search(/^## 4\./m);
  if (start < 0) return out;
  const rest = markdown.slice(start + 5);
  const end = rest.search(/^## /m);
  const section = end < 0 ? rest : rest.slice(0, end);
  const m = section.match(/^1\. [\s\S]*?(?=\n\n)/m);
  if (!m) return out;
  for (const item of m[0].split(/\n(?=\d+\. )/)) {
    const n = Number(item.slice(0, item.indexOf('.')));
    out.set(n, item.slice(item.indexOf(' ') + 1).replace(/\s+/g, ' ').replace(/`|\*\*/g, ''));
  }
  return out;
}

function fmt(v: number | null): string {
  if (v === null) return '—';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(3) : v.toPrecision(4);
}

/** The stage list of one step. */
export function renderStages(list: HTMLElement, stages: StageView[], lines: Map<number, string>): void {
  list.replaceChildren(...stages.map((s) => {
    const li = document.createElement('li');
    const h = document.createElement('strong');
    h.textContent = s.title;
    const vals = document.createElement('span');
    vals.className = 'values';
    vals.textContent = s.values.map(([k, v]) => `${k} = ${fmt(v)}`).join('   ');
    li.append(h, ' ', vals);
    const line = lines.get(s.item);
    if (line) {
      const q = document.createElement('blockquote');
      q.textContent = `§4, step ${s.item}: ${line}`;
      li.append(q);
    }
    return li;
  }));
}
