import { Tensor } from '../../tensor/tensor.js';
import { fmt, ShapeError } from '../../tensor/shape.js';
import { gradSink, record1, type Var } from '../variable.js';
import { expectRank } from './check.js';
import { backend } from '../../backends/backend.js';

/** Rows of `weight` [V,d] picked by `ids` → [n,d]. Backward scatter-adds into the picked rows. */
export function embedding(weight: Var, ids: Int32Array | readonly number[]): Var {
  expectRank('embedding', weight, 2, 'weight');
  const [V, d] = [weight.shape[0]!, weight.shape[1]!];
  const n = ids.length;
  for (let r = 0; r < n; r++) {
    const id = ids[r]!;
    if (!Number.isInteger(id) || id < 0 || id >= V) {
      throw new ShapeError(`embedding: id ${id} at position ${r} is outside the vocabulary [0, ${V}) of weight ${fmt(weight.shape)}`);
    }
  }
  const out = Tensor.zeros([n, d], weight.dtype);
  backend().embeddingGather(weight.value.data, ids, d, out.data);
  return record1('embedding', [weight], out, (g) => {
    // scatter-add straight into the table's own gradient buffer where it has one
    const sink = gradSink(weight);
    const gw = sink ? null : Tensor.zeros(weight.shape, weight.dtype);
    backend().embeddingScatterAdd(g.data, ids, d, (sink ?? gw)!.data);
    return [gw];
  });
}
