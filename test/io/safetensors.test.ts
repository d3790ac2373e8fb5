import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeSafetensors, encodeSafetensors, inspectSafetensors, SafetensorsError, ST_DTYPE_SIZES,
  tensorF32, tensorF64, tensorI32, type StFile, type StTensor,
} from '../../src/io/safetensors.js';

// Runs per property; the whole file stays within a few seconds.
const RUNS = 300;

const enc = new TextEncoder();

/** Builds a file by hand from the format definition: u64 LE length, header text, buffer. */
function rawFile(header: string, buffer: ArrayLike<number> = [], declaredLength?: bigint): Uint8Array {
  const h = enc.encode(header);
  const out = new Uint8Array(8 + h.length + buffer.length);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(Array.from(buffer), 8 + h.length);
  return out;
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** decode must either succeed with a self-consistent result or throw SafetensorsError. */
function decodeOrReject(bytes: Uint8Array): StFile | SafetensorsError {
  let f: StFile;
  try {
    f = decodeSafetensors(bytes, 'fuzz.safetensors');
  } catch (e) {
    if (!(e instanceof SafetensorsError)) throw e;
    expect(e.message).toContain('fuzz.safetensors');
    return e;
  }
  let total = 0;
  for (const [, t] of f.tensors) {
    const Ctor = { F32: Float32Array, F64: Float64Array, I32: Int32Array }[t.dtype];
    expect(t.data).toBeInstanceOf(Ctor);
    for (const d of t.shape) expect(Number.isSafeInteger(d) && d >= 0).toBe(true);
    expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
    total += t.data.byteLength;
  }
  expect(total).toBeLessThanOrEqual(bytes.length);
  for (const v of Object.values(f.metadata)) expect(typeof v).toBe('string');
  return f;
}

function expectError(bytes: Uint8Array, ...fragments: string[]): SafetensorsError {
  let err: unknown;
  try {
    decodeSafetensors(bytes, 'bad.safetensors');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(SafetensorsError);
  const msg = (err as Error).message;
  expect(msg).toContain('bad.safetensors');
  for (const f of fragments) expect(msg).toContain(f);
  return err as SafetensorsError;
}

// ---------------------------------------------------------------------------
// Arbitraries

const dtypeArb = fc.constantFrom<StTensor['dtype']>('F32', 'F64', 'I32');
const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 4 });

/** A tensor whose data are arbitrary bit patterns (every NaN payload, -0, ±Inf). */
const tensorArb: fc.Arbitrary<StTensor> = fc.tuple(dtypeArb, shapeArb).chain(([dtype, shape]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const words = dtype === 'F64' ? 2 * n : n;
  return fc.array(fc.oneof(
    fc.integer({ min: 0, max: 0xffff_ffff }),
    // -0, +Inf, -Inf, a quiet NaN, a signalling NaN (as f32 words)
    fc.constantFrom(0x8000_0000, 0x7f80_0000, 0xff80_0000, 0x7fc0_0000, 0x7f80_0001),
  ), { minLength: words, maxLength: words }).map((ws) => {
    const u = Uint32Array.from(ws);
    const data = dtype === 'F32' ? new Float32Array(u.buffer) : dtype === 'F64' ? new Float64Array(u.buffer) : new Int32Array(u.buffer);
    return { dtype, shape, data };
  });
});

const nameArb = fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => s !== '__metadata__');
const tensorsArb = fc.uniqueArray(fc.tuple(nameArb, tensorArb), { selector: ([n]) => n, maxLength: 6 });
const metadataArb = fc.option(fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 16 }), { maxKeys: 4 }), { nil: undefined });

const validFileArb = fc.tuple(tensorsArb, metadataArb).map(([ts, md]) => encodeSafetensors(ts, md));

// ---------------------------------------------------------------------------

describe('safetensors round trip', () => {
  it('preserves names, order, dtypes, shapes, bits and metadata', () => {
    fc.assert(fc.property(tensorsArb, metadataArb, (ts, md) => {
      const bytes = encodeSafetensors(ts, md);
      expect(bytes.length % 8 === 0 || ts.length > 0).toBe(true);
      const f = decodeSafetensors(bytes, 'rt.safetensors');
      expect([...f.tensors.keys()]).toEqual(ts.map(([n]) => n));
      for (const [name, t] of ts) {
        const g = f.tensors.get(name)!;
        expect(g.dtype).toBe(t.dtype);
        expect(g.shape).toEqual(t.shape);
        expect(g.data.constructor).toBe(t.data.constructor);
        expect(bytesOf(g.data)).toEqual(bytesOf(t.data));
        expect(g.data.byteOffset % g.data.BYTES_PER_ELEMENT).toBe(0);
      }
      const sortEntries = (o: Record<string, string> | undefined) => Object.entries(o ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      expect(sortEntries(f.metadata)).toEqual(sortEntries(md));
      // deterministic, and stable under re-encoding
      expect(encodeSafetensors(ts, md)).toEqual(bytes);
      expect(encodeSafetensors(f.tensors, f.metadata)).toEqual(bytes);
    }), { numRuns: RUNS });
  });

  it('writes a header padded with spaces so the buffer starts on an 8-byte boundary', () => {
    fc.assert(fc.property(tensorsArb, metadataArb, (ts, md) => {
      const bytes = encodeSafetensors(ts, md);
      const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      expect(n % 8).toBe(0);
      const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
      expect(header.startsWith('{')).toBe(true);
      expect(header.trimEnd().endsWith('}')).toBe(true);
      expect(/^ *$/.test(header.slice(header.trimEnd().length))).toBe(true);
    }), { numRuns: 100 });
  });

  it('reads tensors at unaligned offsets into aligned arrays', () => {
    // 1 F32 (4 bytes) then a F64 at buffer offset 4, after a header of odd length.
    const f64 = new Float64Array([Math.PI, -0]);
    let header = `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F64","shape":[2],"data_offsets":[4,20]}}`;
    if (enc.encode(header).length % 2 === 0) header += ' ';
    expect(enc.encode(header).length % 2).toBe(1);
    const f = decodeSafetensors(rawFile(header, [...bytesOf(new Float32Array([1.5])), ...bytesOf(f64)]));
    expect(Array.from(f.tensors.get('a')!.data)).toEqual([1.5]);
    const b = f.tensors.get('b')!.data;
    expect(b).toBeInstanceOf(Float64Array);
    expect(b[0]).toBe(Math.PI);
    expect(Object.is(b[1], -0)).toBe(true);
  });

  it('decodes from a view into a larger buffer (e.g. a pooled Node Buffer)', () => {
    const bytes = encodeSafetensors([['a', tensorF32([3], [1, 2, 3])], ['b', tensorF64([1], [4])]]);
    const big = Buffer.alloc(bytes.length + 13, 0xee);
    big.set(bytes, 5);
    const view = big.subarray(5, 5 + bytes.length);
    const f = decodeSafetensors(view);
    expect(f.tensors.get('a')!.data).toEqual(new Float32Array([1, 2, 3]));
    expect(f.tensors.get('a')!.data.buffer.byteLength).toBe(12);
    expect(f.tensors.get('b')!.data).toEqual(new Float64Array([4]));
    // and the result does not alias the input
    view.fill(0);
    expect(f.tensors.get('a')!.data[2]).toBe(3);
  });

  it('accepts a Record, Map, or iterable and the tensorX helpers', () => {
    const a = tensorF32([2], [1, 2]);
    const b = tensorI32([1, 1], [7]);
    const c = tensorF64([0, 3]);
    const fromRecord = encodeSafetensors({ a, b, c });
    const fromMap = encodeSafetensors(new Map([['a', a], ['b', b], ['c', c]]));
    expect(fromMap).toEqual(fromRecord);
    const f = decodeSafetensors(fromRecord);
    expect(f.tensors.get('c')!.shape).toEqual([0, 3]);
    expect(f.tensors.get('c')!.data.length).toBe(0);
    expect(() => tensorF32([2, 2], [1, 2, 3])).toThrow(SafetensorsError);
  });

  it('keeps the header order of names that look like integers', () => {
    const bytes = encodeSafetensors([['b', tensorF32([1])], ['10', tensorF32([1])], ['2', tensorF32([1])]]);
    expect([...decodeSafetensors(bytes).tensors.keys()]).toEqual(['b', '10', '2']);
  });

  it('keeps "__proto__" as an ordinary name and metadata key', () => {
    const md: Record<string, string> = {};
    Object.defineProperty(md, '__proto__', { value: 'p', enumerable: true });
    const bytes = encodeSafetensors([['__proto__', tensorF32([1], [3])]], md);
    const f = decodeSafetensors(bytes);
    expect(f.tensors.get('__proto__')!.data[0]).toBe(3);
    expect(Object.getOwnPropertyDescriptor(f.metadata, '__proto__')?.value).toBe('p');
    expect(Object.getPrototypeOf(f.metadata)).toBe(Object.prototype);
  });

  it('rejects bad writer input with SafetensorsError', () => {
    const t = tensorF32([2], [1, 2]);
    expect(() => encodeSafetensors([['x', t], ['x', t]])).toThrow(/duplicate/);
    expect(() => encodeSafetensors([['__metadata__', t]])).toThrow(/reserved/);
    expect(() => encodeSafetensors([['x', { ...t, shape: [3] }]])).toThrow(SafetensorsError);
    expect(() => encodeSafetensors([['x', { ...t, shape: [-2] }]])).toThrow(SafetensorsError);
    expect(() => encodeSafetensors([['x', { ...t, dtype: 'F64' }]])).toThrow(/Float64Array/);
    expect(() => encodeSafetensors([['x', { ...t, dtype: 'F16' as 'F32' }]])).toThrow(SafetensorsError);
    expect(() => encodeSafetensors([['x', t]], { k: 3 as unknown as string })).toThrow(/string/);
  });
});

describe('safetensors golden bytes', () => {
  // Built by hand from the format definition, not with the encoder.
  // Header text of 138 bytes + 6 spaces of padding = 144 = 0x90.
  const headerText = '{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
    + '"i":{"dtype":"I32","shape":[],"data_offsets":[8,12]}}';
  const golden = new Uint8Array([
    0x90, 0, 0, 0, 0, 0, 0, 0, // header length 144, little-endian u64
    ...Array.from(headerText, (c) => c.charCodeAt(0)),
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x00, 0x00, 0x80, 0x3f, // 1.0f
    0x00, 0x00, 0x00, 0xc0, // -2.0f
    0xfe, 0xff, 0xff, 0xff, // int32 -2
  ]);

  it('has the header length it claims', () => {
    expect(headerText.length).toBe(138);
    expect(golden.length).toBe(8 + 144 + 12);
  });

  it('is what the encoder writes', () => {
    const bytes = encodeSafetensors(
      [['w', tensorF32([2], [1, -2])], ['i', tensorI32([], [-2])]], { format: 'pt' });
    expect(bytes).toEqual(golden);
  });

  it('decodes to the hand-built tensors', () => {
    const f = decodeSafetensors(golden, 'golden.safetensors');
    expect(f.metadata).toEqual({ format: 'pt' });
    expect([...f.tensors.keys()]).toEqual(['w', 'i']);
    expect(f.tensors.get('w')).toEqual({ dtype: 'F32', shape: [2], data: new Float32Array([1, -2]) });
    expect(f.tensors.get('i')).toEqual({ dtype: 'I32', shape: [], data: new Int32Array([-2]) });
  });

  it('decodes a differently formatted header (whitespace, field order, metadata last)', () => {
    const header = '{ "i" : {"data_offsets":[8,12], "shape":[ ], "dtype":"I32"},\n\t"w":{"shape":[2],"dtype":"F32","data_offsets":[0,8]},'
      + '"__metadata__":{"format":"pt"} }   ';
    const f = decodeSafetensors(rawFile(header, golden.subarray(8 + 144)));
    expect(Array.from(f.tensors.get('w')!.data)).toEqual([1, -2]);
    expect(Array.from(f.tensors.get('i')!.data)).toEqual([-2]);
    expect(f.metadata).toEqual({ format: 'pt' });
  });

  it('inspects files with dtypes it does not decode, then refuses to decode them', () => {
    const file = rawFile('{"h":{"dtype":"BF16","shape":[3],"data_offsets":[0,6]}}', [0, 0x3f, 0, 0x40, 0, 0]);
    const h = inspectSafetensors(file, 'half.safetensors');
    expect(h.entries).toEqual([{ name: 'h', dtype: 'BF16', shape: [3], begin: 0, end: 6 }]);
    expectError(file, '"h"', 'BF16', 'not supported');
  });

  it('accepts an empty file and a null __metadata__', () => {
    expect(decodeSafetensors(rawFile('{}')).tensors.size).toBe(0);
    expect(decodeSafetensors(rawFile('{"__metadata__":null}')).metadata).toEqual({});
    expect(decodeSafetensors(encodeSafetensors([]))).toEqual({ tensors: new Map(), metadata: {} });
  });
});

describe('safetensors rejects malformed files with a precise message', () => {
  const t = (entry: string, name = 'x') => `{"${name}":${entry}}`;
  const cases: [string, Uint8Array, string[]][] = [
    ['too short', new Uint8Array(5), ['5 bytes', 'shorter']],
    ['header length 2^63', rawFile('{}', [], 2n ** 63n), ['9223372036854775808', 'limit']],
    ['header length over 100 MB', rawFile('{}', [], 100_000_001n), ['100000001']],
    ['header length past the end', rawFile('{}', [], 3n), ['runs past the end']],
    ['empty header', rawFile(''), ['empty']],
    ['not UTF-8', (() => { const b = rawFile('{"\u00e9":1}'); b[10] = 0xff; return b; })(), ['UTF-8']],
    ['UTF-8 BOM', rawFile('\ufeff{}'), ['start with']],
    ['not JSON', rawFile('{nope}'), ['not valid JSON']],
    ['JSON array', rawFile('[1,2]'), ['start with']],
    ['JSON string', rawFile('"{}"'), ['start with']],
    ['metadata not an object', rawFile('{"__metadata__":[]}'), ['"__metadata__"', 'an array']],
    ['metadata value not a string', rawFile('{"__metadata__":{"k":1}}'), ['"k"', 'must be a string']],
    ['entry not an object', rawFile(t('3')), ['"x"', 'must be an object']],
    ['extra field', rawFile(t('{"dtype":"F32","shape":[],"data_offsets":[0,4],"evil":1}'), [0, 0, 0, 0]), ['"x"', 'unexpected field "evil"']],
    ['missing field', rawFile(t('{"dtype":"F32","shape":[]}')), ['"x"', 'missing field "data_offsets"']],
    ['unknown dtype', rawFile(t('{"dtype":"F128","shape":[],"data_offsets":[0,4]}'), [0, 0, 0, 0]), ['"x"', 'unknown dtype', 'F128']],
    ['dtype not a string', rawFile(t('{"dtype":4,"shape":[],"data_offsets":[0,4]}'), [0, 0, 0, 0]), ['unknown dtype']],
    ['dtype from the prototype', rawFile(t('{"dtype":"toString","shape":[],"data_offsets":[0,4]}'), [0, 0, 0, 0]), ['unknown dtype']],
    ['negative dim', rawFile(t('{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}'), [0, 0, 0, 0]), ['"shape"', '-1']],
    ['fractional dim', rawFile(t('{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}'), [0, 0, 0, 0]), ['1.5']],
    ['huge dim', rawFile(t('{"dtype":"F32","shape":[1e300],"data_offsets":[0,4]}'), [0, 0, 0, 0]), ['"shape"']],
    ['shape not an array', rawFile(t('{"dtype":"F32","shape":"2","data_offsets":[0,4]}'), [0, 0, 0, 0]), ['"shape" must be an array']],
    ['huge shape', rawFile(t('{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,4]}'), [0, 0, 0, 0]), ['more bytes than']],
    ['size mismatch', rawFile(t('{"dtype":"F64","shape":[1],"data_offsets":[0,4]}'), new Array(8).fill(0)), ['needs 8 bytes', 'span 4']],
    ['offsets reversed', rawFile(t('{"dtype":"F32","shape":[0],"data_offsets":[4,0]}'), [0, 0, 0, 0]), ['begin after end']],
    ['offsets not a pair', rawFile(t('{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}'), [0, 0, 0, 0]), ['[begin, end]']],
    ['offset negative', rawFile(t('{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}'), [0, 0, 0, 0]), ['non-negative']],
    ['offsets past the end', rawFile(t('{"dtype":"F32","shape":[2],"data_offsets":[0,8]}'), [0, 0, 0, 0]), ['past the end']],
    ['offset 2^60', rawFile(t('{"dtype":"F32","shape":[1],"data_offsets":[1152921504606846976,1152921504606846980]}'), [0, 0, 0, 0]), ['"data_offsets"']],
    ['overlap', rawFile('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', new Array(8).fill(0)), ['"b"', 'overlap', '"a"']],
    ['hole', rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}', new Array(12).fill(0)), ['"b"', 'hole', '[4, 8)']],
    ['hole at the start', rawFile(t('{"dtype":"F32","shape":[1],"data_offsets":[4,8]}'), new Array(8).fill(0)), ['hole']],
    ['trailing bytes', rawFile(t('{"dtype":"F32","shape":[1],"data_offsets":[0,4]}'), new Array(5).fill(0)), ['belong to no tensor']],
    ['buffer without tensors', rawFile('{}', [1]), ['belong to no tensor']],
    ['duplicate tensor', rawFile('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', [0, 0, 0, 0]), ['"x"', 'duplicate tensor name']],
    ['duplicate through an escape', rawFile('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"\\u0078":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', [0, 0, 0, 0]), ['duplicate']],
    ['duplicate field', rawFile(t('{"dtype":"F64","dtype":"F32","shape":[1],"data_offsets":[0,4]}'), [0, 0, 0, 0]), ['"x"', 'duplicate key "dtype"']],
    ['duplicate metadata', rawFile('{"__metadata__":{"a":"1","a":"2"}}'), ['duplicate key "a"', '__metadata__']],
    ['duplicate __metadata__', rawFile('{"__metadata__":{},"__metadata__":{}}'), ['duplicate "__metadata__"']],
  ];
  for (const [what, bytes, fragments] of cases) {
    it(what, () => { expectError(bytes, ...fragments); });
  }

  it('accepts huge dims next to a zero dim (zero elements)', () => {
    const f = decodeSafetensors(rawFile(t('{"dtype":"F32","shape":[0,9007199254740991,9007199254740991],"data_offsets":[0,0]}')));
    expect(f.tensors.get('x')!.data.length).toBe(0);
  });

  it('cuts absurdly long names short in messages', () => {
    const long = 'n'.repeat(100_000);
    const e = expectError(rawFile(`{"${long}":1}`), 'must be an object');
    expect(e.message.length).toBeLessThan(300);
    expect(e.tensor).toBe(long);
  });

  it('survives deeply nested JSON without a stack overflow', () => {
    const depth = 200_000;
    const header = `{"__metadata__":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    let err: unknown;
    try { decodeSafetensors(rawFile(header)); } catch (e) { err = e; }
    // Either V8's JSON.parse refuses the depth (a RangeError we must wrap) or we reject the metadata.
    expect(err).toBeInstanceOf(SafetensorsError);
  });

  it('rejects a non-Uint8Array input', () => {
    expect(() => decodeSafetensors([1, 2, 3] as unknown as Uint8Array)).toThrow(SafetensorsError);
  });
});

describe('safetensors fuzzing: decode succeeds consistently or throws SafetensorsError', () => {
  it('rejects every truncation of a valid file', () => {
    fc.assert(fc.property(validFileArb, (bytes) => {
      for (let cut = 0; cut < bytes.length; cut++) {
        expect(decodeOrReject(bytes.subarray(0, cut))).toBeInstanceOf(SafetensorsError);
      }
    }), { numRuns: 60 });
  });

  it('survives flipped bytes', () => {
    fc.assert(fc.property(validFileArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (bytes, flips) => {
      const b = bytes.slice();
      for (const [pos, x] of flips) b[pos % b.length]! ^= x;
      decodeOrReject(b);
    }), { numRuns: RUNS });
  });

  it('survives flipped bytes inside the header only', () => {
    fc.assert(fc.property(validFileArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (bytes, pos, x) => {
      const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      const b = bytes.slice();
      b[8 + (pos % n)]! ^= x;
      decodeOrReject(b);
    }), { numRuns: RUNS });
  });

  it('survives any declared header length', () => {
    fc.assert(fc.property(validFileArb, fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 300n })), (bytes, n) => {
      const b = bytes.slice();
      new DataView(b.buffer).setBigUint64(0, n, true);
      const r = decodeOrReject(b);
      // Any other length moves the buffer start, so the tensors no longer tile the buffer.
      if (n !== new DataView(bytes.buffer).getBigUint64(0, true)) expect(r).toBeInstanceOf(SafetensorsError);
    }), { numRuns: RUNS });
  });

  it('survives arbitrary bytes and arbitrary JSON headers', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => { decodeOrReject(b); }), { numRuns: RUNS });
    fc.assert(fc.property(fc.json(), fc.uint8Array({ maxLength: 32 }), (j, buf) => { decodeOrReject(rawFile(j, buf)); }), { numRuns: RUNS });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.uint8Array({ maxLength: 16 }), (s, buf) => {
      decodeOrReject(rawFile(`{${s}`, buf));
    }), { numRuns: RUNS });
  });

  // Headers assembled from hostile parts: wrong dtypes, huge or negative
  // shapes, overlapping, holey or out-of-range offsets, extra or missing
  // fields, duplicate names, odd metadata.
  const hostileNumber = fc.oneof(
    fc.integer({ min: 0, max: 16 }),
    fc.constantFrom(-1, -0, 0.5, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53 - 1, 2 ** 53, 2 ** 63, 2 ** 64, 1e308),
  );
  const hostileValue = fc.oneof(
    { weight: 6, arbitrary: hostileNumber.map(String) },
    { weight: 1, arbitrary: fc.constantFrom('null', '"4"', '[]', '{}', 'true', '1e999', '-1e999', '[1,2]') },
  );
  const hostileDtype = fc.oneof(
    fc.constantFrom(...Object.keys(ST_DTYPE_SIZES)).map((d) => JSON.stringify(d)),
    fc.constantFrom('"f32"', '"F32 "', '"__proto__"', '"constructor"', '32', 'null', '["F32"]'),
  );
  const hostileShape = fc.oneof(
    { weight: 5, arbitrary: fc.array(hostileNumber, { maxLength: 4 }).map((a) => `[${a.join(',')}]`) },
    { weight: 1, arbitrary: hostileValue },
  );
  const hostileOffsets = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(hostileNumber, hostileNumber).map(([a, b]) => `[${a},${b}]`) },
    { weight: 1, arbitrary: fc.array(hostileNumber, { maxLength: 3 }).map((a) => `[${a.join(',')}]`) },
    { weight: 1, arbitrary: hostileValue },
  );
  const hostileEntry = fc.record({
    dtype: fc.option(hostileDtype),
    shape: fc.option(hostileShape),
    data_offsets: fc.option(hostileOffsets),
    extra: fc.option(fc.constantFrom('"evil":1', '"dtype":"F64"', '"shape":[1]')),
  }).map(({ dtype, shape, data_offsets, extra }) => {
    const fields: string[] = [];
    if (dtype !== null) fields.push(`"dtype":${dtype}`);
    if (shape !== null) fields.push(`"shape":${shape}`);
    if (data_offsets !== null) fields.push(`"data_offsets":${data_offsets}`);
    if (extra !== null) fields.push(extra);
    return `{${fields.join(',')}}`;
  });
  const hostileName = fc.constantFrom('a', 'b', 'c', '__proto__', 'constructor', '__metadata__', '');
  const hostileMetadata = fc.constantFrom('{}', '{"a":"b"}', '{"a":1}', 'null', '[]', '"x"', '{"a":"b","a":"c"}');
  const hostileHeader = fc.array(fc.oneof(
    { weight: 6, arbitrary: fc.tuple(hostileName, hostileEntry).map(([n, e]) => `${JSON.stringify(n)}:${e}`) },
    { weight: 1, arbitrary: hostileMetadata.map((m) => `"__metadata__":${m}`) },
  ), { maxLength: 4 }).map((items) => `{${items.join(',')}}`);

  it('survives hostile headers', () => {
    let decoded = 0;
    fc.assert(fc.property(hostileHeader, fc.integer({ min: 0, max: 40 }), (header, len) => {
      const r = decodeOrReject(rawFile(header, new Uint8Array(len)));
      if (!(r instanceof SafetensorsError)) decoded++;
    }), { numRuns: 500 });
    // The generator is not so hostile that nothing ever decodes.
    expect(decoded).toBeGreaterThan(0);
  });

  it('survives hostile headers built around valid ones', () => {
    // A valid file with one entry's offsets or shape replaced.
    fc.assert(fc.property(tensorsArb.filter((ts) => ts.length > 0), fc.nat(), hostileShape, hostileOffsets, fc.boolean(), (ts, k, shape, offs, which) => {
      const f = decodeSafetensors(encodeSafetensors(ts));
      const i = k % ts.length;
      let pos = 0;
      const items = [...f.tensors].map(([n, t], j) => {
        const size = t.data.byteLength;
        const s = j === i && which ? shape : `[${t.shape.join(',')}]`;
        const o = j === i && !which ? offs : `[${pos},${pos + size}]`;
        pos += size;
        return `${JSON.stringify(n)}:{"dtype":"${t.dtype}","shape":${s},"data_offsets":${o}}`;
      });
      decodeOrReject(rawFile(`{${items.join(',')}}`, new Uint8Array(pos)));
    }), { numRuns: RUNS });
  });

  it('never allocates for a declared size the file cannot back', () => {
    // If decoding allocated by the declared shape, these would need ~2^82 bytes.
    const t0 = performance.now();
    for (const shape of ['[1099511627776,1099511627776]', '[4294967296,4294967296,4294967296]', '[9007199254740991]']) {
      expectError(rawFile(`{"x":{"dtype":"F64","shape":${shape},"data_offsets":[0,8]}}`, new Uint8Array(8)), 'more bytes than');
    }
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
