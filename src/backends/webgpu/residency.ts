// What stays on the device between kernel calls, decided on the thread that owns
// the Float32Arrays (the training thread). The device side (device-copies.ts) only
// follows these decisions, so the two never disagree about what is there.
//
// - Parameters (the LSTM weights, and any matmul operand that is a view into a
//   larger buffer, which is how ParamSet stores parameters) are kept on the device
//   under an id. Before each use their values are compared with a host copy of
//   what was uploaded: unchanged (e.g. forward and backward of the same chunk)
//   means no upload, changed (after an optimizer step) means upload again. No
//   call from the training code is needed; `invalidate` forces a re-upload.
// - An LSTM forward keeps its gates and its h/c states on the device for the
//   backward of the same chunk (keyed by its output arrays); its h's also serve
//   as the device copy of that array when the next layer or the decoder reads it.
//   The backward consumes the chunk. A forward whose backward never comes (an
//   evaluation) is dropped when its arrays are garbage-collected or, at the
//   latest, when more than `maxSavedChunks` / `maxSavedBytes` are kept.
//   The engine never writes into those arrays after the forward; code that does
//   must call `invalidate` on them.
import type { LstmDims } from '../backend.js';
import type { FloatArray } from '../../tensor/dtype.js';

export interface ResidencyOptions {
  /** Bytes of parameters kept on the device (least recently used dropped first; default 1 GiB). */
  maxResidentBytes?: number;
  /** LSTM forwards kept for their backward (default 64 chunks, 1 GiB). */
  maxSavedChunks?: number;
  maxSavedBytes?: number;
  /** Smallest array kept resident by the view heuristic, in elements (default 256). */
  minResidentLength?: number;
}

interface Resident {
  id: number;
  shadow: Float32Array;
  bytes: number;
}

interface Saved {
  dims: LstmDims;
  ids: { gates: number; cs: number; hs: number };
  bytes: number;
}

/** The device-side decision for one operand: values to upload (kept on the device under `keepAs` when given), or the id of a device copy. */
export type Operand = { data: Float32Array; keepAs?: number } | { id: number };

export class HostResidency {
  private nextId = 1;
  private readonly ids = new WeakMap<object, number>();
  private readonly residents = new WeakMap<object, Resident>();
  /** resident ids in least-recently-used order (Map keeps insertion order) */
  private readonly residentLru = new Map<number, Resident>();
  private residentBytes = 0;
  /** saved forwards by gates id, oldest first */
  private readonly saved = new Map<number, Saved>();
  /** array id → the saved chunk (gates id) that holds its device copy */
  private readonly views = new Map<number, number>();
  private savedBytes = 0;
  private drops: number[] = [];
  private readonly usedNow = new Set<number>();
  private readonly explicit = new WeakSet<object>();
  private readonly finalizer: FinalizationRegistry<number> | null;
  private readonly maxResidentBytes: number;
  private readonly maxSavedChunks: number;
  private readonly maxSavedBytes: number;
  private readonly minResidentLength: number;

  constructor(opts: ResidencyOptions = {}) {
    this.maxResidentBytes = opts.maxResidentBytes ?? 2 ** 30;
    this.maxSavedChunks = opts.maxSavedChunks ?? 64;
    this.maxSavedBytes = opts.maxSavedBytes ?? 2 ** 30;
    this.minResidentLength = opts.minResidentLength ?? 256;
    this.finalizer = typeof FinalizationRegistry === 'undefined' ? null : new FinalizationRegistry((id: number) => this.forget(id));
  }

  /** The id of an array (stable while it lives). */
  idOf(a: FloatArray): number {
    let id = this.ids.get(a);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(a, id);
      this.finalizer?.register(a, id);
    }
    return id;
  }

  /** Marks an array as a parameter: kept on the device while its values do not change. */
  keepResident(a: FloatArray): void {
    this.explicit.add(a);
  }

  /** Forgets the device copy of `a` (its next use uploads it again). */
  invalidate(a: FloatArray): void {
    const id = this.ids.get(a);
    if (id === undefined) return;
    this.forget(id);
  }

  /** An operand: a parameter when it looks like one, a kept LSTM output, or plain data. */
  operand(a: Float32Array, n: number): Operand {
    const id = this.ids.get(a);
    if (id !== undefined && this.views.has(id)) return this.useView(id);
    const isView = a.byteLength < a.buffer.byteLength && n >= this.minResidentLength;
    if (this.explicit.has(a) || isView || this.residents.has(a)) return this.parameter(a, n);
    return { data: a };
  }

  /** A parameter: its device copy when the values are unchanged, else data kept under its id. */
  parameter(a: Float32Array, n: number): Operand {
    const id = this.idOf(a);
    if (this.views.has(id)) return this.useView(id);
    this.usedNow.add(id);
    let r = this.residents.get(a);
    if (r && r.shadow.length === n && this.residentLru.has(id) && equal(r.shadow, a, n)) {
      this.residentLru.delete(id);
      this.residentLru.set(id, r);
      return { id };
    }
    if (r && this.residentLru.has(id)) this.residentBytes -= r.bytes;
    if (!r || r.shadow.length !== n) {
      r = { id, shadow: new Float32Array(n), bytes: n * 4 };
      this.residents.set(a, r);
    }
    this.residentBytes += r.bytes;
    r.shadow.set(a.subarray(0, n));
    this.residentLru.delete(id);
    this.residentLru.set(id, r);
    return { data: a, keepAs: id };
  }

  /** True when the first n values are all zero (then an accumulating output need not be uploaded). */
  allZero(a: Float32Array, n: number): boolean {
    for (let i = 0; i < n; i++) if (a[i] !== 0) return false;
    return true;
  }

  /** Ids under which the device keeps this forward's outputs. */
  saveForward(gates: Float32Array, cs: Float32Array, hs: Float32Array, dims: LstmDims): { gates: number; cs: number; hs: number } {
    const ids = { gates: this.idOf(gates), cs: this.idOf(cs), hs: this.idOf(hs) };
    this.dropSaved(ids.gates, true);
    const { T, B, H } = dims;
    const bytes = 4 * (T * B * 4 * H + 2 * (T + 1) * B * H);
    this.saved.set(ids.gates, { dims: { ...dims }, ids, bytes });
    this.savedBytes += bytes;
    for (const id of [ids.gates, ids.cs, ids.hs]) {
      this.views.set(id, ids.gates);
      this.usedNow.add(id);
    }
    return ids;
  }

  /** The gates id of the kept forward of this chunk, consumed (null when it is not kept). */
  takeSaved(gates: Float32Array, dims: LstmDims): number | null {
    const id = this.ids.get(gates);
    if (id === undefined) return null;
    const s = this.saved.get(id);
    if (!s || s.dims.T !== dims.T || s.dims.B !== dims.B || s.dims.H !== dims.H || s.dims.D !== dims.D) return null;
    this.dropSaved(id, false);
    return id;
  }

  /** Ids the device should free before the next op (evictions, collected arrays). */
  takeDrops(): number[] {
    // parameters beyond the budget, least recently used first (never one the current op uses)
    for (const [id, r] of this.residentLru) {
      if (this.residentBytes <= this.maxResidentBytes) break;
      if (this.usedNow.has(id)) continue;
      this.residentLru.delete(id);
      this.residentBytes -= r.bytes;
      this.drops.push(id);
    }
    for (const [id] of this.saved) {
      if (this.saved.size <= this.maxSavedChunks && this.savedBytes <= this.maxSavedBytes) break;
      if (this.usedNow.has(id)) continue;
      this.dropSaved(id, true);
    }
    this.usedNow.clear();
    const d = this.drops;
    this.drops = [];
    return d;
  }

  /** Counts, for tests. */
  stats(): { residents: number; residentBytes: number; saved: number; savedBytes: number } {
    return { residents: this.residentLru.size, residentBytes: this.residentBytes, saved: this.saved.size, savedBytes: this.savedBytes };
  }

  private useView(id: number): Operand {
    this.usedNow.add(id);
    this.usedNow.add(this.views.get(id)!);
    return { id };
  }

  private forget(id: number): void {
    const r = this.residentLru.get(id);
    if (r) {
      this.residentLru.delete(id);
      this.residentBytes -= r.bytes;
      this.drops.push(id);
    }
    const chunk = this.views.get(id);
    if (chunk !== undefined) this.dropSaved(chunk, true);
  }

  /** Forgets a kept forward; `tellDevice`: the device must free it too (a backward frees it itself). */
  private dropSaved(gatesId: number, tellDevice: boolean): void {
    const s = this.saved.get(gatesId);
    if (!s) return;
    this.saved.delete(gatesId);
    this.savedBytes -= s.bytes;
    for (const id of [s.ids.gates, s.ids.cs, s.ids.hs]) this.views.delete(id);
    if (tellDevice) this.drops.push(gatesId);
  }
}

function equal(shadow: Float32Array, a: Float32Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (shadow[i] !== a[i]) return false;
  return true;
}
