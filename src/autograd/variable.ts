// A node of the tape: a value, its gradient, and how it was made.
import { Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';
import type { DType } from '../tensor/dtype.js';

/**
 * How a group of outputs was computed from its inputs. `backward` receives the
 * gradient of every output (null where none arrived) and returns one gradient
 * per input (null where the input needs none).
 */
export interface Node {
  readonly op: string;
  inputs: Var[];
  outputs: Var[];
  backward: (gradOutputs: (Tensor | null)[]) => (Tensor | null)[];
}

let gradEnabled = true;

/** Whether ops record themselves on the tape. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording anything on the tape (evaluation, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const before = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = before;
  }
}

/** A value on the tape: its Tensor, its gradient after `backward`, and the op that made it (null for a leaf). */
export class Var {
  value: Tensor;
  /** Accumulated gradient (same shape as value), or null before any backward reached it. */
  grad: Tensor | null = null;
  requiresGrad: boolean;
  /** The node that produced this Var; null for a leaf. */
  node: Node | null = null;
  /** False while `grad` may alias a tensor someone else holds: it is copied before an in-place add. */
  gradOwned = false;
  name: string | undefined;

  constructor(value: Tensor, requiresGrad = false, name?: string) {
    this.value = value;
    this.requiresGrad = requiresGrad;
    this.name = name;
  }

  static zeros(shape: Shape, dtype: DType = 'float32', requiresGrad = false): Var {
    return new Var(Tensor.zeros(shape, dtype), requiresGrad);
  }

  get shape(): Shape {
    return this.value.shape;
  }

  get dtype(): DType {
    return this.value.dtype;
  }

  get data() {
    return this.value.data;
  }

  get isLeaf(): boolean {
    return this.node === null;
  }

  /** A new leaf with the same value (shared, not copied) and no history: no gradient flows back through it. */
  detach(): Var {
    return new Var(this.value, false, this.name);
  }

  /** Sets the gradient to zero in place (keeps a preallocated buffer), or forgets it. */
  zeroGrad(): void {
    if (this.grad && this.gradOwned) this.grad.data.fill(0);
    else this.grad = null;
  }

  item(): number {
    return this.value.item();
  }

  toString(): string {
    return `Var(${this.name ?? ''} ${this.value.toString()}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}

/**
 * Where an op's backward may add a gradient for input `v` itself: v's own gradient
 * buffer when v is a leaf that owns one (a ParamSet's parameters: views of the flat
 * gradient buffer), else null. An op whose kernel accumulates (C += …) writes there
 * and returns null for that input, which saves a zeroed temporary and the engine's
 * add. The buffer holds what earlier backwards left (zero after zeroGrad), so the
 * kernel must add to it, never overwrite it.
 */
export function gradSink(v: Var): Tensor | null {
  return v.requiresGrad && v.isLeaf && v.gradOwned && v.grad !== null ? v.grad : null;
}

/** gradSink of each input, null for a Var that appears twice (two kernels must not add into one buffer at once). */
export function gradSinks(inputs: Var[]): (Tensor | null)[] {
  return inputs.map((v) => (inputs.indexOf(v) === inputs.lastIndexOf(v) ? gradSink(v) : null));
}

/** Wraps an op's outputs in Vars and records the node when any input needs a gradient. */
export function record(op: string, inputs: Var[], outputs: Tensor[], backward: Node['backward']): Var[] {
  const needs = gradEnabled && inputs.some((v) => v.requiresGrad);
  const vars = outputs.map((t) => new Var(t, needs));
  if (needs) {
    const node: Node = { op, inputs, outputs: vars, backward };
    for (const v of vars) v.node = node;
  }
  return vars;
}

/** The single-output form of `record`. */
export function record1(op: string, inputs: Var[], output: Tensor, backward: (g: Tensor) => (Tensor | null)[]): Var {
  return record(op, inputs, [output], (gs) => backward(gs[0]!))[0]!;
}
