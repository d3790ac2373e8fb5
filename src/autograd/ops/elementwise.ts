// Elementwise ops. Binary ops broadcast the smaller operand over the leading
// axes of the larger one when its shape is a suffix of the other's (a bias [N]
// added to every row of [M,N]); its gradient then sums over those axes.
import { Tensor } from '../../tensor/tensor.js';
import type { FloatArray } from '../../tensor/dtype.js';
import { fmt, ShapeError, type Shape } from '../../tensor/shape.js';
import { record1, type Var } from '../variable.js';
import { sameDtype } from './check.js';

function isSuffix(small: Shape, big: Shape): boolean {
  if (small.length > big.length) return false;
  const off = big.length - small.length;
  return small.every((d, i) => d === big[off + i]);
}

/** The broadcast shape of a and b, or an error naming the op and both shapes. */
function broadcastShape(op: string, a: Var, b: Var): Shape {
  if (isSuffix(b.shape, a.shape)) return a.shape;
  if (isSuffix(a.shape, b.shape)) return b.shape;
  throw new ShapeError(`${op}: shapes ${fmt(a.shape)} and ${fmt(b.shape)} do not broadcast (one must be a trailing part of the other)`);
}

/** Sums g (of the broadcast shape) down to `shape` by adding the repeated blocks, block after block. */
function reduceTo(g: Tensor, shape: Shape): Tensor {
  if (g.shape.length === shape.length) return g;
  const out = Tensor.zeros(shape, g.dtype);
  const n = out.size, src = g.data, dst = out.data;
  if (n === 0) return out;
  for (let r = 0; r < src.length; r += n) {
    for (let j = 0; j < n; j++) dst[j] = dst[j]! + src[r + j]!;
  }
  return out;
}

type BinaryKind = 'add' | 'sub' | 'mul';

/**
 * o = x (kind) y, block by block: the smaller operand (when broadcast) is one block.
 * One loop per kind: a function called per element would be megamorphic across the
 * three ops, and several times slower.
 */
function combine(kind: BinaryKind, x: FloatArray, y: FloatArray, o: FloatArray): void {
  const nx = x.length, ny = y.length, n = Math.min(nx, ny);
  for (let r = 0; r < o.length; r += n) {
    const rx = nx === n ? 0 : r, ry = ny === n ? 0 : r;
    if (kind === 'add') for (let j = 0; j < n; j++) o[r + j] = x[rx + j]! + y[ry + j]!;
    else if (kind === 'sub') for (let j = 0; j < n; j++) o[r + j] = x[rx + j]! - y[ry + j]!;
    else for (let j = 0; j < n; j++) o[r + j] = x[rx + j]! * y[ry + j]!;
  }
}

/**
 * `backward(g, needA, needB)` computes only the gradients asked for: an operand that
 * needs none (a constant target, say) would have its gradient made and then dropped.
 */
function binary(kind: BinaryKind, a: Var, b: Var, backward: (g: Tensor, needA: boolean, needB: boolean) => [Tensor | null, Tensor | null]): Var {
  sameDtype(kind, a, b);
  const shape = broadcastShape(kind, a, b);
  const out = Tensor.zeros(shape, a.dtype);
  combine(kind, a.value.data, b.value.data, out.data);
  return record1(kind, [a, b], out, (g) => {
    const [ga, gb] = backward(g, a.requiresGrad, b.requiresGrad);
    return [ga && reduceTo(ga, a.shape), gb && reduceTo(gb, b.shape)];
  });
}

/** Elementwise product of g with the (broadcast) values of v. */
function timesBroadcast(g: Tensor, v: Var, sign = 1): Tensor {
  const out = Tensor.zeros(g.shape, g.dtype);
  const gv = g.data, vv = v.value.data, o = out.data, n = vv.length;
  for (let r = 0; r < o.length; r += n) {
    for (let j = 0; j < n; j++) o[r + j] = sign * gv[r + j]! * vv[j]!;
  }
  return out;
}

function negated(g: Tensor): Tensor {
  const out = Tensor.zeros(g.shape, g.dtype);
  const o = out.data, x = g.data;
  for (let i = 0; i < o.length; i++) o[i] = -x[i]!;
  return out;
}

/** a + b, elementwise; the smaller operand may be the trailing dimensions of the other's shape (a row [N] is added to every row of [M,N]). */
export function add(a: Var, b: Var): Var {
  return binary('add', a, b, (g, needA, needB) => [needA ? g : null, needB ? g : null]);
}

/** a − b, elementwise (shapes as `add`). */
export function sub(a: Var, b: Var): Var {
  return binary('sub', a, b, (g, needA, needB) => [needA ? g : null, needB ? negated(g) : null]);
}

/** a ⊙ b, elementwise (shapes as `add`). */
export function mul(a: Var, b: Var): Var {
  return binary('mul', a, b, (g, needA, needB) => [needA ? timesBroadcast(g, b) : null, needB ? timesBroadcast(g, a) : null]);
}

type Fn1 = (x: number) => number;

/** y = f(x) with dy/dx given in terms of x and y. */
function unary(op: string, a: Var, f: Fn1, dfdx: (x: number, y: number) => number): Var {
  const out = Tensor.zeros(a.shape, a.dtype);
  const x = a.value.data, y = out.data;
  for (let i = 0; i < y.length; i++) y[i] = f(x[i]!);
  return record1(op, [a], out, (g) => {
    const gx = Tensor.zeros(a.shape, a.dtype);
    const dx = gx.data, dy = g.data;
    for (let i = 0; i < y.length; i++) dx[i] = dy[i]! * dfdx(x[i]!, y[i]!);
    return [gx];
  });
}

/** c · a for a constant c. */
export function scale(a: Var, c: number): Var {
  return unary('scale', a, (x) => c * x, () => c);
}

/** −a. */
export function neg(a: Var): Var {
  return unary('neg', a, (x) => -x, () => -1);
}

/** σ(a) = 1 / (1 + e^−a), elementwise. */
export function sigmoid(a: Var): Var {
  return unary('sigmoid', a, (x) => 1 / (1 + Math.exp(-x)), (_x, y) => y * (1 - y));
}

/** tanh(a), elementwise. */
export function tanh(a: Var): Var {
  return unary('tanh', a, Math.tanh, (_x, y) => 1 - y * y);
}

/** max(a, 0), elementwise. */
export function relu(a: Var): Var {
  return unary('relu', a, (x) => (x > 0 ? x : 0), (x) => (x > 0 ? 1 : 0));
}

/** e^a, elementwise. */
export function exp(a: Var): Var {
  return unary('exp', a, Math.exp, (_x, y) => y);
}

/** ln a, elementwise. */
export function log(a: Var): Var {
  const x = a.value.data;
  for (let i = 0; i < x.length; i++) {
    if (!(x[i]! >= 0)) throw new RangeError(`log: input ${fmt(a.shape)} has ${x[i]} at index ${i}; log needs values >= 0`);
  }
  return unary('log', a, Math.log, (x) => 1 / x);
}
