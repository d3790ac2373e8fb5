// The LSTM backward op over a chunk: per step (T−1 down to 0) the cell kernel
// (dZ of the step) and dh_{t−1} = dz_t W_hh; then the weight gradients, dx and
// the bias sums over the whole chunk, in one command buffer. The forward's
// outputs come from the device when it kept them, else they are uploaded.
import { roundUp, Uniforms, type DeviceRef, type Readback } from './buffer-pool.js';
import { grid, type Encode } from './pipelines.js';
import { ELEMENTWISE_WORKGROUP } from './wgsl/lstm.js';
import type { AccumOut, LstmBackwardOp, OpContext } from './ops.js';

/** The forward's gates and the c's and h's with c0 and h0 in front: kept on the device, or uploaded into `temps`. */
function forwardBuffers(ctx: OpContext, op: LstmBackwardOp, temps: GPUBuffer[]): { gates: GPUBuffer; csExt: GPUBuffer; hsExt: GPUBuffer; kept: boolean } {
  const { T, B, D, H } = op;
  const G = 4 * H, BH = B * H, TB = T * B;
  const chunk = op.saved === null ? undefined : ctx.copies.savedChunk(op.saved);
  if (op.saved !== null && !chunk) throw new Error(`WebGPU: no LSTM forward is kept on the device under id ${op.saved}`);
  if (chunk) {
    const d = chunk.dims;
    if (d.T !== T || d.B !== B || d.H !== H) throw new Error(`WebGPU: the kept LSTM forward ${op.saved} has dims ${JSON.stringify(d)}, not ${JSON.stringify({ T, B, D, H })}`);
    return { gates: chunk.gates, csExt: chunk.csExt, hsExt: chunk.hsExt, kept: true };
  }
  if (!op.gates || !op.cs || !op.hs || !op.h0 || !op.c0) throw new Error('WebGPU lstmBackward: gates, cs, hs, h0 and c0 are needed when the forward is not kept on the device');
  const { buffers } = ctx;
  const gates = buffers.acquire(TB * G);
  const csExt = buffers.acquire((T + 1) * BH);
  const hsExt = buffers.acquire((T + 1) * BH);
  temps.push(gates, csExt, hsExt);
  buffers.write(gates, 0, op.gates.subarray(0, TB * G));
  buffers.write(csExt, 0, op.c0.subarray(0, BH));
  buffers.write(csExt, BH, op.cs.subarray(0, TB * H));
  buffers.write(hsExt, 0, op.h0.subarray(0, BH));
  buffers.write(hsExt, BH, op.hs.subarray(0, TB * H));
  return { gates, csExt, hsExt, kept: false };
}

export async function runLstmBackwardOp(ctx: OpContext, op: LstmBackwardOp): Promise<void> {
  const { buffers, copies, pipelines } = ctx;
  const { T, B, D, H } = op;
  const G = 4 * H, BH = B * H, TB = T * B;
  const temps: GPUBuffer[] = [];
  const x = copies.input(op.x, TB * D, temps);
  const wih = copies.input(op.wih, G * D, temps);
  const whh = copies.input(op.whh, G * H, temps);
  const { gates, csExt, hsExt, kept } = forwardBuffers(ctx, op, temps);
  const dZ = buffers.acquire(TB * G);
  const dhs = buffers.acquire(TB * H);
  const dhNext = buffers.acquire(BH);
  const dcNext = buffers.acquire(BH);
  temps.push(dZ, dhs, dhNext, dcNext);
  buffers.write(dhs, 0, op.dhs.subarray(0, TB * H));
  buffers.write(dcNext, 0, op.dcT.subarray(0, BH));
  const enc = ctx.device.createCommandEncoder();
  enc.clearBuffer(dhNext, 0, roundUp(BH * 4, 4));

  const outs: Readback[] = [];
  const accumTarget = (o: AccumOut | null, n: number): DeviceRef | null => {
    if (!o) return null;
    const buf = buffers.acquire(n);
    temps.push(buf);
    if (o.accumulate) buffers.write(buf, 0, o.into.subarray(0, n));
    else enc.clearBuffer(buf, 0, roundUp(n * 4, 4));
    outs.push({ src: buf, offset: 0, into: o.into.subarray(0, n) });
    return { buffer: buf, offset: 0, length: n };
  };
  const u = new Uniforms();
  const dZRef = { buffer: dZ, offset: 0, length: TB * G };
  const steps: { cellOff: number; mm: Encode }[] = [];
  for (let t = T - 1; t >= 0; t--) {
    const cellOff = u.add([B, H, t, BH]);
    const mm = pipelines.planMatmul(u, { ...dZRef, offset: t * B * G }, whh, { buffer: dhNext, offset: 0, length: BH }, B, G, H, false, false, false);
    steps.push({ cellOff, mm });
  }
  const tail: Encode[] = [];
  const dwhh = accumTarget(op.dwhh, G * H);
  if (dwhh) tail.push(pipelines.planMatmul(u, dZRef, { buffer: hsExt, offset: 0, length: (T + 1) * BH }, dwhh, G, TB, H, true, false, true));
  const dwih = accumTarget(op.dwih, G * D);
  if (dwih) tail.push(pipelines.planMatmul(u, dZRef, x, dwih, G, TB, D, true, false, true));
  const dbih = accumTarget(op.dbih, G);
  const dbhh = accumTarget(op.dbhh, G);
  let sumOff = -1;
  if (dbih || dbhh) sumOff = u.add([TB, G, (dbih ? 1 : 0) | (dbhh ? 2 : 0), 0]);
  if (op.dx) {
    const dx = buffers.acquire(TB * D);
    temps.push(dx);
    tail.push(pipelines.planMatmul(u, dZRef, wih, { buffer: dx, offset: 0, length: TB * D }, TB, G, D, false, false, false));
    outs.push({ src: dx, offset: 0, into: op.dx.subarray(0, TB * D) });
  }
  if (op.dh0) outs.push({ src: dhNext, offset: 0, into: op.dh0.subarray(0, BH) });
  if (op.dc0) outs.push({ src: dcNext, offset: 0, into: op.dc0.subarray(0, BH) });

  const ub = buffers.uniformBuffer(u);
  const cellGroup = pipelines.bindGroup('cellBackward', ub, 16, [gates, csExt, dhs, dhNext, dcNext, dZ]);
  const pass = enc.beginComputePass();
  const [gx, gy] = grid(Math.ceil(BH / ELEMENTWISE_WORKGROUP));
  for (const s of steps) {
    pass.setPipeline(pipelines.get('cellBackward'));
    pass.setBindGroup(0, cellGroup, [s.cellOff]);
    pass.dispatchWorkgroups(gx, gy);
    s.mm(pass, ub);
  }
  for (const f of tail) f(pass, ub);
  if (sumOff >= 0) {
    const d1 = dbih?.buffer ?? buffers.acquire(1), d2 = dbhh?.buffer ?? buffers.acquire(1);
    if (!dbih) temps.push(d1);
    if (!dbhh) temps.push(d2);
    const group = pipelines.bindGroup('columnSum', ub, 16, [dZ, d1, d2]);
    pass.setPipeline(pipelines.get('columnSum'));
    pass.setBindGroup(0, group, [sumOff]);
    const [sx, sy] = grid(Math.ceil(G / ELEMENTWISE_WORKGROUP));
    pass.dispatchWorkgroups(sx, sy);
  }
  pass.end();
  if (kept) copies.dropSaved(op.saved!, temps);
  await buffers.finish(enc, outs, temps, [ub]);
}
