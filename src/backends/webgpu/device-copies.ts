// What stays on the device between ops, by the ids the host side gives it
// (residency.ts): residents (parameters, kept until their values change) and the
// outputs of an LSTM forward kept for the backward of the same chunk, whose
// gates, c's and h's can also be read as operands (views) meanwhile.
import type { LstmDims } from '../backend.js';
import type { BufferPool, DeviceRef } from './buffer-pool.js';
import type { Input, SaveIds } from './ops.js';

/** A forward's outputs kept on the device; c's and h's with c0 and h0 in front ([T+1, B, H]). */
export interface SavedChunk {
  dims: LstmDims;
  gates: GPUBuffer;
  csExt: GPUBuffer;
  hsExt: GPUBuffer;
  ids: SaveIds;
}

export class DeviceCopies {
  private readonly residents = new Map<number, DeviceRef>();
  private readonly views = new Map<number, DeviceRef>();
  private readonly saved = new Map<number, SavedChunk>();

  constructor(private readonly buffers: BufferPool) {}

  /** An operand on the device: its device copy, or `inp.data` uploaded (and kept when `keepAs`); temporaries go to `temps`. */
  input(inp: Input, length: number, temps: GPUBuffer[]): DeviceRef {
    if ('id' in inp) {
      const r = this.residents.get(inp.id) ?? this.views.get(inp.id);
      if (!r) throw new Error(`WebGPU: no device copy with id ${inp.id}`);
      if (r.length < length) throw new Error(`WebGPU: device copy ${inp.id} has ${r.length} values, ${length} needed`);
      return r;
    }
    if (inp.data.length < length) throw new Error(`WebGPU: operand has ${inp.data.length} values, ${length} needed`);
    const buffer = this.buffers.acquire(length);
    this.buffers.write(buffer, 0, inp.data.subarray(0, length));
    if (inp.keepAs !== undefined) {
      const old = this.residents.get(inp.keepAs);
      if (old) temps.push(old.buffer);
      const ref = { buffer, offset: 0, length };
      this.residents.set(inp.keepAs, ref);
      return ref;
    }
    temps.push(buffer);
    return { buffer, offset: 0, length };
  }

  /** Keeps a forward's outputs under `chunk.ids` (replacing any chunk kept under the same gates id). */
  keep(chunk: SavedChunk): void {
    const { T, B, H } = chunk.dims;
    const BH = B * H, ids = chunk.ids;
    this.dropSaved(ids.gates);
    this.saved.set(ids.gates, chunk);
    this.views.set(ids.gates, { buffer: chunk.gates, offset: 0, length: T * B * 4 * H });
    this.views.set(ids.cs, { buffer: chunk.csExt, offset: BH, length: T * BH });
    this.views.set(ids.hs, { buffer: chunk.hsExt, offset: BH, length: T * BH });
  }

  savedChunk(id: number): SavedChunk | undefined {
    return this.saved.get(id);
  }

  /** Forgets a kept forward; its buffers go to `into` (released once an op is done with them), or back to the pool now. */
  dropSaved(id: number, into?: GPUBuffer[]): void {
    const s = this.saved.get(id);
    if (!s) return;
    this.saved.delete(id);
    for (const v of [s.ids.gates, s.ids.cs, s.ids.hs]) this.views.delete(v);
    if (into) into.push(s.gates, s.csExt, s.hsExt);
    else for (const b of [s.gates, s.csExt, s.hsExt]) this.buffers.release(b);
  }

  /** Frees device copies by id (residents, and forwards kept for a backward). */
  free(ids: number[]): void {
    for (const id of ids) {
      const r = this.residents.get(id);
      if (r) {
        this.residents.delete(id);
        this.buffers.release(r.buffer);
      }
      if (this.saved.has(id)) this.dropSaved(id);
    }
  }

  stats(): { residents: number; saved: number; views: number } {
    return { residents: this.residents.size, saved: this.saved.size, views: this.views.size };
  }
}
