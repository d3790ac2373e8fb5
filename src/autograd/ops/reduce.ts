import { Tensor } from '../../tensor/tensor.js';
import { record1, type Var } from '../variable.js';

/** Σ of all elements, a scalar (shape []). */
export function sum(a: Var): Var {
  let s = 0;
  const x = a.value.data;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  const out = Tensor.from([s], [], a.dtype);
  return record1('sum', [a], out, (g) => [Tensor.full(a.shape, g.data[0]!, a.dtype)]);
}

/**
 * Σ a², a scalar: sum(mul(a, a)) in one pass with one gradient buffer, and its bits:
 * each square rounded to a's dtype, the squares summed in doubles in order, and the
 * gradient 2·(g·a) as t + t with t = g·a rounded (what mul's two operand gradients add to).
 */
export function sumSquares(a: Var): Var {
  const x = a.value.data;
  let s = 0;
  if (x instanceof Float32Array) for (let i = 0; i < x.length; i++) s += Math.fround(x[i]! * x[i]!);
  else for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  const out = Tensor.from([s], [], a.dtype);
  return record1('sumSquares', [a], out, (g) => {
    const gx = Tensor.zeros(a.shape, a.dtype), o = gx.data, c = g.data[0]!;
    if (o instanceof Float32Array) {
      for (let i = 0; i < o.length; i++) {
        const t = Math.fround(c * x[i]!);
        o[i] = t + t;
      }
    } else {
      for (let i = 0; i < o.length; i++) {
        const t = c * x[i]!;
        o[i] = t + t;
      }
    }
    return [gx];
  });
}

/** Mean of all elements, a scalar (shape []). */
export function mean(a: Var): Var {
  const n = a.value.size;
  if (n === 0) throw new RangeError(`mean: input is empty (shape [${a.shape.join(',')}])`);
  let s = 0;
  const x = a.value.data;
  for (let i = 0; i < n; i++) s += x[i]!;
  const out = Tensor.from([s / n], [], a.dtype);
  return record1('mean', [a], out, (g) => [Tensor.full(a.shape, g.data[0]! / n, a.dtype)]);
}

/** The same values viewed with another shape. */
export function reshape(a: Var, shape: readonly number[]): Var {
  const out = a.value.reshape(shape);
  return record1('reshape', [a], out, (g) => [g.reshape(a.shape)]);
}
