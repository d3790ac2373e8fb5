// The binary cross-entropy of sigmoid(x) against targets y in [0, 1] (the copy
// task's loss), per element max(x,0) − x·y + log(1 + e^{−|x|}), which never
// overflows; its gradients are (σ(x) − y) for x and −x for y.
import type { SigmoidBceArgs, SigmoidBceBackwardArgs } from '../backend.js';

/** Σ of the per-element losses, in element order. */
export function sigmoidBceCpu(a: SigmoidBceArgs): number {
  const { logits: x, targets: y, n } = a;
  let total = 0;
  for (let i = 0; i < n; i++) total += Math.max(x[i]!, 0) - x[i]! * y[i]! + Math.log1p(Math.exp(-Math.abs(x[i]!)));
  return total;
}

export function sigmoidBceBackwardCpu(a: SigmoidBceBackwardArgs): void {
  const { logits: x, targets: y, n, scale: s, dLogits: gx, dTargets: gy } = a;
  for (let i = 0; i < n; i++) {
    gx[i] = s * (1 / (1 + Math.exp(-x[i]!)) - y[i]!);
    gy[i] = -s * x[i]!;
  }
}
