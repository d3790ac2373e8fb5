// The WebAssembly SIMD backend: float32 matrix products run in the SIMD kernel of
// ./matmul-simd.ts (at every size, so that tests exercise it on small shapes too);
// float64 products, and everything when the engine rejects SIMD, fall back to the
// plain TypeScript kernels. The LSTM kernels are the CPU backend's, whose
// products go through matmulCpu, which itself uses the SIMD kernel when it can.
import type { Backend } from '../backend.js';
import type { FloatArray } from '../../tensor/dtype.js';
import { lstmBackwardCpu, lstmForwardCpu } from '../cpu/lstm.js';
import { matmulTs } from '../cpu/matmul.js';
import { matmulSimd, simdAvailable } from './matmul-simd.js';

export { simdAvailable, matmulSimd } from './matmul-simd.js';

function matmulWasm(a: FloatArray, b: FloatArray, c: FloatArray, M: number, K: number, N: number, transA: boolean, transB: boolean, accumulate: boolean): void {
  if (simdAvailable() && a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array) {
    matmulSimd(a, b, c, M, K, N, transA, transB, accumulate);
  } else {
    matmulTs(a, b, c, M, K, N, transA, transB, accumulate);
  }
}

export const wasmBackend: Backend = {
  name: 'wasm-simd',
  matmul: matmulWasm,
  lstmForward: lstmForwardCpu,
  lstmBackward: lstmBackwardCpu,
};
