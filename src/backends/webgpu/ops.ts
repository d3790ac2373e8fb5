// The ops the WebGPU kernels run, as the worker receives them: operands to upload
// (optionally kept on the device under an id) or ids of device copies, and outputs.
import type { LstmDims } from '../backend.js';
import type { Operand } from './residency.js';
import type { BufferPool } from './buffer-pool.js';
import type { DeviceCopies } from './device-copies.js';
import type { Pipelines } from './pipelines.js';

/** An operand, as residency.ts decides it. */
export type Input = Operand;

/** An output that may be accumulated into: with `accumulate`, `into`'s values are uploaded and the result added. */
export interface AccumOut {
  into: Float32Array;
  accumulate: boolean;
}

export interface MatmulOp {
  M: number;
  K: number;
  N: number;
  transA: boolean;
  transB: boolean;
  a: Input;
  b: Input;
  c: AccumOut;
}

/** Ids under which a forward keeps its outputs on the device (gates' id names the whole chunk). */
export interface SaveIds {
  gates: number;
  cs: number;
  hs: number;
}

export interface LstmForwardOp extends LstmDims {
  x: Input;
  wih: Input;
  whh: Input;
  bih: Input;
  bhh: Input;
  h0: Float32Array;
  c0: Float32Array;
  gates: Float32Array;
  cs: Float32Array;
  hs: Float32Array;
  saveAs: SaveIds | null;
}

export interface LstmBackwardOp extends LstmDims {
  x: Input;
  wih: Input;
  whh: Input;
  /** the gates id of a forward kept on the device (then h0, c0, gates, cs, hs are not needed), consumed */
  saved: number | null;
  h0: Float32Array | null;
  c0: Float32Array | null;
  gates: Float32Array | null;
  cs: Float32Array | null;
  hs: Float32Array | null;
  dhs: Float32Array;
  dcT: Float32Array;
  dx: Float32Array | null;
  dh0: Float32Array | null;
  dc0: Float32Array | null;
  dwih: AccumOut | null;
  dwhh: AccumOut | null;
  dbih: AccumOut | null;
  dbhh: AccumOut | null;
}

/** What an op's encoder works with. */
export interface OpContext {
  device: GPUDevice;
  buffers: BufferPool;
  copies: DeviceCopies;
  pipelines: Pipelines;
}
