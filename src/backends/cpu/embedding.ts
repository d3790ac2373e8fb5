// Embedding lookups on flat arrays: a gather of rows forward, a scatter-add of
// row gradients backward (ids repeat, so rows add up). The ids are checked by the op.
import type { FloatArray } from '../../tensor/dtype.js';

/** out[r] = weight[ids[r]] for rows of width d. */
export function embeddingGather(weight: FloatArray, ids: ArrayLike<number>, d: number, out: FloatArray): void {
  for (let r = 0; r < ids.length; r++) out.set(weight.subarray(ids[r]! * d, ids[r]! * d + d), r * d);
}

/** gradWeight[ids[r]] += grad[r] for rows of width d. */
export function embeddingScatterAdd(grad: FloatArray, ids: ArrayLike<number>, d: number, gradWeight: FloatArray): void {
  for (let r = 0; r < ids.length; r++) {
    const src = r * d, dst = ids[r]! * d;
    for (let j = 0; j < d; j++) gradWeight[dst + j] = gradWeight[dst + j]! + grad[src + j]!;
  }
}
