// The matmul op: C = op(A)·op(B) (C += … when accumulating) in one command buffer.
import { Uniforms, type DeviceRef } from './buffer-pool.js';
import type { MatmulOp, OpContext } from './ops.js';

export async function runMatmulOp(ctx: OpContext, op: MatmulOp): Promise<void> {
  const { M, K, N } = op;
  const { buffers, copies } = ctx;
  const enc = ctx.device.createCommandEncoder();
  const temps: GPUBuffer[] = [];
  const a = copies.input(op.a, M * K, temps);
  const b = copies.input(op.b, K * N, temps);
  const c = buffers.acquire(M * N);
  temps.push(c);
  if (op.c.accumulate) buffers.write(c, 0, op.c.into.subarray(0, M * N));
  const u = new Uniforms();
  const cRef: DeviceRef = { buffer: c, offset: 0, length: M * N };
  const mm = ctx.pipelines.planMatmul(u, a, b, cRef, M, K, N, op.transA, op.transB, op.c.accumulate);
  const ub = buffers.uniformBuffer(u);
  const pass = enc.beginComputePass();
  mm(pass, ub);
  pass.end();
  await buffers.finish(enc, [{ src: c, offset: 0, into: op.c.into.subarray(0, M * N) }], temps, [ub]);
}
