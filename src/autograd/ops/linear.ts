// torch.nn.functional.linear: y = x Wᵀ + b, with W stored [out, in] as PyTorch
// stores it. Composed of matmul and add: their backward passes are its own.
import type { Var } from '../variable.js';
import { add } from './elementwise.js';
import { matmul } from './matmul.js';

/** x [N, in], W [out, in], b [out] → [N, out]. */
export function linear(x: Var, W: Var, b: Var): Var {
  return add(matmul(x, W, { transB: true }), b);
}
