// The LSTM forward op over a chunk: the input projection of all T steps as one
// product, then per step the recurrent product and the gates kernel, all in one
// command buffer. With `saveAs`, the outputs stay on the device for the backward.
import { Uniforms, type DeviceRef } from './buffer-pool.js';
import { grid, type Encode } from './pipelines.js';
import { ELEMENTWISE_WORKGROUP } from './wgsl/lstm.js';
import type { LstmForwardOp, OpContext } from './ops.js';

/** The same values at offset 0 of a buffer (the element-wise kernels index from 0). */
function atZero(ctx: OpContext, r: DeviceRef, temps: GPUBuffer[]): DeviceRef {
  if (r.offset === 0) return r;
  const buffer = ctx.buffers.acquire(r.length);
  temps.push(buffer);
  const enc = ctx.device.createCommandEncoder();
  enc.copyBufferToBuffer(r.buffer, r.offset * 4, buffer, 0, r.length * 4);
  ctx.device.queue.submit([enc.finish()]);
  return { buffer, offset: 0, length: r.length };
}

export async function runLstmForwardOp(ctx: OpContext, op: LstmForwardOp): Promise<void> {
  const { buffers, copies, pipelines } = ctx;
  const { T, B, D, H } = op;
  const G = 4 * H, BH = B * H;
  const temps: GPUBuffer[] = [];
  const x = copies.input(op.x, T * B * D, temps);
  const wih = copies.input(op.wih, G * D, temps);
  const whh = copies.input(op.whh, G * H, temps);
  const bih = atZero(ctx, copies.input(op.bih, G, temps), temps);
  const bhh = atZero(ctx, copies.input(op.bhh, G, temps), temps);
  const gates = buffers.acquire(T * B * G);
  const csExt = buffers.acquire((T + 1) * BH);
  const hsExt = buffers.acquire((T + 1) * BH);
  buffers.write(csExt, 0, op.c0.subarray(0, BH));
  buffers.write(hsExt, 0, op.h0.subarray(0, BH));

  const u = new Uniforms();
  const gatesRef = { buffer: gates, offset: 0, length: T * B * G };
  // the input projection of all T steps at once
  const proj = pipelines.planMatmul(u, x, wih, gatesRef, T * B, D, G, false, true, false);
  const steps: { rec: Encode; off: number }[] = [];
  const hsRef = { buffer: hsExt, offset: 0, length: (T + 1) * BH };
  for (let t = 0; t < T; t++) {
    const rec = pipelines.planMatmul(u, { ...hsRef, offset: t * BH }, whh, { ...gatesRef, offset: t * B * G }, B, H, G, false, true, true);
    steps.push({ rec, off: u.add([B, H, t, BH]) });
  }
  const ub = buffers.uniformBuffer(u);
  const gateGroup = pipelines.bindGroup('gates', ub, 16, [gates, csExt, hsExt, bih.buffer, bhh.buffer]);
  const enc = ctx.device.createCommandEncoder();
  const pass = enc.beginComputePass();
  proj(pass, ub);
  const [gx, gy] = grid(Math.ceil(BH / ELEMENTWISE_WORKGROUP));
  for (const s of steps) {
    s.rec(pass, ub);
    pass.setPipeline(pipelines.get('gates'));
    pass.setBindGroup(0, gateGroup, [s.off]);
    pass.dispatchWorkgroups(gx, gy);
  }
  pass.end();
  const outs = [
    { src: gates, offset: 0, into: op.gates.subarray(0, T * B * G) },
    { src: csExt, offset: BH, into: op.cs.subarray(0, T * BH) },
    { src: hsExt, offset: BH, into: op.hs.subarray(0, T * BH) },
  ];
  if (op.saveAs) copies.keep({ dims: { T, B, D, H }, gates, csExt, hsExt, ids: op.saveAs });
  else temps.push(gates, csExt, hsExt);
  await buffers.finish(enc, outs, temps, [ub]);
}
