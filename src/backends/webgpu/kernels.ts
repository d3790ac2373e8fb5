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
// Everything is created once and reused: pipelines (one per shader variant),
// bind group layouts, and buffers (a pool keyed by size). One op is one command
// buffer: uploads, all dispatches (the T steps of an LSTM included), copies to a
// staging buffer, one submit, one map for all outputs.
import type { LstmBackwardArgs, LstmDims, LstmForwardArgs } from '../backend.js';
import type { FloatArray } from '../../tensor/dtype.js';
import { MATMUL_TILE_M, MATMUL_TILE_N, MATMUL_WGSL } from './wgsl/matmul.js';
import { COLUMN_SUM_WGSL, ELEMENTWISE_WORKGROUP, LSTM_CELL_BACKWARD_WGSL, LSTM_GATES_WGSL } from './wgsl/lstm.js';
import { HostResidency, type ResidencyOptions } from './residency.js';

// GPUBufferUsage / GPUMapMode / GPUShaderStage values (the globals do not exist in Node).
const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
const MAP_READ = 0x1;
const COMPUTE = 0x4;

/** An operand: values to upload (kept on the device under `keepAs` when given), or the id of a device copy. */
export type Input = { data: Float32Array; keepAs?: number } | { id: number };

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

/** A range of a device buffer, in f32 elements. */
interface DeviceRef {
  buffer: GPUBuffer;
  offset: number;
  length: number;
}

interface SavedChunk {
  dims: LstmDims;
  gates: GPUBuffer;
  csExt: GPUBuffer;
  hsExt: GPUBuffer;
  ids: SaveIds;
}

const UNIFORM_STRIDE = 256; // minUniformBufferOffsetAlignment's largest allowed value
const MAX_GROUPS = 65535;

function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

/** A 2-d grid of workgroups for `groups` groups (the kernels linearise it). */
function grid(groups: number): [number, number] {
  if (groups <= MAX_GROUPS) return [Math.max(groups, 1), 1];
  return [MAX_GROUPS, Math.ceil(groups / MAX_GROUPS)];
}

/** Parameter blocks of one op, each at a 256-byte offset of one uniform buffer. */
class Uniforms {
  private blocks: number[][] = [];
  /** bind groups of this op, by layout and buffers */
  readonly groups = new Map<string, GPUBindGroup>();
  add(values: number[]): number {
    this.blocks.push(values);
    return (this.blocks.length - 1) * UNIFORM_STRIDE;
  }
  get size(): number {
    return this.blocks.length * UNIFORM_STRIDE;
  }
  bytes(): Uint32Array {
    const out = new Uint32Array((this.blocks.length * UNIFORM_STRIDE) / 4);
    this.blocks.forEach((b, i) => out.set(b, (i * UNIFORM_STRIDE) / 4));
    return out;
  }
}

export interface WebGpuKernelsOptions extends ResidencyOptions {
  /** Bytes of idle buffers the pool keeps before destroying returned ones (default 1 GiB). */
  poolBytes?: number;
}

export class WebGpuKernels {
  readonly device: GPUDevice;
  readonly adapterName: string;
  /** The residency decisions of the Float32Array API (matmul, lstmForward, lstmBackward). */
  readonly host: HostResidency;

  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  private readonly pool = new Map<number, GPUBuffer[]>();
  private poolBytes = 0;
  private readonly maxPoolBytes: number;
  private readonly stagingPool = new Map<number, GPUBuffer[]>();
  private readonly uniformPool = new Map<number, GPUBuffer[]>();
  private readonly residents = new Map<number, DeviceRef>();
  private readonly views = new Map<number, DeviceRef>();
  private readonly saved = new Map<number, SavedChunk>();
  private scratch = new Float32Array(0);
  private lost: string | null = null;
  private queueTail: Promise<unknown> = Promise.resolve();

  constructor(device: GPUDevice, adapterName = 'unknown WebGPU adapter', opts: WebGpuKernelsOptions = {}) {
    this.device = device;
    this.adapterName = adapterName;
    this.maxPoolBytes = opts.poolBytes ?? 2 ** 30;
    this.host = new HostResidency(opts);
    void device.lost.then((info) => {
      this.lost = `the WebGPU device was lost (${info.reason}): ${info.message}`;
    });
    // Compile every shader now: no compilation happens during training.
    for (const ta of [false, true]) for (const tb of [false, true]) this.matmulPipeline(ta, tb);
    this.pipeline('gates', LSTM_GATES_WGSL, 6, [1, 2, 3]);
    this.pipeline('cellBackward', LSTM_CELL_BACKWARD_WGSL, 7, [5, 6]);
    this.pipeline('columnSum', COLUMN_SUM_WGSL, 4, [2, 3]);
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
      const { M, K, N } = op;
      const enc = this.device.createCommandEncoder();
      const temps: GPUBuffer[] = [];
      const a = this.input(op.a, M * K, temps);
      const b = this.input(op.b, K * N, temps);
      const c = this.acquire(M * N);
      temps.push(c);
      if (op.c.accumulate) this.write(c, 0, op.c.into.subarray(0, M * N));
      const u = new Uniforms();
      const mm = this.planMatmul(u, a, b, { buffer: c, offset: 0, length: M * N }, M, K, N, op.transA, op.transB, op.c.accumulate);
      const ub = this.uniformBuffer(u);
      const pass = enc.beginComputePass();
      mm(pass, ub);
      pass.end();
      await this.finish(enc, [{ src: c, offset: 0, into: op.c.into.subarray(0, M * N) }], temps, [ub]);
    });
  }

  runLstmForward(op: LstmForwardOp, drops: number[] = []): Promise<void> {
    return this.serial(async () => {
      this.free(drops);
      const { T, B, D, H } = op;
      const G = 4 * H, BH = B * H;
      const temps: GPUBuffer[] = [];
      const x = this.input(op.x, T * B * D, temps);
      const wih = this.input(op.wih, G * D, temps);
      const whh = this.input(op.whh, G * H, temps);
      const bih = this.atZero(this.input(op.bih, G, temps), temps);
      const bhh = this.atZero(this.input(op.bhh, G, temps), temps);
      const gates = this.acquire(T * B * G);
      const csExt = this.acquire((T + 1) * BH);
      const hsExt = this.acquire((T + 1) * BH);
      this.write(csExt, 0, op.c0.subarray(0, BH));
      this.write(hsExt, 0, op.h0.subarray(0, BH));

      const u = new Uniforms();
      const gatesRef = { buffer: gates, offset: 0, length: T * B * G };
      // the input projection of all T steps at once
      const proj = this.planMatmul(u, x, wih, gatesRef, T * B, D, G, false, true, false);
      const steps: { rec: ReturnType<WebGpuKernels['planMatmul']>; off: number }[] = [];
      const hsRef = { buffer: hsExt, offset: 0, length: (T + 1) * BH };
      for (let t = 0; t < T; t++) {
        const rec = this.planMatmul(u, { ...hsRef, offset: t * BH }, whh, { ...gatesRef, offset: t * B * G }, B, H, G, false, true, true);
        steps.push({ rec, off: u.add([B, H, t, BH]) });
      }
      const ub = this.uniformBuffer(u);
      const gateGroup = this.bindGroup('gates', ub, 16, [gates, csExt, hsExt, bih.buffer, bhh.buffer]);
      const enc = this.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      proj(pass, ub);
      const [gx, gy] = grid(Math.ceil(BH / ELEMENTWISE_WORKGROUP));
      for (const s of steps) {
        s.rec(pass, ub);
        pass.setPipeline(this.pipelines.get('gates')!);
        pass.setBindGroup(0, gateGroup, [s.off]);
        pass.dispatchWorkgroups(gx, gy);
      }
      pass.end();
      const outs = [
        { src: gates, offset: 0, into: op.gates.subarray(0, T * B * G) },
        { src: csExt, offset: BH, into: op.cs.subarray(0, T * BH) },
        { src: hsExt, offset: BH, into: op.hs.subarray(0, T * BH) },
      ];
      if (op.saveAs) {
        const ids = op.saveAs;
        this.dropSaved(ids.gates);
        this.saved.set(ids.gates, { dims: { T, B, D, H }, gates, csExt, hsExt, ids });
        this.views.set(ids.gates, gatesRef);
        this.views.set(ids.cs, { buffer: csExt, offset: BH, length: T * BH });
        this.views.set(ids.hs, { buffer: hsExt, offset: BH, length: T * BH });
      } else {
        temps.push(gates, csExt, hsExt);
      }
      await this.finish(enc, outs, temps, [ub]);
    });
  }

  runLstmBackward(op: LstmBackwardOp, drops: number[] = []): Promise<void> {
    return this.serial(async () => {
      this.free(drops);
      const { T, B, D, H } = op;
      const G = 4 * H, BH = B * H, TB = T * B;
      const temps: GPUBuffer[] = [];
      const x = this.input(op.x, TB * D, temps);
      const wih = this.input(op.wih, G * D, temps);
      const whh = this.input(op.whh, G * H, temps);
      let gates: GPUBuffer, csExt: GPUBuffer, hsExt: GPUBuffer;
      const chunk = op.saved === null ? undefined : this.saved.get(op.saved);
      if (op.saved !== null && !chunk) throw new Error(`WebGPU: no LSTM forward is kept on the device under id ${op.saved}`);
      if (chunk) {
        const d = chunk.dims;
        if (d.T !== T || d.B !== B || d.H !== H) throw new Error(`WebGPU: the kept LSTM forward ${op.saved} has dims ${JSON.stringify(d)}, not ${JSON.stringify({ T, B, D, H })}`);
        ({ gates, csExt, hsExt } = chunk);
      } else {
        if (!op.gates || !op.cs || !op.hs || !op.h0 || !op.c0) throw new Error('WebGPU lstmBackward: gates, cs, hs, h0 and c0 are needed when the forward is not kept on the device');
        gates = this.acquire(TB * G);
        csExt = this.acquire((T + 1) * BH);
        hsExt = this.acquire((T + 1) * BH);
        temps.push(gates, csExt, hsExt);
        this.write(gates, 0, op.gates.subarray(0, TB * G));
        this.write(csExt, 0, op.c0.subarray(0, BH));
        this.write(csExt, BH, op.cs.subarray(0, TB * H));
        this.write(hsExt, 0, op.h0.subarray(0, BH));
        this.write(hsExt, BH, op.hs.subarray(0, TB * H));
      }
      const dZ = this.acquire(TB * G);
      const dhs = this.acquire(TB * H);
      const dhNext = this.acquire(BH);
      const dcNext = this.acquire(BH);
      temps.push(dZ, dhs, dhNext, dcNext);
      this.write(dhs, 0, op.dhs.subarray(0, TB * H));
      this.write(dcNext, 0, op.dcT.subarray(0, BH));
      const enc = this.device.createCommandEncoder();
      enc.clearBuffer(dhNext, 0, roundUp(BH * 4, 4));

      const outs: { src: GPUBuffer; offset: number; into: Float32Array }[] = [];
      const accumTarget = (o: AccumOut | null, n: number): DeviceRef | null => {
        if (!o) return null;
        const buf = this.acquire(n);
        temps.push(buf);
        if (o.accumulate) this.write(buf, 0, o.into.subarray(0, n));
        else enc.clearBuffer(buf, 0, roundUp(n * 4, 4));
        outs.push({ src: buf, offset: 0, into: o.into.subarray(0, n) });
        return { buffer: buf, offset: 0, length: n };
      };
      const u = new Uniforms();
      const dZRef = { buffer: dZ, offset: 0, length: TB * G };
      const steps: { cellOff: number; mm: ReturnType<WebGpuKernels['planMatmul']> }[] = [];
      for (let t = T - 1; t >= 0; t--) {
        const cellOff = u.add([B, H, t, BH]);
        const mm = this.planMatmul(u, { ...dZRef, offset: t * B * G }, whh, { buffer: dhNext, offset: 0, length: BH }, B, G, H, false, false, false);
        steps.push({ cellOff, mm });
      }
      const tail: ((pass: GPUComputePassEncoder, ub: GPUBuffer) => void)[] = [];
      const dwhh = accumTarget(op.dwhh, G * H);
      if (dwhh) tail.push(this.planMatmul(u, dZRef, { buffer: hsExt, offset: 0, length: (T + 1) * BH }, dwhh, G, TB, H, true, false, true));
      const dwih = accumTarget(op.dwih, G * D);
      if (dwih) tail.push(this.planMatmul(u, dZRef, x, dwih, G, TB, D, true, false, true));
      const dbih = accumTarget(op.dbih, G);
      const dbhh = accumTarget(op.dbhh, G);
      let sumOff = -1;
      if (dbih || dbhh) sumOff = u.add([TB, G, (dbih ? 1 : 0) | (dbhh ? 2 : 0), 0]);
      if (op.dx) {
        const dx = this.acquire(TB * D);
        temps.push(dx);
        tail.push(this.planMatmul(u, dZRef, wih, { buffer: dx, offset: 0, length: TB * D }, TB, G, D, false, false, false));
        outs.push({ src: dx, offset: 0, into: op.dx.subarray(0, TB * D) });
      }
      if (op.dh0) outs.push({ src: dhNext, offset: 0, into: op.dh0.subarray(0, BH) });
      if (op.dc0) outs.push({ src: dcNext, offset: 0, into: op.dc0.subarray(0, BH) });

      const ub = this.uniformBuffer(u);
      const cellGroup = this.bindGroup('cellBackward', ub, 16, [gates, csExt, dhs, dhNext, dcNext, dZ]);
      const pass = enc.beginComputePass();
      const [gx, gy] = grid(Math.ceil(BH / ELEMENTWISE_WORKGROUP));
      for (const s of steps) {
        pass.setPipeline(this.pipelines.get('cellBackward')!);
        pass.setBindGroup(0, cellGroup, [s.cellOff]);
        pass.dispatchWorkgroups(gx, gy);
        s.mm(pass, ub);
      }
      for (const f of tail) f(pass, ub);
      if (sumOff >= 0) {
        const d1 = dbih?.buffer ?? this.acquire(1), d2 = dbhh?.buffer ?? this.acquire(1);
        if (!dbih) temps.push(d1);
        if (!dbhh) temps.push(d2);
        const group = this.bindGroup('columnSum', ub, 16, [dZ, d1, d2]);
        pass.setPipeline(this.pipelines.get('columnSum')!);
        pass.setBindGroup(0, group, [sumOff]);
        const [sx, sy] = grid(Math.ceil(G / ELEMENTWISE_WORKGROUP));
        pass.dispatchWorkgroups(sx, sy);
      }
      pass.end();
      if (chunk) this.dropSaved(op.saved!, temps);
      await this.finish(enc, outs, temps, [ub]);
    });
  }

  /** Frees device copies by id (residents, and forwards kept for a backward). */
  free(ids: number[]): void {
    for (const id of ids) {
      const r = this.residents.get(id);
      if (r) {
        this.residents.delete(id);
        this.release(r.buffer);
      }
      if (this.saved.has(id)) this.dropSaved(id);
    }
  }

  /** Device copies held (for tests and diagnostics). */
  stats(): { residents: number; saved: number; views: number; pooledBuffers: number } {
    let pooled = 0;
    for (const l of this.pool.values()) pooled += l.length;
    return { residents: this.residents.size, saved: this.saved.size, views: this.views.size, pooledBuffers: pooled };
  }

  destroy(): void {
    this.device.destroy();
  }

  // ---------------------------------------------------------------- internals

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

  private dropSaved(id: number, into?: GPUBuffer[]): void {
    const s = this.saved.get(id);
    if (!s) return;
    this.saved.delete(id);
    for (const v of [s.ids.gates, s.ids.cs, s.ids.hs]) this.views.delete(v);
    if (into) into.push(s.gates, s.csExt, s.hsExt);
    else for (const b of [s.gates, s.csExt, s.hsExt]) this.release(b);
  }

  private input(inp: Input, length: number, temps: GPUBuffer[]): DeviceRef {
    if ('id' in inp) {
      const r = this.residents.get(inp.id) ?? this.views.get(inp.id);
      if (!r) throw new Error(`WebGPU: no device copy with id ${inp.id}`);
      if (r.length < length) throw new Error(`WebGPU: device copy ${inp.id} has ${r.length} values, ${length} needed`);
      return r;
    }
    if (inp.data.length < length) throw new Error(`WebGPU: operand has ${inp.data.length} values, ${length} needed`);
    const buffer = this.acquire(length);
    this.write(buffer, 0, inp.data.subarray(0, length));
    if (inp.keepAs !== undefined) {
      const old = this.residents.get(inp.keepAs);
      if (old) temps.push(old.buffer);
      const ref = { buffer, offset: 0, length };
      this.residents.set(inp.keepAs, ref);
      return ref;
    }
    temps.push(buffer);
    return { buffer, offset: 0, length };
  }

  /** The same values at offset 0 of a buffer (the element-wise kernels index from 0). */
  private atZero(r: DeviceRef, temps: GPUBuffer[]): DeviceRef {
    if (r.offset === 0) return r;
    const buffer = this.acquire(r.length);
    temps.push(buffer);
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(r.buffer, r.offset * 4, buffer, 0, r.length * 4);
    this.device.queue.submit([enc.finish()]);
    return { buffer, offset: 0, length: r.length };
  }

  /** Queues an upload; shared memory (a SharedArrayBuffer view) goes through a private copy. */
  private write(buffer: GPUBuffer, offsetElems: number, data: Float32Array): void {
    if (data.length === 0) return;
    let src = data;
    if (typeof SharedArrayBuffer !== 'undefined' && data.buffer instanceof SharedArrayBuffer) {
      if (this.scratch.length < data.length) this.scratch = new Float32Array(Math.max(data.length, this.scratch.length * 2));
      src = this.scratch.subarray(0, data.length);
      src.set(data);
    }
    this.device.queue.writeBuffer(buffer, offsetElems * 4, src.buffer as ArrayBuffer, src.byteOffset, src.byteLength);
  }

  /** A storage buffer of at least `elems` f32 from the pool. */
  private acquire(elems: number): GPUBuffer {
    const size = Math.max(256, roundUp(elems * 4, 256));
    const list = this.pool.get(size);
    const b = list?.pop();
    if (b) {
      this.poolBytes -= size;
      return b;
    }
    return this.device.createBuffer({ size, usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST });
  }

  private release(b: GPUBuffer): void {
    if (this.poolBytes + b.size > this.maxPoolBytes) {
      b.destroy();
      return;
    }
    const list = this.pool.get(b.size) ?? [];
    list.push(b);
    this.pool.set(b.size, list);
    this.poolBytes += b.size;
  }

  private fromPool(pool: Map<number, GPUBuffer[]>, size: number, usage: number): GPUBuffer {
    size = Math.max(256, 2 ** Math.ceil(Math.log2(size)));
    return pool.get(size)?.pop() ?? this.device.createBuffer({ size, usage });
  }

  private toPool(pool: Map<number, GPUBuffer[]>, b: GPUBuffer): void {
    const list = pool.get(b.size) ?? [];
    if (list.length >= 4) {
      b.destroy();
      return;
    }
    list.push(b);
    pool.set(b.size, list);
  }

  private uniformBuffer(u: Uniforms): GPUBuffer {
    const b = this.fromPool(this.uniformPool, Math.max(u.size, UNIFORM_STRIDE), USAGE.UNIFORM | USAGE.COPY_DST);
    const bytes = u.bytes();
    if (bytes.length > 0) this.device.queue.writeBuffer(b, 0, bytes.buffer as ArrayBuffer, 0, bytes.byteLength);
    return b;
  }

  /** Encodes copies of the outputs into one staging buffer, submits, maps and copies them out; returns buffers to their pools. */
  private async finish(enc: GPUCommandEncoder, outs: { src: GPUBuffer; offset: number; into: Float32Array }[], temps: GPUBuffer[], uniforms: GPUBuffer[]): Promise<void> {
    if (this.lost) throw new Error(this.lost);
    const total = outs.reduce((n, o) => n + o.into.length, 0);
    const staging = total > 0 ? this.fromPool(this.stagingPool, total * 4, USAGE.MAP_READ | USAGE.COPY_DST) : null;
    let at = 0;
    for (const o of outs) {
      if (o.into.length > 0) enc.copyBufferToBuffer(o.src, o.offset * 4, staging!, at * 4, o.into.length * 4);
      at += o.into.length;
    }
    this.device.queue.submit([enc.finish()]);
    try {
      if (staging) {
        await staging.mapAsync(MAP_READ, 0, total * 4);
        const all = new Float32Array(staging.getMappedRange(0, total * 4));
        at = 0;
        for (const o of outs) {
          o.into.set(all.subarray(at, at + o.into.length));
          at += o.into.length;
        }
        staging.unmap();
      }
    } finally {
      if (staging) this.toPool(this.stagingPool, staging);
      for (const b of uniforms) this.toPool(this.uniformPool, b);
      for (const b of temps) this.release(b);
    }
  }

  // ---------------------------------------------------------------- pipelines

  private layout(name: string, bindings: number, writable: number[]): GPUBindGroupLayout {
    let l = this.layouts.get(name);
    if (!l) {
      const entries: GPUBindGroupLayoutEntry[] = [{ binding: 0, visibility: COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } }];
      for (let i = 1; i < bindings; i++) {
        entries.push({ binding: i, visibility: COMPUTE, buffer: { type: writable.includes(i) ? 'storage' : 'read-only-storage' } });
      }
      l = this.device.createBindGroupLayout({ label: name, entries });
      this.layouts.set(name, l);
    }
    return l;
  }

  private pipeline(name: string, code: string, bindings: number, writable: number[], constants?: Record<string, number>): GPUComputePipeline {
    let p = this.pipelines.get(name);
    if (!p) {
      const layoutName = name.startsWith('matmul') ? 'matmul' : name;
      const layout = this.device.createPipelineLayout({ bindGroupLayouts: [this.layout(layoutName, bindings, writable)] });
      const module = this.device.createShaderModule({ label: layoutName, code });
      p = this.device.createComputePipeline({ label: name, layout, compute: { module, entryPoint: 'main', ...(constants ? { constants } : {}) } });
      this.pipelines.set(name, p);
    }
    return p;
  }

  private matmulPipeline(transA: boolean, transB: boolean): GPUComputePipeline {
    return this.pipeline(`matmul${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`, MATMUL_WGSL, 4, [3], { TRANS_A: transA ? 1 : 0, TRANS_B: transB ? 1 : 0 });
  }

  private readonly bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 1;
  private bufferId(b: GPUBuffer): number {
    let id = this.bufferIds.get(b);
    if (id === undefined) {
      id = this.nextBufferId++;
      this.bufferIds.set(b, id);
    }
    return id;
  }

  private bindGroup(layoutName: string, uniforms: GPUBuffer, uniformSize: number, buffers: GPUBuffer[]): GPUBindGroup {
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniforms, offset: 0, size: uniformSize } }];
    buffers.forEach((buffer, i) => entries.push({ binding: i + 1, resource: { buffer } }));
    return this.device.createBindGroup({ layout: this.layouts.get(layoutName)!, entries });
  }

  /**
   * Adds one matmul's parameters to `u` and returns the function that encodes it
   * (once the uniform buffer exists). Operands may start anywhere in their buffers.
   */
  private planMatmul(u: Uniforms, a: DeviceRef, b: DeviceRef, c: DeviceRef, M: number, K: number, N: number, transA: boolean, transB: boolean, accumulate: boolean): (pass: GPUComputePassEncoder, ub: GPUBuffer) => void {
    if (M === 0 || N === 0) return () => {};
    const off = u.add([M, K, N, a.offset, b.offset, c.offset, accumulate ? 1 : 0, 0]);
    const pipeline = this.matmulPipeline(transA, transB);
    return (pass, ub) => {
      const key = `matmul:${this.bufferId(a.buffer)}:${this.bufferId(b.buffer)}:${this.bufferId(c.buffer)}`;
      let group = u.groups.get(key);
      if (!group) {
        group = this.bindGroup('matmul', ub, 32, [a.buffer, b.buffer, c.buffer]);
        u.groups.set(key, group);
      }
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group, [off]);
      pass.dispatchWorkgroups(Math.ceil(N / MATMUL_TILE_N), Math.ceil(M / MATMUL_TILE_M));
    };
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
