// --backend cpu|webgpu|auto and --threads (src/cli/backend-select.ts) with a stand-in probe:
// these run everywhere, GPU or not.
import { describe, expect, it } from 'vitest';
import { defaultThreads, MAX_DEFAULT_THREADS, selectBackend, type WebGpuProbe } from '../../src/cli/backend-select.js';
import { cpuBackend } from '../../src/backends/cpu/index.js';
import { ConfigError } from '../../src/train/config.js';

function fakeProbe(software: boolean) {
  const state = { disposed: false };
  const backend = { ...cpuBackend, name: 'webgpu', dispose: () => { state.disposed = true; } };
  const probe = async (): Promise<WebGpuProbe> => ({ adapter: software ? 'SwiftShader driver' : 'NVIDIA H100', software, backend });
  return { probe, state, backend };
}
const none = async () => ({ reason: 'no WebGPU adapter was found: install a GPU driver' });

describe('--backend', () => {
  it('cpu never probes', async () => {
    const s = await selectBackend('cpu', 1, async () => { throw new Error('probed'); });
    expect(s).toMatchObject({ name: 'cpu', adapter: null, backend: cpuBackend });
  });

  it('webgpu: the backend and the adapter name, or an error that says how to get one', async () => {
    const f = fakeProbe(false);
    const s = await selectBackend('webgpu', 1, f.probe);
    expect(s).toMatchObject({ name: 'webgpu', adapter: 'NVIDIA H100', kernels: null, backend: f.backend });
    expect(s.line).toContain('NVIDIA H100');
    await expect(selectBackend('webgpu', 1, none)).rejects.toThrow(ConfigError);
    await expect(selectBackend('webgpu', 1, none)).rejects.toThrow(/"webgpu" is not available: no WebGPU adapter was found: install a GPU driver\. Use --backend cpu/);
  });

  it('auto: WebGPU on a hardware adapter, else the CPU with the reason', async () => {
    const hw = await selectBackend('auto', 1, fakeProbe(false).probe);
    expect(hw.name).toBe('webgpu');
    expect(hw.line).toMatch(/auto: found a WebGPU adapter/);
    const no = await selectBackend('auto', 1, none);
    expect(no).toMatchObject({ name: 'cpu', adapter: null, backend: cpuBackend });
    expect(no.line).toBe(`backend: cpu, 1 thread, kernels ${cpuBackend.kernels} (auto: no WebGPU adapter: no WebGPU adapter was found: install a GPU driver)`);
    const sw = fakeProbe(true);
    const soft = await selectBackend('auto', 1, sw.probe);
    expect(soft.name).toBe('cpu');
    expect(soft.line).toMatch(/software renderer/);
    expect(sw.state.disposed).toBe(true);
    // explicitly asked for, a software adapter is used
    expect((await selectBackend('webgpu', 1, fakeProbe(true).probe)).name).toBe('webgpu');
  });
});

describe('--threads', () => {
  it('1 is the plain CPU backend; N > 1 the threaded one, which is released with dispose', async () => {
    expect((await selectBackend('cpu', 1)).backend).toBe(cpuBackend);
    const s = await selectBackend('cpu', 2);
    expect(s).toMatchObject({ name: 'cpu', threads: 2, kernels: cpuBackend.kernels });
    expect(s.backend.name).toBe('cpu-threads');
    expect(s.line).toBe(`backend: cpu, 2 threads, kernels ${cpuBackend.kernels}`);
    (s.backend as unknown as { dispose(): void }).dispose();
  });

  it('auto: the logical CPUs (at most MAX_DEFAULT_THREADS), said in the line', async () => {
    const s = await selectBackend('cpu', null);
    expect(s.threads).toBe(defaultThreads());
    expect(s.line).toMatch(/--threads auto: \d+ logical CPUs/);
    (s.backend as unknown as { dispose?(): void }).dispose?.();
    expect(defaultThreads()).toBeGreaterThanOrEqual(1);
    expect(defaultThreads()).toBeLessThanOrEqual(MAX_DEFAULT_THREADS);
  });
});
