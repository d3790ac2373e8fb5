// The work of one parallel call, run by every thread of the pool (the main thread
// is thread 0) on its share. Operands live in shared buffers: the pool's arena
// (where ordinary arrays are copied), or a registered SharedArrayBuffer used in
// place (a ParamSet's values and gradients with shared storage). A job's
// parameters are integers (sizes, flags, and for each operand a buffer id and an
// offset in floats; id -1 for an absent operand) and doubles.
//
// Every thread runs the kernel variant of the backend (../wasm/variant.ts), given
// to the workers when they start.
//
// Shares never split a sum: a product is split by rows or by columns of C, the
// LSTM recurrence by batch rows, its weight gradients by gate rows, Adam by
// elements, the softmax cross-entropy by rows. Each element
// is computed by the same code in the same order as on one thread, so a threaded
// run gives the same bits as a single-threaded one.
import type { LstmBackwardArgs, LstmForwardArgs } from '../backend.js';
import { matmulSimdStrided, type Strides } from '../wasm/matmul-simd.js';
import type { Kernels } from '../wasm/variant.js';
import { adamCpu } from '../cpu/adam.js';
import { softmaxCeRows } from '../cpu/softmax-ce.js';
import {
  lstmBackInputRows, lstmBackRecurrenceRows, lstmBackWeightRows, lstmInputRows, lstmRecurrenceRows, scratchFor, type Product,
} from '../cpu/lstm.js';

export const JOB = {
  matmul: 1,
  lstmInput: 2,
  lstmRecurrence: 3,
  lstmBackRecurrence: 4,
  lstmBackWeights: 5,
  adam: 6,
  softmaxCe: 7,
} as const;

/** Integers of a job's parameters. */
export const PARAM_INTS = 48;
/** Doubles of a job's parameters. */
export const PARAM_DOUBLES = 8;

/**
 * What a thread sees of a job: its integer and double parameters, and the shared
 * buffers by id (0 is the arena; others are registered ones such as a ParamSet's).
 */
export interface JobContext {
  /** the backend's kernel variant (a SIMD one: nothing is split otherwise) */
  kernels: Kernels;
  p: Int32Array;
  f: Float64Array;
  buffers: Float32Array[];
}

// Adam parameters: (buffer id, offset) of p, g, m, v, then the length; doubles: the hyperparameters
export const ADAM = { p: 0, g: 2, m: 4, v: 6, n: 8 } as const;
export const ADAM_F = { beta1: 0, beta2: 1, eps: 2, weightDecay: 3, stepSize: 4, sqrtBc2: 5 } as const;

// softmax cross-entropy parameters: N, V, logits and probs (refs), then the arena
// offsets (floats) of the int32 targets [N] and the float64 per-row losses [N]
export const SCE = { N: 0, V: 1, logits: 2, probs: 4, targets: 6, losses: 7 } as const;

/** An operand: the id of its shared buffer (-1: absent) and its first float there. */
export interface OperandRef {
  id: number;
  off: number;
}

export function writeRef(p: Int32Array, at: number, r: OperandRef | null): void {
  p[at] = r ? r.id : -1;
  p[at + 1] = r ? r.off : 0;
}

function readRef(ctx: JobContext, at: number): Float32Array | null {
  const id = ctx.p[at]!;
  return id < 0 ? null : ctx.buffers[id]!.subarray(ctx.p[at + 1]!);
}

// matmul parameters (a, b, c: operand refs, two integers each)
export const MM = { M: 0, K: 1, N: 2, transA: 3, transB: 4, accumulate: 5, byColumns: 6, a: 7, b: 9, c: 11 } as const;

// LSTM parameters: sizes, the pinned flag, the project flag (the recurrence job computes
// its rows' input projection: ../cpu/lstm.ts projectInChunk), then one operand ref (two integers) per operand
export const LSTM = { T: 0, B: 1, D: 2, H: 3, pinned: 4, project: 5, operands: 6 } as const;
export const LSTM_OPERANDS = [
  'x', 'h0', 'c0', 'wih', 'whh', 'bih', 'bhh', 'gates', 'cs', 'hs',
  'dhs', 'dcT', 'dx', 'dh0', 'dc0', 'dwih', 'dwhh', 'dbih', 'dbhh', 'dZ',
] as const;
export type LstmOperand = (typeof LSTM_OPERANDS)[number];
if (LSTM.operands + 2 * LSTM_OPERANDS.length > PARAM_INTS) throw new Error('threads: PARAM_INTS is too small for the LSTM jobs');

/** Every product of a thread's share runs in the SIMD kernel, whatever its size (as the whole product would); fused in the FMA variant. */
function simdProduct(kernels: Kernels): Product {
  return kernels === 'wasm-simd-fma' ? fusedProduct : plainProduct;
}
const plainProduct: Product = (a, b, c, M, K, N, transA, transB, accumulate, ld) =>
  matmulSimdStrided(a as Float32Array, b as Float32Array, c as Float32Array, M, K, N, transA, transB, accumulate, ld);
const fusedProduct: Product = (a, b, c, M, K, N, transA, transB, accumulate, ld) =>
  matmulSimdStrided(a as Float32Array, b as Float32Array, c as Float32Array, M, K, N, transA, transB, accumulate, ld, true);

/** Thread w's share [start, end) of 0..total among n, cut at multiples of `align`. */
export function share(total: number, w: number, n: number, align: number): [number, number] {
  const per = Math.ceil(total / n / align) * align;
  const start = Math.min(total, w * per);
  return [start, Math.min(total, start + per)];
}

function runMatmul(ctx: JobContext, w: number, n: number): void {
  const p = ctx.p;
  const M = p[MM.M]!, K = p[MM.K]!, N = p[MM.N]!;
  const transA = p[MM.transA] === 1, transB = p[MM.transB] === 1, acc = p[MM.accumulate] === 1;
  const a = readRef(ctx, MM.a)!, b = readRef(ctx, MM.b)!, c = readRef(ctx, MM.c)!;
  const ld: Strides = { a: transA ? M : K, b: transB ? K : N, c: N };
  const mm = simdProduct(ctx.kernels);
  if (p[MM.byColumns] === 1) {
    // columns j0..j1 of C: columns of op(B)
    const [j0, j1] = share(N, w, n, 8);
    if (j1 > j0) mm(a, b.subarray(transB ? j0 * K : j0), c.subarray(j0), M, K, j1 - j0, transA, transB, acc, ld);
  } else {
    // rows i0..i1 of C: rows of op(A)
    const [i0, i1] = share(M, w, n, 4);
    if (i1 > i0) mm(a.subarray(transA ? i0 : i0 * K), b, c.subarray(i0 * N), i1 - i0, K, N, transA, transB, acc, ld);
  }
}

/** The LSTM operands as views of their buffers (absent ones are empty arrays or null). */
function lstmArgs(ctx: JobContext): LstmBackwardArgs & LstmForwardArgs & { dZ: Float32Array } {
  const p = ctx.p;
  const view = (k: LstmOperand): Float32Array | null => readRef(ctx, LSTM.operands + 2 * LSTM_OPERANDS.indexOf(k));
  const need = (k: LstmOperand): Float32Array => view(k) ?? new Float32Array(0);
  return {
    T: p[LSTM.T]!, B: p[LSTM.B]!, D: p[LSTM.D]!, H: p[LSTM.H]!,
    x: need('x'), h0: need('h0'), c0: need('c0'), wih: need('wih'), whh: need('whh'), bih: need('bih'), bhh: need('bhh'),
    gates: need('gates'), cs: need('cs'), hs: need('hs'), dhs: need('dhs'), dcT: need('dcT'), dZ: need('dZ'),
    dx: view('dx'), dh0: view('dh0'), dc0: view('dc0'), dwih: view('dwih'), dwhh: view('dwhh'), dbih: view('dbih'), dbhh: view('dbhh'),
  };
}

function runLstm(kind: number, ctx: JobContext, w: number, n: number): void {
  const p = ctx.p;
  const a = lstmArgs(ctx);
  const { T, B, H } = a;
  const pinned = p[LSTM.pinned] === 1;
  const k = ctx.kernels, mm = simdProduct(k);
  if (kind === JOB.lstmInput) {
    const [r0, r1] = share(T * B, w, n, 4);
    if (r1 > r0) lstmInputRows(a, r0, r1, mm);
  } else if (kind === JOB.lstmRecurrence) {
    const [b0, b1] = share(B, w, n, 4);
    if (b1 > b0) lstmRecurrenceRows(a, b0, b1, pinned, mm, k, p[LSTM.project] === 1);
  } else if (kind === JOB.lstmBackRecurrence) {
    const [b0, b1] = share(B, w, n, 4);
    // this thread's dh_{t}, dc_{t} carries: its own [B, H] scratch, rows b0..b1 used
    const s = scratchFor(a.gates, 0, B * H);
    if (b1 > b0) lstmBackRecurrenceRows(a, a.dZ, s.dh, s.dc, b0, b1, pinned, mm, k);
  } else if (kind === JOB.lstmBackWeights) {
    const [g0, g1] = share(4 * H, w, n, 8);
    if (g1 > g0) lstmBackWeightRows(a, a.dZ, g0, g1, mm);
    const [r0, r1] = share(T * B, w, n, 4);
    if (r1 > r0) lstmBackInputRows(a, a.dZ, r0, r1, mm);
  }
}

function runAdam(ctx: JobContext, w: number, n: number): void {
  const { p, f, buffers } = ctx;
  const len = p[ADAM.n]!;
  const view = (k: number) => buffers[p[k]!]!.subarray(p[k + 1]!, p[k + 1]! + len);
  const [i0, i1] = share(len, w, n, 16);
  adamCpu({
    p: view(ADAM.p), g: view(ADAM.g), m: view(ADAM.m), v: view(ADAM.v),
    beta1: f[ADAM_F.beta1]!, beta2: f[ADAM_F.beta2]!, eps: f[ADAM_F.eps]!, weightDecay: f[ADAM_F.weightDecay]!,
    stepSize: f[ADAM_F.stepSize]!, sqrtBc2: f[ADAM_F.sqrtBc2]!,
  }, i0, i1);
}

function runSoftmaxCe(ctx: JobContext, w: number, n: number): void {
  const p = ctx.p, N = p[SCE.N]!, V = p[SCE.V]!;
  const arena = ctx.buffers[0]!;
  const targets = new Int32Array(arena.buffer, arena.byteOffset + p[SCE.targets]! * 4, N);
  const losses = new Float64Array(arena.buffer, arena.byteOffset + p[SCE.losses]! * 4, N);
  const [r0, r1] = share(N, w, n, 4);
  if (r1 > r0) softmaxCeRows({ logits: readRef(ctx, SCE.logits)!, probs: readRef(ctx, SCE.probs)!, targets, losses, N, V }, r0, r1);
}

/** Runs thread w's share (of n) of the job `kind`. */
export function runJob(kind: number, ctx: JobContext, w: number, n: number): void {
  if (kind === JOB.matmul) runMatmul(ctx, w, n);
  else if (kind === JOB.adam) runAdam(ctx, w, n);
  else if (kind === JOB.softmaxCe) runSoftmaxCe(ctx, w, n);
  else if (kind >= JOB.lstmInput && kind <= JOB.lstmBackWeights) runLstm(kind, ctx, w, n);
  else throw new Error(`threads: unknown job kind ${kind}`);
}
