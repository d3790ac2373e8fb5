// The CPU backend: TypeScript loops over flat arrays, with the float32 products
// and LSTM gates in WebAssembly SIMD kernels (../wasm) when the engine has SIMD.
// Whether it uses them is fixed when the backend is created (SIMD_BY_DEFAULT:
// SYNTHGRAD_SIMD=0 turns them off); without them every kernel is TypeScript.
import type { Backend } from '../backend.js';
import { lstmBackwardCpu, lstmForwardCpu } from './lstm.js';
import { matmulCpu, matmulTs, SIMD_BY_DEFAULT } from './matmul.js';
import { simdAvailable } from '../wasm/matmul-simd.js';
import { adamCpu } from './adam.js';
import { softmaxCeCpu } from './softmax-ce.js';
import { sigmoidBceBackwardCpu, sigmoidBceCpu } from './sigmoid-bce.js';
import { embeddingGather, embeddingScatterAdd } from './embedding.js';
import { ScratchPool } from '../scratch.js';
import { allocate, type DType, type FloatArray } from '../../tensor/dtype.js';

export interface CpuBackend extends Backend {
  /** Whether the SIMD kernels run (asked for, and the engine has them). */
  readonly simd: boolean;
}

export interface CpuBackendOptions {
  /** Use the WebAssembly SIMD kernels where they fit (default SIMD_BY_DEFAULT; ignored without engine support). */
  simd?: boolean;
  /** Storage for parameters and scratch (default: plain ArrayBuffers). */
  allocate?: (dtype: DType, n: number) => FloatArray;
}

export function createCpuBackend(opts: CpuBackendOptions = {}): CpuBackend {
  const simd = (opts.simd ?? SIMD_BY_DEFAULT) && simdAvailable();
  const alloc = opts.allocate ?? allocate;
  return {
    name: 'cpu',
    simd,
    matmul: simd ? matmulCpu : matmulTs,
    lstmForward: (a) => lstmForwardCpu(a, simd),
    lstmBackward: (a) => lstmBackwardCpu(a, simd),
    adam: (a) => adamCpu(a),
    softmaxCrossEntropy: softmaxCeCpu,
    sigmoidBce: sigmoidBceCpu,
    sigmoidBceBackward: sigmoidBceBackwardCpu,
    embeddingGather,
    embeddingScatterAdd,
    scratch: new ScratchPool(alloc),
    allocate: alloc,
  };
}

/** The CPU backend as the environment asks for it (the default of backend()). */
export const cpuBackend: CpuBackend = createCpuBackend();
