// DNI + Aux (docs/algorithm.md §13, Jaderberg et al. 2016): a linear head on the top
// layer's hidden state h_t at every step of a chunk predicts the synthesizer's
// output for the chunk's final state, so the core's weights are shaped to carry
// information about the future gradient.
//
// The project's reading:
// * the head reads the top layer's h_t (what the decoder reads), at every step t of
//   the chunk, and is an nn.Linear(H_n → S) named `aux` (`aux.weight`, `aux.bias`):
//   model parameters, clipped with the rest and saved in the checkpoint;
// * the target is M_φ(s_k), the synthesizer network's output for the chunk's final
//   state (ĝ_k itself, or ĝ_k/σ with a target normalizer, so that its scale does not
//   depend on B, T or the loss), a constant, in real and in synthetic mode alike;
// * the loss is the mean over the chunk's T'·B·S coordinates of the squared error,
//   times `synthesizer.aux`, added to L_k.
import * as ag from '../autograd/index.js';
import { Var } from '../autograd/variable.js';
import { Tensor } from '../tensor/tensor.js';
import type { ParamSpec } from './params.js';

/** The head's parameters, after the model's own (so the model's random draw is unchanged). */
export function auxHeadSpecs(topWidth: number, stateSize: number): ParamSpec[] {
  return [{ name: 'aux.weight', shape: [stateSize, topWidth] }, { name: 'aux.bias', shape: [stateSize] }];
}

/**
 * Mean squared error of the head's prediction (weight `aux.weight`, bias `aux.bias`) from every row of `top` [T'·B, H_n]
 * (time-major: row t·B + b) against target [B, S], the same for every t of row b.
 */
export function auxHeadLoss(weight: Var, bias: Var, top: Var, target: Tensor): Var {
  const [B, S] = target.shape as [number, number];
  const rows = top.shape[0]!;
  const pred = ag.add(ag.matmul(top, weight, { transB: true }), bias);
  const y = Tensor.zeros([rows, S], top.dtype);
  for (let r = 0; r < rows; r++) y.data.set(target.data.subarray((r % B) * S, (r % B + 1) * S), r * S);
  const err = ag.sub(pred, new Var(y));
  return ag.scale(ag.sumSquares(err), 1 / (rows * S));
}
