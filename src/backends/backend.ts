// The kernels a backend provides. Kernels work on flat arrays and know no
// gradients: autograd (src/autograd) defines each op's backward once, in terms
// of these kernels, so a WebGPU kernel can replace a CPU one without touching it.
import type { DType, FloatArray } from '../tensor/dtype.js';
import type { Scratch } from './scratch.js';
import { cpuBackend } from './cpu/index.js';

/** Shapes of one LSTM layer run over a chunk of T steps with batch B. */
export interface LstmDims {
  T: number;
  B: number;
  /** input width */
  D: number;
  /** hidden width */
  H: number;
}

/** Everything one LSTM layer's forward over a chunk reads and writes (time-major rows: row t*B+b). */
export interface LstmForwardArgs extends LstmDims {
  x: FloatArray; // [T*B, D]
  h0: FloatArray; // [B, H]
  c0: FloatArray; // [B, H]
  wih: FloatArray; // [4H, D]
  whh: FloatArray; // [4H, H]
  bih: FloatArray; // [4H]
  bhh: FloatArray; // [4H]
  /** out: activated gates i,f,g,o per row [T*B, 4H] (saved for backward) */
  gates: FloatArray;
  /** out: cell states c_t [T*B, H] */
  cs: FloatArray;
  /** out: hidden states h_t [T*B, H] */
  hs: FloatArray;
}

export interface LstmBackwardArgs extends LstmDims {
  x: FloatArray;
  h0: FloatArray;
  c0: FloatArray;
  wih: FloatArray;
  whh: FloatArray;
  gates: FloatArray;
  cs: FloatArray;
  hs: FloatArray;
  /** gradient arriving at every h_t [T*B, H] (the final h_T's extra seed already added to its rows) */
  dhs: FloatArray;
  /** gradient arriving at the final c_T [B, H] */
  dcT: FloatArray;
  /** outs (overwritten): */
  dx: FloatArray | null; // [T*B, D]
  dh0: FloatArray | null; // [B, H]
  dc0: FloatArray | null; // [B, H]
  /** outs (accumulated into): */
  dwih: FloatArray | null;
  dwhh: FloatArray | null;
  dbih: FloatArray | null;
  dbhh: FloatArray | null;
}

/** One Adam update over flat buffers (src/backends/cpu/adam.ts has the formula). */
export interface AdamArgs {
  p: FloatArray; // parameters (updated)
  g: FloatArray; // gradients
  m: FloatArray; // first moments (updated)
  v: FloatArray; // second moments (updated)
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** lr / (1 − β1^t) */
  stepSize: number;
  /** √(1 − β2^t) */
  sqrtBc2: number;
}

/**
 * Row-wise softmax and cross-entropy of logits [N, V] against integer targets
 * (validated by the caller): probs[r] = softmax(logits[r]), losses[r] = log Z_r − logits[r, targets[r]].
 */
export interface SoftmaxCeArgs {
  logits: FloatArray;
  targets: Int32Array | readonly number[];
  N: number;
  V: number;
  /** out: [N, V] */
  probs: FloatArray;
  /** out: [N] */
  losses: Float64Array;
}

/** The elementwise binary cross-entropy of sigmoid(logits) against `targets` (n elements each). */
export interface SigmoidBceArgs {
  logits: FloatArray;
  targets: FloatArray;
  n: number;
}

export interface SigmoidBceBackwardArgs extends SigmoidBceArgs {
  /** the incoming gradient of the summed loss (the mean's 1/n included) */
  scale: number;
  /** outs (overwritten): */
  dLogits: FloatArray;
  dTargets: FloatArray;
}

/**
 * Every kernel the ops call: a backend is a complete object (the threaded and
 * WebGPU backends take the CPU backend's kernels and replace the ones they
 * accelerate), so an op never chooses a fallback itself.
 */
export interface Backend {
  readonly name: string;
  /**
   * C = op(A)·op(B) (C += … when `accumulate`), with op(A) [M,K] and op(B) [K,N].
   * `transA`: A is stored [K,M]; `transB`: B is stored [N,K].
   */
  matmul(a: FloatArray, b: FloatArray, c: FloatArray, M: number, K: number, N: number, transA: boolean, transB: boolean, accumulate: boolean): void;
  /** One LSTM layer over a whole chunk (gate order i, f, g, o; two biases, as torch.nn.LSTM). */
  lstmForward(args: LstmForwardArgs): void;
  lstmBackward(args: LstmBackwardArgs): void;
  /** The optimizer's Adam update. */
  adam(args: AdamArgs): void;
  /** The fused softmax cross-entropy. */
  softmaxCrossEntropy(args: SoftmaxCeArgs): void;
  /** Σ of the sigmoid binary cross-entropies, and their gradients. */
  sigmoidBce(args: SigmoidBceArgs): number;
  sigmoidBceBackward(args: SigmoidBceBackwardArgs): void;
  /** out[r] = weight[ids[r]] for rows of width d (ids checked by the op). */
  embeddingGather(weight: FloatArray, ids: ArrayLike<number>, d: number, out: FloatArray): void;
  /** gradWeight[ids[r]] += grad[r] for rows of width d (ids repeat: rows add up). */
  embeddingScatterAdd(grad: FloatArray, ids: ArrayLike<number>, d: number, gradWeight: FloatArray): void;
  /** Where ops take buffers for intermediates that live from a forward to its backward. */
  readonly scratch: Scratch;
  /**
   * Storage for parameters and their optimizer state (a ParamSet built for this
   * backend): SharedArrayBuffers on the threaded backend, whose threads update them in place.
   */
  allocate(dtype: DType, n: number): FloatArray;
}

let current: Backend = cpuBackend;

/** The backend the ops dispatch to (the CPU backend unless setBackend chose another). */
export function backend(): Backend {
  return current;
}

/** Selects the backend for all later ops; returns the previous one. */
export function setBackend(b: Backend): Backend {
  const previous = current;
  current = b;
  return previous;
}
