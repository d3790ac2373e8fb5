// Fused, numerically stable losses (mean reduction).
import { Tensor } from '../../tensor/tensor.js';
import { fmt, ShapeError } from '../../tensor/shape.js';
import { record1, type Var } from '../variable.js';
import { expectRank, sameDtype } from './check.js';
import { backend } from '../../backends/backend.js';

/**
 * Mean over rows of −log softmax(logits)[target]: logits [N,V], targets N integer ids.
 * Forward keeps the softmax, so backward is (softmax − onehot)/N times the incoming scalar.
 */
export function softmaxCrossEntropy(logits: Var, targets: Int32Array | readonly number[]): Var {
  expectRank('softmaxCrossEntropy', logits, 2, 'logits');
  const [N, V] = [logits.shape[0]!, logits.shape[1]!];
  if (targets.length !== N) throw new ShapeError(`softmaxCrossEntropy: logits ${fmt(logits.shape)} but ${targets.length} targets`);
  if (N === 0) throw new ShapeError(`softmaxCrossEntropy: logits ${fmt(logits.shape)} has no rows`);
  for (let r = 0; r < N; r++) {
    const t = targets[r]!;
    if (!Number.isInteger(t) || t < 0 || t >= V) throw new ShapeError(`softmaxCrossEntropy: target ${t} at row ${r} is outside [0, ${V})`);
  }
  const probs = Tensor.zeros(logits.shape, logits.dtype);
  const p = probs.data;
  const losses = new Float64Array(N);
  backend().softmaxCrossEntropy({ logits: logits.value.data, targets, N, V, probs: p, losses });
  let total = 0;
  for (let r = 0; r < N; r++) total += losses[r]!;
  const out = Tensor.from([total / N], [], logits.dtype);
  return record1('softmaxCrossEntropy', [logits], out, (g) => {
    const gx = Tensor.zeros(logits.shape, logits.dtype);
    const s = g.data[0]! / N;
    for (let r = 0; r < N; r++) {
      const base = r * V;
      for (let j = 0; j < V; j++) gx.data[base + j] = s * p[base + j]!;
      gx.data[base + targets[r]!] = gx.data[base + targets[r]!]! - s;
    }
    return [gx];
  });
}

/** Mean over all elements of the binary cross-entropy of sigmoid(logits) against targets in [0,1]. */
export function sigmoidBinaryCrossEntropy(logits: Var, targets: Var): Var {
  sameDtype('sigmoidBinaryCrossEntropy', logits, targets);
  if (logits.shape.length !== targets.shape.length || logits.shape.some((d, i) => d !== targets.shape[i])) {
    throw new ShapeError(`sigmoidBinaryCrossEntropy: logits ${fmt(logits.shape)} and targets ${fmt(targets.shape)} differ`);
  }
  const n = logits.value.size;
  if (n === 0) throw new ShapeError(`sigmoidBinaryCrossEntropy: empty input ${fmt(logits.shape)}`);
  const args = { logits: logits.value.data, targets: targets.value.data, n };
  const out = Tensor.from([backend().sigmoidBce(args) / n], [], logits.dtype);
  return record1('sigmoidBinaryCrossEntropy', [logits, targets], out, (g) => {
    const gx = Tensor.zeros(logits.shape, logits.dtype);
    const gy = Tensor.zeros(targets.shape, targets.dtype);
    backend().sigmoidBceBackward({ ...args, scale: g.data[0]! / n, dLogits: gx.data, dTargets: gy.data });
    return [gx, gy];
  });
}
