// The device buffers of the WebGPU kernels, created once and reused: storage
// buffers (pooled by size up to a byte budget), staging buffers for reading
// results back, and uniform buffers for the ops' parameter blocks. Also the
// uploads, and the end of every op: copy its outputs to one staging buffer,
// submit, map, copy out, and return its buffers to the pools.

// GPUBufferUsage / GPUMapMode values (the globals do not exist in Node).
const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
const MAP_READ = 0x1;

export const UNIFORM_STRIDE = 256; // minUniformBufferOffsetAlignment's largest allowed value

export function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

/** A range of a device buffer, in f32 elements. */
export interface DeviceRef {
  buffer: GPUBuffer;
  offset: number;
  length: number;
}

/** One output of an op: `length(into)` values from `src` at element `offset`. */
export interface Readback {
  src: GPUBuffer;
  offset: number;
  into: Float32Array;
}

/** Parameter blocks of one op, each at a 256-byte offset of one uniform buffer. */
export class Uniforms {
  private blocks: number[][] = [];
  /** bind groups of this op, by layout and buffers */
  readonly groups = new Map<string, GPUBindGroup>();
  add(values: number[]): number {
    this.blocks.push(values);
    return (this.blocks.length - 1) * UNIFORM_STRIDE;
  }
  get size(): number {
    return this.blocks.length * UNIFORM_STRIDE;
  }
  bytes(): Uint32Array {
    const out = new Uint32Array((this.blocks.length * UNIFORM_STRIDE) / 4);
    this.blocks.forEach((b, i) => out.set(b, (i * UNIFORM_STRIDE) / 4));
    return out;
  }
}

export class BufferPool {
  private readonly storage = new Map<number, GPUBuffer[]>();
  private storageBytes = 0;
  private readonly staging = new Map<number, GPUBuffer[]>();
  private readonly uniforms = new Map<number, GPUBuffer[]>();
  /** a private copy of shared-memory uploads */
  private scratch = new Float32Array(0);

  /** `maxBytes`: idle storage buffers kept before returned ones are destroyed; `lost`: why the device is gone, if it is. */
  constructor(private readonly device: GPUDevice, private readonly maxBytes: number, private readonly lost: () => string | null) {}

  /** A storage buffer of at least `elems` f32. */
  acquire(elems: number): GPUBuffer {
    const size = Math.max(256, roundUp(elems * 4, 256));
    const b = this.storage.get(size)?.pop();
    if (b) {
      this.storageBytes -= size;
      return b;
    }
    return this.device.createBuffer({ size, usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST });
  }

  release(b: GPUBuffer): void {
    if (this.storageBytes + b.size > this.maxBytes) {
      b.destroy();
      return;
    }
    const list = this.storage.get(b.size) ?? [];
    list.push(b);
    this.storage.set(b.size, list);
    this.storageBytes += b.size;
  }

  /** Idle storage buffers (for tests and diagnostics). */
  get idle(): number {
    let n = 0;
    for (const l of this.storage.values()) n += l.length;
    return n;
  }

  /** Queues an upload; shared memory (a SharedArrayBuffer view) goes through a private copy. */
  write(buffer: GPUBuffer, offsetElems: number, data: Float32Array): void {
    if (data.length === 0) return;
    let src = data;
    if (typeof SharedArrayBuffer !== 'undefined' && data.buffer instanceof SharedArrayBuffer) {
      if (this.scratch.length < data.length) this.scratch = new Float32Array(Math.max(data.length, this.scratch.length * 2));
      src = this.scratch.subarray(0, data.length);
      src.set(data);
    }
    this.device.queue.writeBuffer(buffer, offsetElems * 4, src.buffer as ArrayBuffer, src.byteOffset, src.byteLength);
  }

  /** A uniform buffer holding `u`'s blocks. */
  uniformBuffer(u: Uniforms): GPUBuffer {
    const b = this.fromSmallPool(this.uniforms, Math.max(u.size, UNIFORM_STRIDE), USAGE.UNIFORM | USAGE.COPY_DST);
    const bytes = u.bytes();
    if (bytes.length > 0) this.device.queue.writeBuffer(b, 0, bytes.buffer as ArrayBuffer, 0, bytes.byteLength);
    return b;
  }

  /** Encodes copies of the outputs into one staging buffer, submits, maps and copies them out; returns buffers to their pools. */
  async finish(enc: GPUCommandEncoder, outs: Readback[], temps: GPUBuffer[], uniforms: GPUBuffer[]): Promise<void> {
    const lost = this.lost();
    if (lost) throw new Error(lost);
    const total = outs.reduce((n, o) => n + o.into.length, 0);
    const staging = total > 0 ? this.fromSmallPool(this.staging, total * 4, USAGE.MAP_READ | USAGE.COPY_DST) : null;
    let at = 0;
    for (const o of outs) {
      if (o.into.length > 0) enc.copyBufferToBuffer(o.src, o.offset * 4, staging!, at * 4, o.into.length * 4);
      at += o.into.length;
    }
    this.device.queue.submit([enc.finish()]);
    try {
      if (staging) {
        await staging.mapAsync(MAP_READ, 0, total * 4);
        const all = new Float32Array(staging.getMappedRange(0, total * 4));
        at = 0;
        for (const o of outs) {
          o.into.set(all.subarray(at, at + o.into.length));
          at += o.into.length;
        }
        staging.unmap();
      }
    } finally {
      if (staging) this.toSmallPool(this.staging, staging);
      for (const b of uniforms) this.toSmallPool(this.uniforms, b);
      for (const b of temps) this.release(b);
    }
  }

  /** Staging and uniform buffers: power-of-two sizes, a few of each kept. */
  private fromSmallPool(pool: Map<number, GPUBuffer[]>, size: number, usage: number): GPUBuffer {
    size = Math.max(256, 2 ** Math.ceil(Math.log2(size)));
    return pool.get(size)?.pop() ?? this.device.createBuffer({ size, usage });
  }

  private toSmallPool(pool: Map<number, GPUBuffer[]>, b: GPUBuffer): void {
    const list = pool.get(b.size) ?? [];
    if (list.length >= 4) {
      b.destroy();
      return;
    }
    list.push(b);
    pool.set(b.size, list);
  }
}
