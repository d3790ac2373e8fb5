// --backend cpu|webgpu|auto: which kernels run, and one line that says why.
import { ConfigError } from '../train/config.js';

export interface SelectedBackend {
  name: 'cpu' | 'webgpu';
  adapter: string | null;
  line: string;
}

/** Tries to open a WebGPU adapter; resolves to null with the reason when there is none. */
async function probeWebGpu(): Promise<{ adapter: string } | { reason: string }> {
  return { reason: 'this build has no WebGPU backend yet' };
}

export async function selectBackend(wanted: 'cpu' | 'webgpu' | 'auto'): Promise<SelectedBackend> {
  if (wanted === 'cpu') return { name: 'cpu', adapter: null, line: 'backend: cpu' };
  const probe = await probeWebGpu();
  if ('adapter' in probe) return { name: 'webgpu', adapter: probe.adapter, line: `backend: webgpu (${probe.adapter})` };
  if (wanted === 'auto') return { name: 'cpu', adapter: null, line: `backend: cpu (auto: no WebGPU adapter: ${probe.reason})` };
  throw new ConfigError(`option --backend: "webgpu" is not available: ${probe.reason}. Use --backend cpu (or auto).`, 'backend', '--backend');
}
