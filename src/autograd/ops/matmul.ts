// C = op(A)·op(B) with optional transposes (A: [M,K] or stored [K,M]; B: [K,N] or stored [N,K]).
import { backend } from '../../backends/backend.js';
import { Tensor } from '../../tensor/tensor.js';
import { fmt, ShapeError } from '../../tensor/shape.js';
import { record1, type Var } from '../variable.js';
import { sameDtype } from './check.js';

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

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
    let ga: Tensor | null = null, gb: Tensor | null = null;
    if (a.requiresGrad) {
      ga = Tensor.zeros(a.shape, a.dtype);
      // dA = g·op(B)ᵀ, or its transpose when A is stored transposed.
      if (transA) mm(b.value.data, g.data, ga.data, K, N, M, transB, true, false);
      else mm(g.data, b.value.data, ga.data, M, N, K, false, !transB, false);
    }
    if (b.requiresGrad) {
      gb = Tensor.zeros(b.shape, b.dtype);
      // dB = op(A)ᵀ·g, or its transpose when B is stored transposed.
      if (transB) mm(g.data, a.value.data, gb.data, N, M, K, true, transA, false);
      else mm(a.value.data, g.data, gb.data, K, M, N, !transA, false, false);
    }
    return [ga, gb];
  });
}
