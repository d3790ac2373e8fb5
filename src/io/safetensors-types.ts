// The safetensors format's types, limits and the small helpers the reader and
// the writer share (safetensors.ts describes the format and the reader's rules).
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

export const SUPPORTED: readonly StSupportedDType[] = ['F32', 'F64', 'I32'];

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
export function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}...` : s);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${quote(v)}`;
  if (typeof v === 'number') return `the number ${v}`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function hasOwn(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/** Sets o[k] = v as an own property, even for k === "__proto__". */
export function setOwn<T>(o: Record<string, T>, k: string, v: T): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Copies n bytes of src from offset into a fresh buffer, reversing each group of `size` bytes. */
export function copySwapped(src: Uint8Array, offset: number, n: number, size: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += size) {
    for (let j = 0; j < size; j++) out[i + j] = src[offset + i + size - 1 - j]!;
  }
  return out;
}
