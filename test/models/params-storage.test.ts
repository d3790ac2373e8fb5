// A ParamSet takes its storage from the backend it is built for: shared memory
// for one whose threads update the parameters in place, plain arrays otherwise.
import { describe, expect, it } from 'vitest';
import { ParamSet } from '../../src/models/params.js';
import { backend, setBackend } from '../../src/backends/backend.js';
import { cpuBackend, createCpuBackend } from '../../src/backends/cpu/index.js';
import { allocateShared } from '../../src/tensor/dtype.js';

const specs = [{ name: 'w', shape: [2, 3] }, { name: 'b', shape: [3] }];

describe('ParamSet storage', () => {
  it('is the given backend\'s allocation, values and gradients alike', () => {
    const shared = createCpuBackend({ allocate: allocateShared });
    const p = new ParamSet(specs, 'float32', shared);
    expect(p.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(p.grad.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(new ParamSet(specs, 'float64', cpuBackend).data.buffer).toBeInstanceOf(ArrayBuffer);
  });

  it('is the selected backend\'s by default, and nothing else changes with it', () => {
    const previous = setBackend(createCpuBackend({ allocate: allocateShared }));
    let p: ParamSet;
    try {
      p = new ParamSet(specs);
    } finally {
      setBackend(previous);
    }
    expect(p.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(backend()).toBe(previous);
    expect(new ParamSet(specs).data.buffer).not.toBeInstanceOf(SharedArrayBuffer);
  });
});
