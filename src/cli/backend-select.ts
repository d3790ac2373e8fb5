// --backend cpu|webgpu|auto and --threads: which kernels run, and one line that says why.
//
//   const selected = await selectBackend(cfg.backend, cfg.threads);
//   process.stderr.write(`${selected.line}\n`);
//   setBackend(selected.backend);              // from src/backends/backend.ts
//   config.json: backend_used = selected.name, adapter = selected.adapter,
//                threads_used = selected.threads, kernels = selected.kernels
//
// cpu: with more than one thread (--threads N; by default the machine's logical
// CPUs, at most MAX_DEFAULT_THREADS) the threaded CPU backend (src/backends/threads),
// which gives the same numbers as one thread; --threads 1 is the plain CPU backend.
// Its line names the kernel variant (src/backends/wasm/variant.ts: wasm-simd-fma,
// wasm-simd or ts; SYNTHGRAD_SIMD forces one).
//
// webgpu: the WebGPU backend (src/backends/webgpu), or a ConfigError that says
// why there is no adapter and how to get one. auto: WebGPU when an adapter is
// found and it is a hardware one; CPU otherwise (a software adapter such as
// SwiftShader computes the same numbers, but slower than the CPU backend; ask for
// it with --backend webgpu).
import * as os from 'node:os';
import type { Backend } from '../backends/backend.js';
import { cpuBackend, type Kernels } from '../backends/cpu/index.js';
import { createThreadedBackend } from '../backends/threads/index.js';
import { ConfigError } from '../train/config.js';

/** More threads than this gain little at the sizes synthgrad trains (a batch of 32 splits into 8 register tiles). */
export const MAX_DEFAULT_THREADS = 8;

/** --threads auto: the logical CPUs, at most MAX_DEFAULT_THREADS. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(MAX_DEFAULT_THREADS, os.availableParallelism()));
}

export interface SelectedBackend {
  name: 'cpu' | 'webgpu';
  adapter: string | null;
  /** threads of the CPU backend (null for webgpu) */
  threads: number | null;
  /** the CPU backend's kernel variant (null for webgpu) */
  kernels: Kernels | null;
  line: string;
  /** the backend to pass to setBackend() */
  backend: Backend;
}

export interface WebGpuProbe {
  adapter: string;
  software: boolean;
  backend: Backend & { dispose(): void };
}

/**
 * Opens the WebGPU backend (its worker opens the adapter and the device);
 * resolves to the reason when there is none. `create` is for tests.
 */
export async function probeWebGpu(create?: () => Promise<WebGpuProbe['backend'] & { adapterName: string; softwareAdapter: boolean }>): Promise<WebGpuProbe | { reason: string }> {
  try {
    const make = create ?? (async () => (await import('../backends/webgpu/index.js')).createWebGpuBackend());
    const b = await make();
    return { adapter: b.adapterName, software: b.softwareAdapter, backend: b };
  } catch (e) {
    if (e instanceof Error && e.name === 'WebGpuUnavailableError') return { reason: (e as Error & { reason: string }).reason };
    return { reason: `the WebGPU backend failed to start: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** The CPU backend with `threads` (null: defaultThreads()); `why` ends its line. */
async function cpuSelection(threads: number | null, why: string): Promise<SelectedBackend> {
  const n = threads ?? defaultThreads();
  const cpus = os.availableParallelism();
  const count = `${n} thread${n === 1 ? '' : 's'}${threads === null ? ` (--threads auto: ${cpus} logical CPUs${n === MAX_DEFAULT_THREADS ? `, at most ${MAX_DEFAULT_THREADS}` : ''})` : ''}` +
    (n > cpus ? ` (more than the ${cpus} logical CPUs: expect it to be slower than ${cpus})` : '');
  const kernels = `, kernels ${cpuBackend.kernels}`;
  const line = `backend: cpu, ${count}${kernels}${why ? ` (${why})` : ''}`;
  if (n === 1) return { name: 'cpu', adapter: null, threads: 1, kernels: cpuBackend.kernels, line, backend: cpuBackend };
  try {
    const backend = await createThreadedBackend(n, { kernels: cpuBackend.kernels });
    return { name: 'cpu', adapter: null, threads: n, kernels: backend.kernels, line, backend };
  } catch (e) {
    return {
      name: 'cpu', adapter: null, threads: 1, kernels: cpuBackend.kernels, backend: cpuBackend,
      line: `backend: cpu, 1 thread${kernels} (${n} were asked for, but ${e instanceof Error ? e.message : String(e)})${why ? ` (${why})` : ''}`,
    };
  }
}

export async function selectBackend(wanted: 'cpu' | 'webgpu' | 'auto', threads: number | null = null, probe: () => Promise<WebGpuProbe | { reason: string }> = probeWebGpu): Promise<SelectedBackend> {
  if (wanted === 'cpu') return cpuSelection(threads, '');
  const p = await probe();
  if ('adapter' in p) {
    if (wanted === 'auto' && p.software) {
      p.backend.dispose();
      return cpuSelection(threads, `auto: the only WebGPU adapter, "${p.adapter}", is a software renderer, slower than the CPU backend; --backend webgpu uses it anyway`);
    }
    const why = wanted === 'auto' ? 'auto: found a WebGPU adapter' : 'requested';
    return { name: 'webgpu', adapter: p.adapter, threads: null, kernels: null, backend: p.backend, line: `backend: webgpu on "${p.adapter}" (${why}${p.software ? '; a software renderer: expect it to be slower than --backend cpu' : ''})` };
  }
  if (wanted === 'auto') return cpuSelection(threads, `auto: no WebGPU adapter: ${p.reason}`);
  throw new ConfigError(`option --backend: "webgpu" is not available: ${p.reason}. Use --backend cpu (or auto).`, 'backend', '--backend');
}
