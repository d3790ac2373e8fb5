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
import { LITTLE_ENDIAN, ST_DTYPE_SIZES, SUPPORTED, SafetensorsError, copySwapped, describe, isPlainObject, quote, type StData, type StFile, type StSupportedDType, type StTensor } from './safetensors-types.js';
import { inspectSafetensors } from './safetensors-header.js';

export { SAFETENSORS_MAX_HEADER_BYTES, ST_DTYPE_SIZES, SafetensorsError } from './safetensors-types.js';
export type { StDType, StSupportedDType, StData, StTensor, StFile, StEntry, StHeader } from './safetensors-types.js';
export { inspectSafetensors } from './safetensors-header.js';

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
