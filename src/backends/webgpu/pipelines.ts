// The compiled shaders of the WebGPU kernels (one pipeline per shader variant,
// all compiled when the kernels are created, so none during training), their bind
// group layouts, and the encoding of one matrix product inside an op.
import { MATMUL_TILE_M, MATMUL_TILE_N, MATMUL_WGSL } from './wgsl/matmul.js';
import { COLUMN_SUM_WGSL, LSTM_CELL_BACKWARD_WGSL, LSTM_GATES_WGSL } from './wgsl/lstm.js';
import type { DeviceRef, Uniforms } from './buffer-pool.js';

// GPUShaderStage.COMPUTE (the global does not exist in Node).
const COMPUTE = 0x4;
const MAX_GROUPS = 65535;

/** A 2-d grid of workgroups for `groups` groups (the kernels linearise it). */
export function grid(groups: number): [number, number] {
  if (groups <= MAX_GROUPS) return [Math.max(groups, 1), 1];
  return [MAX_GROUPS, Math.ceil(groups / MAX_GROUPS)];
}

/** Encodes a planned dispatch once the op's uniform buffer exists. */
export type Encode = (pass: GPUComputePassEncoder, ub: GPUBuffer) => void;

/** The element-wise shaders, by name. */
export type ElementwiseShader = 'gates' | 'cellBackward' | 'columnSum';

export class Pipelines {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  /** ids of buffers, to key the bind groups an op reuses */
  private readonly bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 1;

  constructor(private readonly device: GPUDevice) {
    for (const ta of [false, true]) for (const tb of [false, true]) this.matmulPipeline(ta, tb);
    this.pipeline('gates', LSTM_GATES_WGSL, 6, [1, 2, 3]);
    this.pipeline('cellBackward', LSTM_CELL_BACKWARD_WGSL, 7, [5, 6]);
    this.pipeline('columnSum', COLUMN_SUM_WGSL, 4, [2, 3]);
  }

  get(name: ElementwiseShader): GPUComputePipeline {
    return this.pipelines.get(name)!;
  }

  /** A bind group of layout `layoutName`: the uniform block (binding 0), then `buffers`. */
  bindGroup(layoutName: string, uniforms: GPUBuffer, uniformSize: number, buffers: GPUBuffer[]): GPUBindGroup {
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniforms, offset: 0, size: uniformSize } }];
    buffers.forEach((buffer, i) => entries.push({ binding: i + 1, resource: { buffer } }));
    return this.device.createBindGroup({ layout: this.layouts.get(layoutName)!, entries });
  }

  /**
   * Adds one matmul's parameters to `u` and returns the function that encodes it
   * (once the uniform buffer exists). Operands may start anywhere in their buffers.
   */
  planMatmul(u: Uniforms, a: DeviceRef, b: DeviceRef, c: DeviceRef, M: number, K: number, N: number, transA: boolean, transB: boolean, accumulate: boolean): Encode {
    if (M === 0 || N === 0) return () => {};
    const off = u.add([M, K, N, a.offset, b.offset, c.offset, accumulate ? 1 : 0, 0]);
    const pipeline = this.matmulPipeline(transA, transB);
    return (pass, ub) => {
      const key = `matmul:${this.bufferId(a.buffer)}:${this.bufferId(b.buffer)}:${this.bufferId(c.buffer)}`;
      let group = u.groups.get(key);
      if (!group) {
        group = this.bindGroup('matmul', ub, 32, [a.buffer, b.buffer, c.buffer]);
        u.groups.set(key, group);
      }
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group, [off]);
      pass.dispatchWorkgroups(Math.ceil(N / MATMUL_TILE_N), Math.ceil(M / MATMUL_TILE_M));
    };
  }

  private layout(name: string, bindings: number, writable: number[]): GPUBindGroupLayout {
    let l = this.layouts.get(name);
    if (!l) {
      const entries: GPUBindGroupLayoutEntry[] = [{ binding: 0, visibility: COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } }];
      for (let i = 1; i < bindings; i++) {
        entries.push({ binding: i, visibility: COMPUTE, buffer: { type: writable.includes(i) ? 'storage' : 'read-only-storage' } });
      }
      l = this.device.createBindGroupLayout({ label: name, entries });
      this.layouts.set(name, l);
    }
    return l;
  }

  private pipeline(name: string, code: string, bindings: number, writable: number[], constants?: Record<string, number>): GPUComputePipeline {
    let p = this.pipelines.get(name);
    if (!p) {
      const layoutName = name.startsWith('matmul') ? 'matmul' : name;
      const layout = this.device.createPipelineLayout({ bindGroupLayouts: [this.layout(layoutName, bindings, writable)] });
      const module = this.device.createShaderModule({ label: layoutName, code });
      p = this.device.createComputePipeline({ label: name, layout, compute: { module, entryPoint: 'main', ...(constants ? { constants } : {}) } });
      this.pipelines.set(name, p);
    }
    return p;
  }

  private matmulPipeline(transA: boolean, transB: boolean): GPUComputePipeline {
    return this.pipeline(`matmul${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`, MATMUL_WGSL, 4, [3], { TRANS_A: transA ? 1 : 0, TRANS_B: transB ? 1 : 0 });
  }

  private bufferId(b: GPUBuffer): number {
    let id = this.bufferIds.get(b);
    if (id === undefined) {
      id = this.nextBufferId++;
      this.bufferIds.set(b, id);
    }
    return id;
  }
}
