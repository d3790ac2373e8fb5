// A contiguous, row-major n-d array over a Float32Array or Float64Array.
// It knows nothing about gradients: autograd wraps it (src/autograd/variable.ts).
import { allocate, dtypeOf, type DType, type FloatArray } from './dtype.js';
import { checkShape, fmt, ShapeError, sizeOf, type Shape } from './shape.js';

/** A contiguous row-major n-d array: a Float32Array or Float64Array and a shape. Values only; Var adds gradients. */
export class Tensor {
  readonly data: FloatArray;
  readonly shape: Shape;
  readonly dtype: DType;

  constructor(data: FloatArray, shape: Shape) {
    checkShape('Tensor', shape);
    if (data.length !== sizeOf(shape)) {
      throw new ShapeError(`Tensor: data has ${data.length} elements but shape ${fmt(shape)} needs ${sizeOf(shape)}`);
    }
    this.data = data;
    this.shape = shape.slice();
    this.dtype = dtypeOf(data);
  }

  static zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
    checkShape('zeros', shape);
    return new Tensor(allocate(dtype, sizeOf(shape)), shape);
  }

  static full(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
    const t = Tensor.zeros(shape, dtype);
    t.data.fill(value);
    return t;
  }

  static from(values: ArrayLike<number>, shape: Shape, dtype: DType = 'float32'): Tensor {
    const data = allocate(dtype, values.length);
    for (let i = 0; i < values.length; i++) data[i] = values[i]!;
    return new Tensor(data, shape);
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Size of the last axis (1 for a scalar). */
  get cols(): number {
    return this.shape.length === 0 ? 1 : this.shape[this.shape.length - 1]!;
  }

  /** Product of all axes but the last: the number of rows of the 2-d view. */
  get rows(): number {
    return this.shape.length === 0 ? 1 : this.size / Math.max(1, this.cols) || 0;
  }

  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /** c·this as a new tensor (each product rounded to the dtype). */
  scaled(c: number): Tensor {
    const out = this.clone(), d = out.data;
    for (let i = 0; i < d.length; i++) d[i] = c * d[i]!;
    return out;
  }

  astype(dtype: DType): Tensor {
    if (dtype === this.dtype) return this.clone();
    const out = allocate(dtype, this.size);
    out.set(this.data);
    return new Tensor(out, this.shape);
  }

  reshape(shape: Shape): Tensor {
    checkShape('reshape', shape);
    if (sizeOf(shape) !== this.size) throw new ShapeError(`reshape: cannot view ${fmt(this.shape)} as ${fmt(shape)}`);
    return new Tensor(this.data, shape);
  }

  item(): number {
    if (this.size !== 1) throw new ShapeError(`item: tensor of shape ${fmt(this.shape)} is not a single value`);
    return this.data[0]!;
  }

  toArray(): number[] {
    return Array.from(this.data);
  }

  toString(): string {
    return `Tensor(${this.dtype}, ${fmt(this.shape)})`;
  }
}
