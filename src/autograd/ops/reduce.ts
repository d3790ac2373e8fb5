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
