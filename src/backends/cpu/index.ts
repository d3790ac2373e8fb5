// The CPU backend: TypeScript loops over flat arrays, with the float32 products
// and LSTM gates in WebAssembly SIMD kernels (../wasm) when the engine has SIMD.
// Which kernels it runs (../wasm/variant.ts: 'wasm-simd-fma', 'wasm-simd' or
// 'ts') is fixed when the backend is created: its options, else SYNTHGRAD_SIMD,
// else the fastest the engine has.
import type { Backend } from '../backend.js';
import { lstmBackwardCpu, lstmForwardCpu } from './lstm.js';
import { productFor } from './matmul.js';
import { isSimd, kernelsAvailable, kernelsFromEnv, type Kernels } from '../wasm/variant.js';
import { adamCpu } from './adam.js';
import { adamSimd, allocateInArena } from '../wasm/adam-simd.js';
import { softmaxCeCpu } from './softmax-ce.js';
import { sigmoidBceBackwardCpu, sigmoidBceCpu } from './sigmoid-bce.js';
import { embeddingGather, embeddingScatterAdd } from './embedding.js';
import { ScratchPool } from '../scratch.js';
import { allocate, type DType, type FloatArray } from '../../tensor/dtype.js';

export type { Kernels } from '../wasm/variant.js';

/** The single-threaded CPU backend (plain TypeScript kernels, WebAssembly SIMD where it helps). */
export interface CpuBackend extends Backend {
  /** The kernels that run: the variant asked for, or the next one down that the engine has. */
  readonly kernels: Kernels;
  /** Whether the SIMD kernels run (kernels is not 'ts'). */
  readonly simd: boolean;
}

/** Options of createCpuBackend. */
export interface CpuBackendOptions {
  /** The kernel variant (default: SYNTHGRAD_SIMD's, else the fastest); one the engine lacks falls back to the next one down. */
  kernels?: Kernels;
  /** Shorthand when `kernels` is not given: false is 'ts'; true a SIMD variant (SYNTHGRAD_SIMD's when it names one, else the fastest). */
  simd?: boolean;
  /** Storage for parameters and scratch (default: plain ArrayBuffers). */
  allocate?: (dtype: DType, n: number) => FloatArray;
  /**
   * With a SIMD variant and no `allocate`: float32 parameters (their gradients and, through
   * their ParamSet, the Adam moments) in the SIMD Adam's WebAssembly memory
   * (../wasm/adam-simd.ts), updated there in place. Off by default: that memory is never freed,
   * and on the AMD CPUs measured it was no faster than the TypeScript loop (docs/performance.md).
   */
  wasmParams?: boolean;
}

/** The variant a backend created with `opts` runs on this engine. */
export function resolveKernels(opts: Pick<CpuBackendOptions, 'kernels' | 'simd'> = {}): Kernels {
  if (opts.kernels) return kernelsAvailable(opts.kernels);
  if (opts.simd === false) return 'ts';
  const env = kernelsFromEnv();
  return kernelsAvailable(opts.simd === true && !isSimd(env) ? 'wasm-simd-fma' : env);
}

/** A CPU backend; `setBackend` it before building models (their parameters come from the backend selected then). */
export function createCpuBackend(opts: CpuBackendOptions = {}): CpuBackend {
  const kernels = resolveKernels(opts);
  const simd = isSimd(kernels);
  const inArena = (dtype: DType, n: number) => (dtype === 'float32' && allocateInArena(n)) || allocate(dtype, n);
  const alloc = opts.allocate ?? (simd && opts.wasmParams ? inArena : allocate);
  return {
    name: 'cpu',
    kernels,
    simd,
    matmul: productFor(kernels),
    lstmForward: (a) => lstmForwardCpu(a, kernels),
    lstmBackward: (a) => lstmBackwardCpu(a, kernels),
    adam: simd ? (a) => adamSimd(a) : (a) => adamCpu(a),
    softmaxCrossEntropy: softmaxCeCpu,
    sigmoidBce: sigmoidBceCpu,
    sigmoidBceBackward: sigmoidBceBackwardCpu,
    embeddingGather,
    embeddingScatterAdd,
    scratch: new ScratchPool(opts.allocate ?? allocate), // scratch comes and goes: not in the arena, which is never freed
    allocate: alloc,
  };
}

/** The CPU backend as the environment asks for it (the default of backend()). */
export const cpuBackend: CpuBackend = createCpuBackend();
