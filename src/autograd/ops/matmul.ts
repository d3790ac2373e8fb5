// C = op(A)·op(B) with optional transposes (A: [M,K] or stored [K,M]; B: [K,N] or stored [N,K]).
import { backend } from '../../backends/backend.js';
import { Tensor } from '../../tensor/tensor.js';
import { fmt, ShapeError } from '../../tensor/shape.js';
import { gradSinks, record1, type Var } from '../variable.js';
import { sameDtype } from './check.js';

/** Whether an operand is stored transposed. */
export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

/** op(a) · op(b) for 2-d a, b, where op transposes an operand when its option says so. */
export function matmul(a: Var, b: Var, opts: MatmulOptions = {}): Var {
  const transA = opts.transA ?? false, transB = opts.transB ?? false;
  const name = `matmul${transA || transB ? `(${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'})` : ''}`;
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    throw new ShapeError(`${name}: ${fmt(a.shape)} x ${fmt(b.shape)}: both operands must be 2-d`);
  }
  sameDtype(name, a, b);
  const [M, Ka] = transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [Kb, N] = transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (Ka !== Kb) throw new ShapeError(`${name}: ${fmt(a.shape)} x ${fmt(b.shape)}: inner dimensions ${Ka} != ${Kb}`);
  const K = Ka;
  const out = Tensor.zeros([M, N], a.dtype);
  backend().matmul(a.value.data, b.value.data, out.data, M, K, N, transA, transB, false);
  return record1(name, [a, b], out, (g) => {
    const mm = backend().matmul;
    // a gradient is added into its leaf's own buffer where there is one (gradSink), else written to a new tensor
    const [sa, sb] = gradSinks([a, b]);
    let ga: Tensor | null = null, gb: Tensor | null = null;
    if (a.requiresGrad) {
      if (!sa) ga = Tensor.zeros(a.shape, a.dtype);
      const da = (sa ?? ga)!.data, acc = sa !== null;
      // dA = g·op(B)ᵀ, or its transpose when A is stored transposed.
      if (transA) mm(b.value.data, g.data, da, K, N, M, transB, true, acc);
      else mm(g.data, b.value.data, da, M, N, K, false, !transB, acc);
    }
    if (b.requiresGrad) {
      if (!sb) gb = Tensor.zeros(b.shape, b.dtype);
      const db = (sb ?? gb)!.data, acc = sb !== null;
      // dB = op(A)ᵀ·g, or its transpose when B is stored transposed.
      if (transB) mm(g.data, a.value.data, db, N, M, K, true, transA, acc);
      else mm(a.value.data, g.data, db, K, M, N, !transA, false, acc);
    }
    return [ga, gb];
  });
}
