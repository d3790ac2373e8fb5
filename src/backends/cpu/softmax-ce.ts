// The fused softmax cross-entropy over rows (the language models' loss), in the
// numerically stable form: per row, m = max(x), log Z = m + log Σ exp(x − m),
// probs = exp(x − log Z), loss = log Z − x[target]. Rows are independent, so the
// threaded backend splits them; the per-row losses are summed by the caller in
// row order (the same total on any thread count).
import type { SoftmaxCeArgs } from '../backend.js';

/** Rows r0..r1 of the softmax and the per-row losses. */
export function softmaxCeRows(a: SoftmaxCeArgs, r0: number, r1: number): void {
  const { logits: x, targets, V, probs: p, losses } = a;
  for (let r = r0; r < r1; r++) {
    const base = r * V;
    let max = -Infinity;
    for (let j = 0; j < V; j++) if (x[base + j]! > max) max = x[base + j]!;
    let z = 0;
    for (let j = 0; j < V; j++) z += Math.exp(x[base + j]! - max);
    const logZ = max + Math.log(z);
    for (let j = 0; j < V; j++) p[base + j] = Math.exp(x[base + j]! - logZ);
    losses[r] = logZ - x[base + targets[r]!]!;
  }
}

export function softmaxCeCpu(a: SoftmaxCeArgs): void {
  softmaxCeRows(a, 0, a.N);
}
