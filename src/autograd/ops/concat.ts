// Concatenation and split along the last axis.
import { Tensor } from '../../tensor/tensor.js';
import { fmt, ShapeError } from '../../tensor/shape.js';
import { record, record1, type Var } from '../variable.js';
import { sameDtype } from './check.js';

/** Copies column block [from, from+w) of every row of src (row width srcW) into dst's block at `at` (row width dstW). */
function copyColumns(src: Tensor['data'], srcW: number, from: number, dst: Tensor['data'], dstW: number, at: number, w: number, rows: number): void {
  for (let r = 0; r < rows; r++) dst.set(src.subarray(r * srcW + from, r * srcW + from + w), r * dstW + at);
}

/** The inputs side by side along their last axis; all other dimensions must be equal. */
export function concat(vs: Var[]): Var {
  if (vs.length === 0) throw new ShapeError('concat: needs at least one input');
  sameDtype('concat', ...vs);
  const lead = vs[0]!.shape.slice(0, -1);
  for (const v of vs) {
    const ok = v.shape.length === lead.length + 1 && lead.every((d, i) => d === v.shape[i]);
    if (!ok) throw new ShapeError(`concat: shapes ${vs.map((x) => fmt(x.shape)).join(', ')} differ outside the last axis`);
  }
  const widths = vs.map((v) => v.shape[v.shape.length - 1]!);
  const W = widths.reduce((a, b) => a + b, 0);
  const rows = lead.reduce((a, b) => a * b, 1);
  const out = Tensor.zeros([...lead, W], vs[0]!.dtype);
  let at = 0;
  vs.forEach((v, i) => {
    copyColumns(v.value.data, widths[i]!, 0, out.data, W, at, widths[i]!, rows);
    at += widths[i]!;
  });
  return record1('concat', vs, out, (g) => {
    let from = 0;
    return vs.map((v, i) => {
      const gi = Tensor.zeros(v.shape, v.dtype);
      copyColumns(g.data, W, from, gi.data, widths[i]!, 0, widths[i]!, rows);
      from += widths[i]!;
      return gi;
    });
  });
}

/** Splits the last axis into pieces of the given widths (which must add up to it). */
export function split(v: Var, widths: number[]): Var[] {
  const W = v.shape[v.shape.length - 1] ?? 0;
  const total = widths.reduce((a, b) => a + b, 0);
  if (v.shape.length === 0 || total !== W || widths.some((w) => !Number.isInteger(w) || w < 0)) {
    throw new ShapeError(`split: widths [${widths.join(',')}] do not add up to the last axis of ${fmt(v.shape)}`);
  }
  const lead = v.shape.slice(0, -1);
  const rows = lead.reduce((a, b) => a * b, 1);
  let from = 0;
  const outs = widths.map((w) => {
    const t = Tensor.zeros([...lead, w], v.dtype);
    copyColumns(v.value.data, W, from, t.data, w, 0, w, rows);
    from += w;
    return t;
  });
  return record('split', [v], outs, (gs) => {
    const gv = Tensor.zeros(v.shape, v.dtype);
    let at = 0;
    gs.forEach((g, i) => {
      if (g) copyColumns(g.data, widths[i]!, 0, gv.data, W, at, widths[i]!, rows);
      at += widths[i]!;
    });
    return [gv];
  });
}
