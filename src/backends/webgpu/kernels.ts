// The WebGPU kernels: matmul and one LSTM layer over a chunk (forward and
// backward), the math of src/backends/cpu, asynchronous.
//
// Two levels:
// - the ops (`runMatmul`, `runLstmForward`, `runLstmBackward`) take operands as
//   `Input`s: data to upload (optionally kept on the device under an id), or the id
//   of something already there. Whoever calls them decides what stays resident;
//   the worker of the synchronous backend (worker.ts) calls these with the
//   decisions made on the training thread.
// - `WebGpuKernels.matmul/lstmForward/lstmBackward` take the Backend's flat
//   Float32Arrays and make those decisions here, with a HostResidency
//   (residency.ts): parameters stay on the device until their values change,
//   and an LSTM forward leaves its gates and states on the device for the
//   backward of the same chunk (and its h's for whatever reads them next).
//
// Everything is created once and reused: pipelines (one per shader variant) and
// bind group layouts (pipelines.ts), and buffers (buffer-pool.ts). What stays on
// the device between ops is in device-copies.ts. One op (encode-*.ts) is one
// command buffer: uploads, all dispatches (the T steps of an LSTM included),
// copies to a staging buffer, one submit, one map for all outputs.
import type { LstmBackwardArgs, LstmForwardArgs } from '../backend.js';
import type { FloatArray } from '../../tensor/dtype.js';
import { HostResidency, type ResidencyOptions } from './residency.js';
import { BufferPool } from './buffer-pool.js';
import { DeviceCopies } from './device-copies.js';
import { Pipelines } from './pipelines.js';
import { runMatmulOp } from './encode-matmul.js';
import { runLstmForwardOp } from './encode-lstm-forward.js';
import { runLstmBackwardOp } from './encode-lstm-backward.js';
import type { AccumOut, LstmBackwardOp, LstmForwardOp, MatmulOp, OpContext } from './ops.js';

export interface WebGpuKernelsOptions extends ResidencyOptions {
  /** Bytes of idle buffers the pool keeps before destroying returned ones (default 1 GiB). */
  poolBytes?: number;
}

export class WebGpuKernels {
  readonly device: GPUDevice;
  readonly adapterName: string;
  /** The residency decisions of the Float32Array API (matmul, lstmForward, lstmBackward). */
  readonly host: HostResidency;

  private readonly ctx: OpContext;
  private lost: string | null = null;
  private queueTail: Promise<unknown> = Promise.resolve();

  constructor(device: GPUDevice, adapterName = 'unknown WebGPU adapter', opts: WebGpuKernelsOptions = {}) {
    this.device = device;
    this.adapterName = adapterName;
    this.host = new HostResidency(opts);
    void device.lost.then((info) => {
      this.lost = `the WebGPU device was lost (${info.reason}): ${info.message}`;
    });
    const buffers = new BufferPool(device, opts.poolBytes ?? 2 ** 30, () => this.lost);
    this.ctx = { device, buffers, copies: new DeviceCopies(buffers), pipelines: new Pipelines(device) };
  }

  // ---------------------------------------------------------------- the Float32Array API

  /** C = op(A)·op(B) (C += … when accumulate); see Backend.matmul. */
  async matmul(a: Float32Array, b: Float32Array, c: Float32Array, M: number, K: number, N: number, transA: boolean, transB: boolean, accumulate: boolean): Promise<void> {
    const h = this.host;
    await this.runMatmul({
      M, K, N, transA, transB,
      a: h.operand(a, M * K),
      b: h.operand(b, K * N),
      c: { into: c, accumulate: accumulate && !h.allZero(c, M * N) },
    }, h.takeDrops());
  }

  async lstmForward(args: LstmForwardArgs): Promise<void> {
    const { T, B, D, H } = args;
    const h = this.host, G = 4 * H;
    const [x, h0, c0, wih, whh, bih, bhh, gates, cs, hs] = f32([args.x, args.h0, args.c0, args.wih, args.whh, args.bih, args.bhh, args.gates, args.cs, args.hs]);
    const op: LstmForwardOp = {
      T, B, D, H,
      x: h.operand(x, T * B * D),
      wih: h.parameter(wih, G * D), whh: h.parameter(whh, G * H), bih: h.parameter(bih, G), bhh: h.parameter(bhh, G),
      h0, c0, gates, cs, hs,
      saveAs: h.saveForward(gates, cs, hs, args),
    };
    await this.runLstmForward(op, h.takeDrops());
  }

  async lstmBackward(args: LstmBackwardArgs): Promise<void> {
    const { T, B, D, H } = args;
    const h = this.host, G = 4 * H;
    const [x, h0, c0, wih, whh, gates, cs, hs, dhs, dcT] = f32([args.x, args.h0, args.c0, args.wih, args.whh, args.gates, args.cs, args.hs, args.dhs, args.dcT]);
    const saved = h.takeSaved(gates, args);
    const op: LstmBackwardOp = {
      T, B, D, H,
      x: h.operand(x, T * B * D),
      wih: h.parameter(wih, G * D), whh: h.parameter(whh, G * H),
      saved,
      h0: saved === null ? h0 : null, c0: saved === null ? c0 : null,
      gates: saved === null ? gates : null, cs: saved === null ? cs : null, hs: saved === null ? hs : null,
      dhs, dcT,
      dx: args.dx as Float32Array | null, dh0: args.dh0 as Float32Array | null, dc0: args.dc0 as Float32Array | null,
      dwih: accum(h, args.dwih, G * D), dwhh: accum(h, args.dwhh, G * H),
      dbih: accum(h, args.dbih, G), dbhh: accum(h, args.dbhh, G),
    };
    await this.runLstmBackward(op, h.takeDrops());
  }

  /** Forgets the device copy of `array` (call after changing a parameter outside an optimizer, if you like; changes are detected anyway). */
  invalidate(array: FloatArray): void {
    this.host.invalidate(array);
    this.free(this.host.takeDrops());
  }

  // ---------------------------------------------------------------- the ops

  runMatmul(op: MatmulOp, drops: number[] = []): Promise<void> {
    return this.serial(async () => {
      this.free(drops);
      await runMatmulOp(this.ctx, op);
    });
  }

  runLstmForward(op: LstmForwardOp, drops: number[] = []): Promise<void> {
    return this.serial(async () => {
      this.free(drops);
      await runLstmForwardOp(this.ctx, op);
    });
  }

  runLstmBackward(op: LstmBackwardOp, drops: number[] = []): Promise<void> {
    return this.serial(async () => {
      this.free(drops);
      await runLstmBackwardOp(this.ctx, op);
    });
  }

  /** Frees device copies by id (residents, and forwards kept for a backward). */
  free(ids: number[]): void {
    this.ctx.copies.free(ids);
  }

  /** Device copies held (for tests and diagnostics). */
  stats(): { residents: number; saved: number; views: number; pooledBuffers: number } {
    return { ...this.ctx.copies.stats(), pooledBuffers: this.ctx.buffers.idle };
  }

  destroy(): void {
    this.device.destroy();
  }

  /** Runs ops one after another (each op reuses pooled buffers that the previous one returned). */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    const guarded = async (): Promise<T> => {
      if (this.lost) throw new Error(this.lost);
      this.device.pushErrorScope('out-of-memory');
      this.device.pushErrorScope('validation');
      let result: T | undefined, failure: unknown = null;
      try {
        result = await f();
      } catch (e) {
        failure = e;
      }
      const invalid = await this.device.popErrorScope();
      const oom = await this.device.popErrorScope();
      const errs = [invalid, oom].filter((e): e is GPUError => e !== null);
      if (errs.length > 0) throw new Error(`WebGPU: ${errs.map((e) => e.message).join('; ')}`);
      if (this.lost) throw new Error(this.lost);
      if (failure !== null) throw failure;
      return result as T;
    };
    const run = this.queueTail.then(guarded, guarded);
    this.queueTail = run.catch(() => undefined);
    return run;
  }
}

function f32(arrays: FloatArray[]): Float32Array[] {
  return arrays.map((a) => {
    if (!(a instanceof Float32Array)) throw new Error('the WebGPU kernels compute in float32; use the CPU backend for float64');
    return a;
  });
}

function accum(h: HostResidency, a: FloatArray | null, n: number): AccumOut | null {
  if (!a) return null;
  const [into] = f32([a]);
  return { into: into!, accumulate: !h.allZero(into!, n) };
}
