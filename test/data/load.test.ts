import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchify } from '../../src/data/batch.js';
import { decodeText, findInvalidUtf8, loadCorpus } from '../../src/data/load.js';
import { DataError } from '../../src/data/vocab.js';

let root: string;
let counter = 0;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'synthgrad-data-'));
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

/** A fresh folder holding the given files (string = UTF-8 text, Uint8Array = raw bytes). */
function folder(files: Record<string, string | Uint8Array>): string {
  const dir = path.join(root, `d${counter++}`);
  fs.mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}
function file(content: string | Uint8Array): string {
  const p = path.join(root, `f${counter++}.txt`);
  fs.writeFileSync(p, content);
  return p;
}
function dataError(f: () => unknown): DataError {
  try {
    f();
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
    return e;
  }
  throw new Error('expected a DataError');
}

describe('loadCorpus charlm', () => {
  it('loads a single file, keeping a BOM and \\r\\n', () => {
    const p = file('\uFEFFab\r\nba\r\n');
    const r = loadCorpus('charlm', p, null);
    expect(r.source).toBe('file');
    expect(r.corpus.vocab).toEqual(['\n', '\r', 'a', 'b', '\uFEFF']);
    expect(r.corpus.train.length).toBe(9);
    expect(r.corpus.valid).toBeNull();
    expect(r.files).toEqual([{ role: 'train', path: p, name: path.basename(p), bytes: 11 }]);
  });

  it('applies split to a single file, counting code points', () => {
    const p = file('aéb😀aéb😀ab'); // 10 code points
    const r = loadCorpus('charlm', p, { valid: 0.1, test: 0.2 });
    expect(r.files[0]!.role).toBe('all');
    const dec = (ids: Int32Array | null) => Array.from(ids!, (i) => r.corpus.vocab[i]).join('');
    expect(dec(r.corpus.train)).toBe('aéb😀aéb');
    expect(dec(r.corpus.valid)).toBe('😀');
    expect(dec(r.corpus.test)).toBe('ab');
  });

  it('reports an unseen held-out character at its line in the file', () => {
    const p = file('abab\nabab\nabz');
    const e = dataError(() => loadCorpus('charlm', p, { valid: 0.1, test: 0 }));
    expect(e.message).toContain("'z' (U+007A)");
    expect([e.line, e.column]).toEqual([3, 3]);
    expect(e.message).toContain(p);
  });

  it('loads a folder with train.txt and optional valid.txt / test.txt', () => {
    const d = folder({ 'train.txt': 'abc', 'valid.txt': 'cab' });
    const r = loadCorpus('charlm', d);
    expect(r.source).toBe('folder');
    expect(Array.from(r.corpus.valid!)).toEqual([2, 0, 1]);
    expect(r.corpus.test).toBeNull();
    expect(r.files.map((f) => [f.role, f.name, f.bytes])).toEqual([
      ['train', 'train.txt', 3],
      ['valid', 'valid.txt', 3],
    ]);
  });

  it('names the file, line and column of a character missing from training', () => {
    const d = folder({ 'train.txt': 'abc\n', 'test.txt': 'abc\nab\u3000c\n' });
    const e = dataError(() => loadCorpus('charlm', d));
    expect(e.file).toBe(path.join(d, 'test.txt'));
    expect([e.line, e.column]).toEqual([2, 3]);
    expect(e.message).toContain('U+3000');
    expect(e.message).toContain('test.txt');
  });

  it('rejects split with a folder', () => {
    const d = folder({ 'train.txt': 'abc' });
    expect(dataError(() => loadCorpus('charlm', d, { valid: 0.1, test: 0.1 })).message).toContain('single');
  });
});

describe('loadCorpus wordlm', () => {
  it('loads train/valid/test with ids by first appearance', () => {
    const d = folder({ 'train.txt': 'a b\n\nc\n', 'valid.txt': 'b z\n', 'test.txt': 'y\u00a0a\n' });
    const r = loadCorpus('wordlm', d);
    expect(r.corpus.vocab).toEqual(['a', 'b', '<eos>', 'c', 'z', 'y']);
    expect(Array.from(r.corpus.train)).toEqual([0, 1, 2, 2, 3, 2]);
    expect(Array.from(r.corpus.valid)).toEqual([1, 4, 2]);
    expect(Array.from(r.corpus.test)).toEqual([5, 0, 2]);
    expect(r.files.map((f) => f.role)).toEqual(['train', 'valid', 'test']);
  });

  it('needs a folder with all three files', () => {
    expect(dataError(() => loadCorpus('wordlm', file('a b\n'))).message).toContain('folder with train.txt, valid.txt and test.txt');
    const d = folder({ 'train.txt': 'a\n', 'valid.txt': 'a\n' });
    const e = dataError(() => loadCorpus('wordlm', d));
    expect(e.message).toContain('no test.txt');
    expect(dataError(() => loadCorpus('wordlm', d, { valid: 0.1, test: 0 })).message).toContain('split');
  });
});

describe('loadCorpus errors', () => {
  it('missing path says what was expected', () => {
    const e = dataError(() => loadCorpus('charlm', path.join(root, 'nope.txt')));
    expect(e.message).toContain('does not exist');
    expect(e.message).toContain('a text file, or a folder with train.txt');
  });

  it('folder without train.txt', () => {
    const d = folder({ 'valid.txt': 'a' });
    expect(dataError(() => loadCorpus('charlm', d)).message).toContain('has no train.txt');
  });

  it('train.txt that is a folder', () => {
    const d = folder({});
    fs.mkdirSync(path.join(d, 'train.txt'));
    expect(dataError(() => loadCorpus('charlm', d)).message).toContain('is a folder');
  });

  it('empty file', () => {
    const e = dataError(() => loadCorpus('charlm', file('')));
    expect(e.message).toContain('empty');
    const d = folder({ 'train.txt': 'a', 'valid.txt': '' });
    expect(dataError(() => loadCorpus('charlm', d)).file).toBe(path.join(d, 'valid.txt'));
  });

  it('binary file (NUL byte)', () => {
    const e = dataError(() => loadCorpus('charlm', file(new Uint8Array([0x61, 0x0a, 0x62, 0x00, 0x63]))));
    expect(e.message).toContain('binary');
    expect(e.byteOffset).toBe(3);
    expect([e.line, e.column]).toEqual([2, 2]);
  });

  it('invalid UTF-8: byte offset, line and column of the first bad byte', () => {
    // 'ab\n', 'é' (2 bytes), then a Latin-1 'é' (0xE9) followed by 'x'.
    const bytes = new Uint8Array([0x61, 0x62, 0x0a, 0xc3, 0xa9, 0xe9, 0x78]);
    const e = dataError(() => loadCorpus('charlm', file(bytes)));
    expect(e.byteOffset).toBe(5);
    expect([e.line, e.column]).toEqual([2, 2]);
    expect(e.message).toContain('not valid UTF-8');
    expect(e.message).toContain('byte offset 5');
    expect(e.message).toContain('0xE9');
  });

  it('classifies ill-formed sequences', () => {
    const bad = (bytes: number[]) => findInvalidUtf8(new Uint8Array(bytes));
    expect(bad([0x61, 0xe2, 0x82])).toMatchObject({ offset: 1, reason: expect.stringContaining('truncated 3-byte') });
    expect(bad([0x80])).toMatchObject({ offset: 0, reason: expect.stringContaining('continuation') });
    expect(bad([0xc0, 0x80])).toMatchObject({ offset: 0, reason: expect.stringContaining('never occurs') });
    expect(bad([0xe0, 0x80, 0x80])).toMatchObject({ offset: 0, reason: expect.stringContaining('overlong') });
    expect(bad([0xed, 0xa0, 0x80])).toMatchObject({ offset: 0, reason: expect.stringContaining('surrogate') });
    expect(bad([0xf4, 0x90, 0x80, 0x80])).toMatchObject({ offset: 0, reason: expect.stringContaining('U+10FFFF') });
    expect(bad([0xf0, 0x9f, 0x98, 0x41])).toMatchObject({ offset: 0, reason: expect.stringContaining('not a continuation') });
    expect(bad([...new TextEncoder().encode('aé😀\u{10FFFF}\uFFFF')])).toBeNull();
  });

  it('findInvalidUtf8 agrees with the fatal TextDecoder (property)', () => {
    const dec = new TextDecoder('utf-8', { fatal: true });
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 12 }),
      fc.array(fc.constantFrom(0x41, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5), { maxLength: 8 }).map((a) => new Uint8Array(a)),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        let ok = true;
        try {
          dec.decode(b);
        } catch {
          ok = false;
        }
        expect(findInvalidUtf8(b) === null).toBe(ok);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodeText keeps a BOM', () => {
    expect(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]), 'x')).toBe('\uFEFFa');
  });
});

describe('loader fuzzing', () => {
  // Generated malformed inputs: random bytes, valid text with corruptions
  // (invalid and truncated multi-byte sequences, NULs), empty and short files,
  // held-out text with characters the training text lacks.
  const text = fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', 'é', '😀', '\u3000', '\r'), maxLength: 30 });
  const corrupt = fc.tuple(text, fc.array(fc.tuple(fc.nat(), fc.constantFrom(0x00, 0x80, 0xc3, 0xe2, 0xf0, 0xff, 0xed)), { maxLength: 3 }), fc.boolean()).map(
    ([s, edits, truncate]) => {
      let b = new TextEncoder().encode(s);
      for (const [pos, byte] of edits) if (b.length > 0) b[pos % b.length] = byte;
      if (truncate && b.length > 0) b = b.slice(0, b.length - 1);
      return b;
    },
  );
  const content: fc.Arbitrary<Uint8Array> = fc.oneof(
    { arbitrary: text.map((s) => new TextEncoder().encode(s)), weight: 8 },
    { arbitrary: fc.uint8Array({ maxLength: 24 }), weight: 1 },
    { arbitrary: corrupt, weight: 1 },
    { arbitrary: fc.constant(new Uint8Array(0)), weight: 1 },
  );
  const maybe = fc.option(content, { nil: undefined, freq: 8 });
  const split = fc.option(fc.record({ valid: fc.constantFrom(0, 0.1, 0.5, 1), test: fc.constantFrom(0, 0.05, 0.3) }), { nil: null, freq: 2 });

  const outcomes = { corpus: 0, error: 0 };
  type Ids = Int32Array | null;
  function expectDataErrorOrCorpus(f: () => { corpus: { vocab: string[]; train: Int32Array; valid: Ids; test: Ids } }, B: number): void {
    try {
      const r = f();
      const V = r.corpus.vocab.length;
      expect(V).toBeGreaterThan(0);
      for (const ids of [r.corpus.train, r.corpus.valid, r.corpus.test]) {
        if (ids === null) continue;
        expect(ids.length).toBeGreaterThan(0);
        for (const id of ids) expect(id >= 0 && id < V).toBe(true);
      }
      outcomes.corpus++;
      batchify(r.corpus.train, B, 'train'); // too short for B: a DataError too
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      expect(e.message.length).toBeGreaterThan(10);
      outcomes.error++;
    }
  }
  afterAll(() => {
    // Both outcomes must have been exercised.
    expect(outcomes.corpus).toBeGreaterThan(20);
    expect(outcomes.error).toBeGreaterThan(20);
  });

  it('a single charlm file: a DataError or a valid corpus', () => {
    fc.assert(
      fc.property(content, split, fc.integer({ min: 1, max: 8 }), (bytes, sp, B) => {
        const p = file(bytes);
        expectDataErrorOrCorpus(() => loadCorpus('charlm', p, sp), B);
        fs.rmSync(p);
      }),
      { numRuns: 300 },
    );
  });

  it('folders (charlm and wordlm): a DataError or a valid corpus', () => {
    fc.assert(
      fc.property(maybe, maybe, maybe, fc.constantFrom('charlm' as const, 'wordlm' as const), fc.integer({ min: 1, max: 8 }), (tr, va, te, task, B) => {
        const files: Record<string, Uint8Array> = {};
        if (tr) files['train.txt'] = tr;
        if (va) files['valid.txt'] = va;
        if (te) files['test.txt'] = te;
        const d = folder(files);
        expectDataErrorOrCorpus(() => loadCorpus(task, d), B);
        fs.rmSync(d, { recursive: true });
      }),
      { numRuns: 300 },
    );
  });
});
