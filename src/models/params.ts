// Parameters live in one flat buffer, their gradients in another (as llm.c
// does): an optimizer step, a norm or a clip is one loop over one array, and a
// checkpoint is a list of (name, offset, shape).
import { Var } from '../autograd/variable.js';
import { backend, type Backend } from '../backends/backend.js';
import type { DType, FloatArray } from '../tensor/dtype.js';
import { fmt, sizeOf, type Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/rng.js';

/** A parameter's name (PyTorch's, so checkpoints speak state_dict) and shape. */
export interface ParamSpec {
  name: string;
  shape: Shape;
}

/** A model's parameters in one flat buffer and their gradients in another; `get(name)` gives each as a Var. */
export class ParamSet {
  readonly dtype: DType;
  readonly data: FloatArray;
  readonly grad: FloatArray;
  private readonly byName = new Map<string, { v: Var; offset: number }>();
  readonly specs: ParamSpec[];
  private readonly storage: Pick<Backend, 'allocate'>;

  /**
   * `storage`: the backend the parameters are built for, which allocates them (the
   * threaded backend on SharedArrayBuffers, so that its threads run the optimizer's
   * update in place); by default the backend selected now.
   */
  constructor(specs: ParamSpec[], dtype: DType = 'float32', storage: Pick<Backend, 'allocate'> = backend()) {
    this.dtype = dtype;
    this.storage = storage;
    this.specs = specs.map((s) => ({ name: s.name, shape: s.shape.slice() }));
    const total = specs.reduce((n, s) => n + sizeOf(s.shape), 0);
    this.data = storage.allocate(dtype, total);
    this.grad = storage.allocate(dtype, total);
    let offset = 0;
    for (const s of specs) {
      if (this.byName.has(s.name)) throw new Error(`ParamSet: duplicate parameter name ${s.name}`);
      const n = sizeOf(s.shape);
      const v = new Var(new Tensor(this.data.subarray(offset, offset + n), s.shape), true, s.name);
      v.grad = new Tensor(this.grad.subarray(offset, offset + n), s.shape);
      v.gradOwned = true; // backward adds into the flat gradient buffer in place
      this.byName.set(s.name, { v, offset });
      offset += n;
    }
  }

  /** A zeroed buffer of the parameters' size from their storage (an optimizer's state: where its kernel reads the parameters). */
  allocateState(): FloatArray {
    return this.storage.allocate(this.dtype, this.size);
  }

  get size(): number {
    return this.data.length;
  }

  get names(): string[] {
    return this.specs.map((s) => s.name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): Var {
    const p = this.byName.get(name);
    if (!p) throw new Error(`no parameter named ${name} (have: ${this.names.join(', ')})`);
    return p.v;
  }

  zeroGrad(): void {
    this.grad.fill(0);
  }

  /** Fills every parameter from U(−r, r), in declaration order. */
  initUniform(rng: Rng, r: number): void {
    for (let i = 0; i < this.data.length; i++) this.data[i] = rng.uniformRange(-r, r);
  }

  /** Copies values into a named parameter, checking the shape. */
  assign(name: string, shape: Shape, values: ArrayLike<number>): void {
    const v = this.get(name);
    const same = shape.length === v.shape.length && shape.every((d, i) => d === v.shape[i]);
    if (!same) throw new Error(`parameter ${name}: expected shape ${fmt(v.shape)}, got ${fmt(shape)}`);
    for (let i = 0; i < values.length; i++) v.value.data[i] = values[i]!;
  }
}
