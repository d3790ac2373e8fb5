// Argument checks shared by the ops: errors name the op, the shapes and the dtypes.
import { fmt, ShapeError } from '../../tensor/shape.js';
import type { Var } from '../variable.js';

export function sameDtype(op: string, ...vs: Var[]): void {
  for (const v of vs) {
    if (v.dtype !== vs[0]!.dtype) {
      throw new TypeError(`${op}: dtype mismatch: ${vs.map((x) => `${x.dtype}${fmt(x.shape)}`).join(' vs ')}; convert with Tensor.astype first`);
    }
  }
}

export function expectRank(op: string, v: Var, rank: number, what: string): void {
  if (v.shape.length !== rank) throw new ShapeError(`${op}: ${what} must have rank ${rank}, got ${fmt(v.shape)}`);
}

export function expectShape(op: string, v: Var, shape: readonly number[], what: string): void {
  const ok = v.shape.length === shape.length && v.shape.every((d, i) => d === shape[i]);
  if (!ok) throw new ShapeError(`${op}: ${what} must have shape ${fmt(shape)}, got ${fmt(v.shape)}`);
}
