// Reading and checking a safetensors header against its file, before any
// tensor data is trusted (safetensors.ts describes the rules).
// No Node-only imports: this module must bundle for a browser.
import { SAFETENSORS_MAX_HEADER_BYTES, ST_DTYPE_SIZES, SafetensorsError, describe, hasOwn, isPlainObject, quote, setOwn, type StDType, type StEntry, type StHeader } from './safetensors-types.js';

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
