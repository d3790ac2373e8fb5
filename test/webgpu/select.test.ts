// --backend cpu|webgpu|auto (src/cli/backend-select.ts) with a stand-in probe:
// these run everywhere, GPU or not.
import { describe, expect, it } from 'vitest';
import { selectBackend, type WebGpuProbe } from '../../src/cli/backend-select.js';
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
    const s = await selectBackend('cpu', async () => { throw new Error('probed'); });
    expect(s).toMatchObject({ name: 'cpu', adapter: null, backend: cpuBackend });
  });

  it('webgpu: the backend and the adapter name, or an error that says how to get one', async () => {
    const f = fakeProbe(false);
    const s = await selectBackend('webgpu', f.probe);
    expect(s).toMatchObject({ name: 'webgpu', adapter: 'NVIDIA H100', backend: f.backend });
    expect(s.line).toContain('NVIDIA H100');
    await expect(selectBackend('webgpu', none)).rejects.toThrow(ConfigError);
    await expect(selectBackend('webgpu', none)).rejects.toThrow(/"webgpu" is not available: no WebGPU adapter was found: install a GPU driver\. Use --backend cpu/);
  });

  it('auto: WebGPU on a hardware adapter, else the CPU with the reason', async () => {
    const hw = await selectBackend('auto', fakeProbe(false).probe);
    expect(hw.name).toBe('webgpu');
    expect(hw.line).toMatch(/auto: found a WebGPU adapter/);
    const no = await selectBackend('auto', none);
    expect(no).toMatchObject({ name: 'cpu', adapter: null, backend: cpuBackend });
    expect(no.line).toBe('backend: cpu (auto: no WebGPU adapter: no WebGPU adapter was found: install a GPU driver)');
    const sw = fakeProbe(true);
    const soft = await selectBackend('auto', sw.probe);
    expect(soft.name).toBe('cpu');
    expect(soft.line).toMatch(/software renderer/);
    expect(sw.state.disposed).toBe(true);
    // explicitly asked for, a software adapter is used
    expect((await selectBackend('webgpu', fakeProbe(true).probe)).name).toBe('webgpu');
  });
});
