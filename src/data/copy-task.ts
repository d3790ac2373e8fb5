// Episodes of the copy and repeat-copy tasks (docs/algorithm.md §8; Graves et al.
// 2014, Jaderberg et al. 2016 §3.1). An episode is B sequences of the same
// length N (and repeat count R), laid out time-major: row t·B + b.
//
// Input channels:  [bits (width) | delimiter | repeat count R/R_max (repeat-copy only)]
// Output channels: [bits (width) | end marker (repeat-copy only)]
//
// copy:        N steps of random bits, 1 delimiter step, then N steps whose targets are the bits.
// repeat-copy: N steps of bits, 1 delimiter step carrying R/R_max, then R·N steps whose
//              targets repeat the bits R times, then 1 step whose target is the end marker.
import type { Rng } from '../tensor/rng.js';

export type CopyKind = 'copy' | 'repeat-copy';

export interface CopyEpisode {
  kind: CopyKind;
  N: number;
  R: number;
  B: number;
  /** total time steps of the episode */
  length: number;
  inWidth: number;
  outWidth: number;
  /** [length·B, inWidth] */
  inputs: Float32Array;
  /** [length·B, outWidth] (zeros outside the output phase) */
  targets: Float32Array;
  /** time steps whose outputs are scored (the output phase), in order */
  scored: number[];
}

export function copyWidths(kind: CopyKind, width: number): { inWidth: number; outWidth: number } {
  return kind === 'copy' ? { inWidth: width + 1, outWidth: width } : { inWidth: width + 2, outWidth: width + 1 };
}

export function makeEpisode(kind: CopyKind, width: number, N: number, R: number, Rmax: number, B: number, rng: Rng): CopyEpisode {
  const { inWidth, outWidth } = copyWidths(kind, width);
  const reps = kind === 'copy' ? 1 : R;
  const length = N + 1 + reps * N + (kind === 'copy' ? 0 : 1);
  const inputs = new Float32Array(length * B * inWidth);
  const targets = new Float32Array(length * B * outWidth);
  const bits = new Uint8Array(B * N * width);
  for (let i = 0; i < bits.length; i++) bits[i] = rng.nextU32() & 1;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < N; t++) {
      for (let j = 0; j < width; j++) inputs[(t * B + b) * inWidth + j] = bits[(b * N + t) * width + j]!;
    }
    const delim = (N * B + b) * inWidth;
    inputs[delim + width] = 1;
    if (kind === 'repeat-copy') inputs[delim + width + 1] = R / Rmax;
    for (let r = 0; r < reps; r++) {
      for (let t = 0; t < N; t++) {
        const row = N + 1 + r * N + t;
        for (let j = 0; j < width; j++) targets[(row * B + b) * outWidth + j] = bits[(b * N + t) * width + j]!;
      }
    }
    if (kind === 'repeat-copy') targets[((length - 1) * B + b) * outWidth + width] = 1;
  }
  return { kind, N, R: reps, B, length, inWidth, outWidth, inputs, targets, scored: scoredSteps(N, length) };
}

/** The output phase of an episode of `length` steps for sequences of N vectors: steps N+1 … length−1. */
export function scoredSteps(N: number, length: number): number[] {
  const scored: number[] = [];
  for (let t = N + 1; t < length; t++) scored.push(t);
  return scored;
}
