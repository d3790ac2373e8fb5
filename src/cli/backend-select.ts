// --backend cpu|webgpu|auto: which kernels run, and one line that says why.
//
//   const selected = await selectBackend(cfg.backend);
//   process.stderr.write(`${selected.line}\n`);
//   setBackend(selected.backend);              // from src/backends/backend.ts
//   config.json: backend_used = selected.name, adapter = selected.adapter
//
// webgpu: the WebGPU backend (src/backends/webgpu), or a ConfigError that says
// why there is no adapter and how to get one. auto: WebGPU when an adapter is
// found and it is a hardware one; CPU otherwise (a software adapter such as
// SwiftShader computes the same numbers, but slower than the CPU backend; ask for
// it with --backend webgpu).
import type { Backend } from '../backends/backend.js';
import { cpuBackend } from '../backends/cpu/index.js';
import { ConfigError } from '../train/config.js';

export interface SelectedBackend {
  name: 'cpu' | 'webgpu';
  adapter: string | null;
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

export async function selectBackend(wanted: 'cpu' | 'webgpu' | 'auto', probe: () => Promise<WebGpuProbe | { reason: string }> = probeWebGpu): Promise<SelectedBackend> {
  if (wanted === 'cpu') return { name: 'cpu', adapter: null, line: 'backend: cpu', backend: cpuBackend };
  const p = await probe();
  if ('adapter' in p) {
    if (wanted === 'auto' && p.software) {
      p.backend.dispose();
      return {
        name: 'cpu', adapter: null, backend: cpuBackend,
        line: `backend: cpu (auto: the only WebGPU adapter, "${p.adapter}", is a software renderer, slower than the CPU backend; --backend webgpu uses it anyway)`,
      };
    }
    const why = wanted === 'auto' ? 'auto: found a WebGPU adapter' : 'requested';
    return { name: 'webgpu', adapter: p.adapter, backend: p.backend, line: `backend: webgpu on "${p.adapter}" (${why}${p.software ? '; a software renderer: expect it to be slower than --backend cpu' : ''})` };
  }
  if (wanted === 'auto') return { name: 'cpu', adapter: null, backend: cpuBackend, line: `backend: cpu (auto: no WebGPU adapter: ${p.reason})` };
  throw new ConfigError(`option --backend: "webgpu" is not available: ${p.reason}. Use --backend cpu (or auto).`, 'backend', '--backend');
}
