// A safetensors reader and writer that treats every file as hostile.
//
// Format (https://github.com/huggingface/safetensors):
//   8 bytes   little-endian u64 N, the header length
//   N bytes   UTF-8 JSON object:
//               { "__metadata__"?: { string: string },
//                 <name>: { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, ... }
//   rest      the byte buffer; offsets are relative to its start
//
// The reader validates everything before it trusts anything: it reads no
// byte outside the file, evaluates nothing, rejects duplicate keys (which
// JSON.parse would silently merge), checks that the declared sizes agree
// with the offsets with arithmetic that cannot overflow, that the tensors
// tile the buffer exactly (no overlap, no hole, no trailing bytes, as the
// reference implementation requires), and only then allocates, never more
// than the file's own size. Every problem is a SafetensorsError naming the
// file, the tensor and what is wrong.
//
// No Node-only imports: this module must bundle for a browser.

/** Every element type of the format whose size is a whole number of bytes. */
export type StDType =
  | 'BOOL' | 'U8' | 'I8' | 'F8_E5M2' | 'F8_E4M3' | 'F8_E8M0'
  | 'I16' | 'U16' | 'F16' | 'BF16'
  | 'I32' | 'U32' | 'F32'
  | 'I64' | 'U64' | 'F64' | 'C64';

/** The element types synthgrad decodes into typed arrays. */
export type StSupportedDType = 'F32' | 'F64' | 'I32';

export type StData = Float32Array | Float64Array | Int32Array;

/** One tensor of a safetensors file: dtype, shape and data. */
export interface StTensor {
  dtype: StSupportedDType;
  shape: number[];
  data: StData;
}

/** A decoded safetensors file. */
export interface StFile {
  /** Tensors in the order of the file's header. */
  tensors: Map<string, StTensor>;
  metadata: Record<string, string>;
}

/** One validated header entry; begin/end are relative to the buffer start. */
export interface StEntry {
  name: string;
  dtype: StDType;
  shape: number[];
  begin: number;
  end: number;
}

export interface StHeader {
  /** Entries in the order of the file's header. */
  entries: StEntry[];
  metadata: Record<string, string>;
  /** Absolute byte offset of the buffer in the file (8 + N). */
  bufferStart: number;
  bufferLength: number;
}

/** The reference implementation's limit on the header length. */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/** Bytes per element of every known dtype. */
export const ST_DTYPE_SIZES: Readonly<Record<StDType, number>> = Object.freeze({
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8, C64: 8,
});

const SUPPORTED: readonly StSupportedDType[] = ['F32', 'F64', 'I32'];

/** A malformed or unsupported safetensors file; the message says where. */
export class SafetensorsError extends Error {
  /** The file name given to the reader ("<bytes>" when none was given). */
  readonly source: string;
  /** The tensor concerned, when there is one. */
  readonly tensor: string | undefined;

  constructor(source: string, tensor: string | undefined, problem: string) {
    super(`safetensors ${source}: ${tensor === undefined ? '' : `tensor ${quote(tensor)}: `}${problem}`);
    this.name = 'SafetensorsError';
    this.source = source;
    this.tensor = tensor;
  }
}

/** A name for messages: JSON-quoted, and cut short if the file made it huge. */
function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}...` : s);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${quote(v)}`;
  if (typeof v === 'number') return `the number ${v}`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasOwn(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/** Sets o[k] = v as an own property, even for k === "__proto__". */
function setOwn<T>(o: Record<string, T>, k: string, v: T): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Copies n bytes of src from offset into a fresh buffer, reversing each group of `size` bytes. */
function copySwapped(src: Uint8Array, offset: number, n: number, size: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += size) {
    for (let j = 0; j < size; j++) out[i + j] = src[offset + i + size - 1 - j]!;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Helpers to build tensors

function makeTensor<D extends StSupportedDType>(
  dtype: D, shape: readonly number[], data: StData | ArrayLike<number> | undefined,
): StTensor {
  const n = checkShapeForWrite(`tensor${dtype}`, undefined, shape);
  const Ctor = dtype === 'F32' ? Float32Array : dtype === 'F64' ? Float64Array : Int32Array;
  let arr: StData;
  if (data === undefined) arr = new Ctor(n);
  else if (data instanceof Ctor) arr = data;
  else arr = Ctor.from(data as ArrayLike<number>);
  if (arr.length !== n) {
    throw new SafetensorsError(`tensor${dtype}`, undefined,
      `shape [${shape.join(', ')}] has ${n} elements but the data has ${arr.length}`);
  }
  return { dtype, shape: shape.slice(), data: arr };
}

/** A F32 tensor; data defaults to zeros, a Float32Array is used as is, anything else is copied. */
export function tensorF32(shape: readonly number[], data?: Float32Array | ArrayLike<number>): StTensor {
  return makeTensor('F32', shape, data);
}
/** A F64 tensor; data defaults to zeros, a Float64Array is used as is, anything else is copied. */
export function tensorF64(shape: readonly number[], data?: Float64Array | ArrayLike<number>): StTensor {
  return makeTensor('F64', shape, data);
}
/** An I32 tensor; data defaults to zeros, an Int32Array is used as is, anything else is copied. */
export function tensorI32(shape: readonly number[], data?: Int32Array | ArrayLike<number>): StTensor {
  return makeTensor('I32', shape, data);
}

// ---------------------------------------------------------------------------
// Writer

function checkShapeForWrite(source: string, name: string | undefined, shape: unknown): number {
  if (!Array.isArray(shape)) {
    throw new SafetensorsError(source, name, `shape must be an array, got ${describe(shape)}`);
  }
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new SafetensorsError(source, name,
        `shape entries must be non-negative safe integers, got ${describe(d)}`);
    }
    n *= d;
  }
  if (!Number.isSafeInteger(n)) {
    throw new SafetensorsError(source, name, `shape [${shape.join(', ')}] has too many elements`);
  }
  return n;
}

/**
 * Encodes tensors (in the given order; for a Record, JavaScript's key order,
 * which puts integer-like names first) and optional metadata (written with
 * sorted keys, omitted when empty). The same input gives the same bytes.
 */
export function encodeSafetensors(
  tensors: Iterable<[string, StTensor]> | Record<string, StTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const W = '<writer>';
  let list: [string, StTensor][];
  if (tensors !== null && typeof tensors === 'object'
    && typeof (tensors as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function') {
    list = Array.from(tensors as Iterable<[string, StTensor]>);
  } else if (isPlainObject(tensors)) {
    list = Object.keys(tensors).map((k) => [k, (tensors as Record<string, StTensor>)[k]!]);
  } else {
    throw new SafetensorsError(W, undefined, `tensors must be an iterable of [name, tensor] or a record, got ${describe(tensors)}`);
  }

  const parts: string[] = [];
  if (metadata !== undefined && metadata !== null) {
    if (!isPlainObject(metadata)) {
      throw new SafetensorsError(W, undefined, `metadata must be an object, got ${describe(metadata)}`);
    }
    const keys = Object.keys(metadata).sort();
    const items: string[] = [];
    for (const k of keys) {
      const v = (metadata as Record<string, unknown>)[k];
      if (typeof v !== 'string') {
        throw new SafetensorsError(W, undefined, `metadata value of ${quote(k)} must be a string, got ${describe(v)}`);
      }
      items.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
    }
    if (items.length > 0) parts.push(`"__metadata__":{${items.join(',')}}`);
  }

  const seen = new Set<string>();
  const chunks: { data: StData; offset: number; size: number }[] = [];
  let offset = 0;
  for (const item of list) {
    if (!Array.isArray(item) || item.length !== 2) {
      throw new SafetensorsError(W, undefined, `each item must be a [name, tensor] pair, got ${describe(item)}`);
    }
    const [name, t] = item;
    if (typeof name !== 'string') {
      throw new SafetensorsError(W, undefined, `tensor names must be strings, got ${describe(name)}`);
    }
    if (name === '__metadata__') throw new SafetensorsError(W, name, 'this name is reserved for the metadata');
    if (seen.has(name)) throw new SafetensorsError(W, name, 'duplicate tensor name');
    seen.add(name);
    if (!isPlainObject(t)) throw new SafetensorsError(W, name, `expected a tensor object, got ${describe(t)}`);
    const { dtype, shape, data } = t;
    const Ctor = dtype === 'F32' ? Float32Array : dtype === 'F64' ? Float64Array : dtype === 'I32' ? Int32Array : undefined;
    if (Ctor === undefined) {
      throw new SafetensorsError(W, name, `dtype must be one of ${SUPPORTED.join(', ')}, got ${describe(dtype)}`);
    }
    if (!(data instanceof Ctor)) {
      throw new SafetensorsError(W, name, `dtype ${dtype} needs a ${Ctor.name}, got ${describe(data)}${
        isPlainObject(data) ? ` (${(data as object).constructor?.name ?? 'no constructor'})` : ''}`);
    }
    const n = checkShapeForWrite(W, name, shape);
    if (n !== data.length) {
      throw new SafetensorsError(W, name, `shape [${shape.join(', ')}] has ${n} elements but the data has ${data.length}`);
    }
    const size = data.byteLength;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${dtype}","shape":[${shape.map((d) => d + 0).join(',')}],"data_offsets":[${offset},${offset + size}]}`);
    chunks.push({ data, offset, size });
    offset += size;
  }

  const header = new TextEncoder().encode(`{${parts.join(',')}}`);
  const n = header.length + ((8 - (header.length % 8)) % 8);
  const start = 8 + n;
  const out = new Uint8Array(start + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, n % 0x1_0000_0000, true);
  view.setUint32(4, Math.floor(n / 0x1_0000_0000), true);
  out.set(header, 8);
  out.fill(0x20, 8 + header.length, start);
  for (const { data, offset: off, size } of chunks) {
    const raw = new Uint8Array(data.buffer, data.byteOffset, size);
    out.set(LITTLE_ENDIAN ? raw : copySwapped(raw, 0, size, data.BYTES_PER_ELEMENT), start + off);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Reader

/**
 * Walks a string that JSON.parse has already accepted and returns the keys
 * of the top-level object in textual order, throwing on a duplicate key in
 * any object at any depth. Iterative, so deep nesting cannot overflow the stack.
 */
function scanKeys(text: string, source: string): string[] {
  const top: string[] = [];
  const stack: (Set<string> | null)[] = [];
  let topKey: string | undefined; // the top-level key whose value we are in
  let i = 0;
  const len = text.length;
  while (i < len) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      i++;
      for (; ;) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) { escaped = true; i += 2; continue; }
        if (d === 0x22) break;
        i++;
      }
      const end = i; // index of the closing quote
      i++;
      let j = i;
      while (j < len) {
        const w = text.charCodeAt(j);
        if (w === 0x20 || w === 0x09 || w === 0x0a || w === 0x0d) j++;
        else break;
      }
      if (text.charCodeAt(j) === 0x3a /* : */) {
        const key = escaped ? (JSON.parse(text.slice(start, end + 1)) as string) : text.slice(start + 1, end);
        const keys = stack[stack.length - 1];
        if (keys) {
          if (keys.has(key)) {
            if (stack.length === 1) {
              throw new SafetensorsError(source, key === '__metadata__' ? undefined : key,
                key === '__metadata__' ? 'duplicate "__metadata__" in the header' : 'duplicate tensor name in the header');
            }
            const where = topKey === '__metadata__' ? undefined : topKey;
            throw new SafetensorsError(source, where,
              `duplicate key ${quote(key)}${topKey === '__metadata__' ? ' in "__metadata__"' : ''}`);
          }
          keys.add(key);
        }
        if (stack.length === 1) {
          top.push(key);
          topKey = key;
        }
        i = j + 1;
      }
      continue;
    }
    if (c === 0x7b /* { */) stack.push(new Set());
    else if (c === 0x5b /* [ */) stack.push(null);
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) stack.pop();
    i++;
  }
  return top;
}

function readJsonHeader(bytes: Uint8Array, source: string): { obj: Record<string, unknown>; keys: string[]; n: number } {
  if (!(bytes instanceof Uint8Array)) {
    throw new SafetensorsError(source, undefined, `expected the file's bytes as a Uint8Array, got ${describe(bytes)}`);
  }
  if (bytes.length < 8) {
    throw new SafetensorsError(source, undefined, `file is ${bytes.length} bytes long, shorter than the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  if (hi !== 0 || lo > SAFETENSORS_MAX_HEADER_BYTES) {
    const n = (BigInt(hi) << 32n) | BigInt(lo);
    throw new SafetensorsError(source, undefined,
      `declared header length ${n} exceeds the limit of ${SAFETENSORS_MAX_HEADER_BYTES} bytes`);
  }
  const n = lo;
  if (8 + n > bytes.length) {
    throw new SafetensorsError(source, undefined,
      `declared header length ${n} runs past the end of the file (${bytes.length} bytes, so at most ${bytes.length - 8})`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw new SafetensorsError(source, undefined, 'header is not valid UTF-8');
  }
  if (text.charCodeAt(0) !== 0x7b /* { */) {
    throw new SafetensorsError(source, undefined,
      n === 0 ? 'header is empty' : 'header does not start with "{" (it must be a JSON object)');
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(source, undefined, `header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(obj)) {
    throw new SafetensorsError(source, undefined, `header must be a JSON object, got ${describe(obj)}`);
  }
  const keys = scanKeys(text, source);
  return { obj, keys, n };
}

function readMetadata(v: unknown, source: string): Record<string, string> {
  const meta: Record<string, string> = {};
  if (v === null) return meta; // the reference reader accepts null as "no metadata"
  if (!isPlainObject(v)) {
    throw new SafetensorsError(source, undefined, `"__metadata__" must be an object of strings, got ${describe(v)}`);
  }
  for (const k of Object.keys(v)) {
    const s = v[k];
    if (typeof s !== 'string') {
      throw new SafetensorsError(source, undefined, `"__metadata__" value of ${quote(k)} must be a string, got ${describe(s)}`);
    }
    setOwn(meta, k, s);
  }
  return meta;
}

const ENTRY_FIELDS = ['dtype', 'shape', 'data_offsets'];

function readEntry(name: string, v: unknown, bufferLength: number, source: string): StEntry {
  const fail = (problem: string): never => { throw new SafetensorsError(source, name, problem); };
  if (!isPlainObject(v)) return fail(`entry must be an object, got ${describe(v)}`);
  for (const k of Object.keys(v)) {
    if (!ENTRY_FIELDS.includes(k)) fail(`unexpected field ${quote(k)} (allowed: dtype, shape, data_offsets)`);
  }
  for (const k of ENTRY_FIELDS) if (!hasOwn(v, k)) fail(`missing field "${k}"`);

  const dtype = v.dtype;
  if (typeof dtype !== 'string' || !hasOwn(ST_DTYPE_SIZES, dtype)) {
    return fail(`unknown dtype ${describe(dtype)} (known: ${Object.keys(ST_DTYPE_SIZES).join(', ')})`);
  }
  const itemSize = ST_DTYPE_SIZES[dtype as StDType];

  const shapeIn = v.shape;
  if (!Array.isArray(shapeIn)) return fail(`"shape" must be an array, got ${describe(shapeIn)}`);
  const shape: number[] = [];
  for (const d of shapeIn) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      fail(`"shape" entries must be non-negative integers, got ${describe(d)}`);
    }
    shape.push((d as number) + 0); // + 0 turns -0 into 0
  }

  const offs = v.data_offsets;
  if (!Array.isArray(offs) || offs.length !== 2) {
    return fail(`"data_offsets" must be an array [begin, end], got ${describe(offs)}`);
  }
  for (const o of offs) {
    if (typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0) {
      fail(`"data_offsets" entries must be non-negative integers, got ${describe(o)}`);
    }
  }
  const begin = (offs[0] as number) + 0;
  const end = (offs[1] as number) + 0;
  if (begin > end) fail(`"data_offsets" [${begin}, ${end}] has begin after end`);
  if (end > bufferLength) fail(`"data_offsets" [${begin}, ${end}] run past the end of the ${bufferLength}-byte buffer`);

  // Byte size of the shape, without overflow: every partial product is
  // compared against what the buffer could hold, so it stays below 2^53.
  let nbytes = itemSize;
  if (shape.includes(0)) nbytes = 0;
  else {
    for (const d of shape) {
      nbytes *= d;
      if (nbytes > bufferLength) {
        fail(`shape [${shape.join(', ')}] of ${dtype} needs more bytes than the whole ${bufferLength}-byte buffer`);
      }
    }
  }
  if (nbytes !== end - begin) {
    fail(`shape [${shape.join(', ')}] of ${dtype} needs ${nbytes} bytes but "data_offsets" [${begin}, ${end}] span ${end - begin}`);
  }
  return { name, dtype: dtype as StDType, shape, begin, end };
}

/**
 * Validates a safetensors file's header against the file without decoding
 * any tensor data (every known dtype is accepted here).
 */
export function inspectSafetensors(bytes: Uint8Array, source = '<bytes>'): StHeader {
  const { obj, keys, n } = readJsonHeader(bytes, source);
  const bufferStart = 8 + n;
  const bufferLength = bytes.length - bufferStart;
  let metadata: Record<string, string> = {};
  const entries: StEntry[] = [];
  for (const k of keys) {
    if (k === '__metadata__') metadata = readMetadata(obj[k], source);
    else entries.push(readEntry(k, obj[k], bufferLength, source));
  }

  // The tensors must tile the buffer exactly: sorted by offsets, each begins
  // where the previous ended, the first at 0 and the last at the end.
  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: StEntry | undefined;
  for (const e of sorted) {
    if (e.begin < pos) {
      throw new SafetensorsError(source, e.name,
        `"data_offsets" [${e.begin}, ${e.end}] overlap tensor ${quote(prev!.name)} [${prev!.begin}, ${prev!.end}]`);
    }
    if (e.begin > pos) {
      throw new SafetensorsError(source, e.name,
        `"data_offsets" [${e.begin}, ${e.end}] leave a hole at bytes [${pos}, ${e.begin}) of the buffer`);
    }
    pos = e.end;
    prev = e;
  }
  if (pos !== bufferLength) {
    throw new SafetensorsError(source, undefined,
      `the tensors cover ${pos} bytes of the ${bufferLength}-byte buffer; bytes [${pos}, ${bufferLength}) belong to no tensor`);
  }
  return { entries, metadata, bufferStart, bufferLength };
}

/**
 * Decodes a safetensors file. Everything is validated before any tensor is
 * allocated; data are copied into fresh, aligned typed arrays (native byte
 * order, bit-exact, NaN payloads included). Tensors of a valid file whose
 * dtype is not F32, F64 or I32 are rejected.
 */
export function decodeSafetensors(bytes: Uint8Array, source = '<bytes>'): StFile {
  const header = inspectSafetensors(bytes, source);
  for (const e of header.entries) {
    if (!(SUPPORTED as readonly string[]).includes(e.dtype)) {
      throw new SafetensorsError(source, e.name, `dtype ${e.dtype} is not supported (supported: ${SUPPORTED.join(', ')})`);
    }
  }
  const tensors = new Map<string, StTensor>();
  for (const e of header.entries) {
    const off = header.bufferStart + e.begin;
    const size = e.end - e.begin;
    const itemSize = ST_DTYPE_SIZES[e.dtype];
    let raw: Uint8Array;
    if (LITTLE_ENDIAN) {
      // Not bytes.slice: on a Node Buffer that is a view, not a copy.
      raw = new Uint8Array(size);
      raw.set(bytes.subarray(off, off + size));
    } else raw = copySwapped(bytes, off, size, itemSize);
    const count = size / itemSize;
    const data = e.dtype === 'F32' ? new Float32Array(raw.buffer, 0, count)
      : e.dtype === 'F64' ? new Float64Array(raw.buffer, 0, count)
        : new Int32Array(raw.buffer, 0, count);
    tensors.set(e.name, { dtype: e.dtype as StSupportedDType, shape: e.shape, data });
  }
  return { tensors, metadata: header.metadata };
}
