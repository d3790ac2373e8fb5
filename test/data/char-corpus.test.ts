import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCharCorpus, splitCharText } from '../../src/data/char-corpus.js';
import { DataError, codePointLength, describeCodePoint } from '../../src/data/vocab.js';

const names = { train: 'train.txt', valid: 'valid.txt', test: 'test.txt' };

function decode(vocab: string[], ids: Int32Array | null): string {
  return ids === null ? '' : Array.from(ids, (i) => vocab[i]).join('');
}

function catchErr(f: () => unknown): DataError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError');
}

describe('buildCharCorpus', () => {
  it('sorts by code point, not by UTF-16 unit (astral vs U+FF5E)', () => {
    const text = '😀～a~';
    // The default sort compares UTF-16 units: 0xD83D (first unit of 😀) < 0xFF5E.
    expect(Array.from(text).sort()).toEqual(['a', '~', '😀', '～']);
    const c = buildCharCorpus(text, null, null, names);
    expect(c.vocab).toEqual(['a', '~', '～', '😀']);
    expect(Array.from(c.train)).toEqual([3, 2, 0, 1]);
    expect(c.valid).toBeNull();
    expect(c.test).toBeNull();
  });

  it('keeps \\r\\n as two characters and a BOM as U+FEFF, no normalisation', () => {
    const text = '\uFEFFab\r\ne\u0301\u00e9';
    const c = buildCharCorpus(text, null, null, names);
    expect(c.vocab).toEqual(['\n', '\r', 'a', 'b', 'e', '\u00e9', '\u0301', '\uFEFF']);
    expect(Array.from(c.train)).toEqual([7, 2, 3, 1, 0, 4, 6, 5]);
    expect(c.train.length).toBe(8);
  });

  it('encodes valid and test with the training vocabulary', () => {
    const c = buildCharCorpus('abc😀', 'cab', '😀a', names);
    expect(c.vocab).toEqual(['a', 'b', 'c', '😀']);
    expect(Array.from(c.valid!)).toEqual([2, 0, 1]);
    expect(Array.from(c.test!)).toEqual([3, 0]);
    expect(decode(c.vocab, c.test)).toBe('😀a');
  });

  it('names an unseen character, the file, the line and the column', () => {
    const e = catchErr(() => buildCharCorpus('ab\ncd\n', 'ab\ncd\nd😀x', null, names));
    expect(e.file).toBe('valid.txt');
    expect(e.line).toBe(3);
    expect(e.column).toBe(2);
    expect(e.message).toContain("'😀' (U+1F600)");
    expect(e.message).toContain('valid.txt');
    expect(e.message).toContain('line 3, column 2');
    expect(e.message).toContain('code-point offset 7');
    expect(e.message).toContain('train.txt');

    const t = catchErr(() => buildCharCorpus('ab', 'ab', 'a\tb', names));
    expect(t.file).toBe('test.txt');
    expect(t.message).toContain('"\\t" (U+0009)');
    expect([t.line, t.column]).toEqual([1, 2]);

    const bom = catchErr(() => buildCharCorpus('ab', '\uFEFFab', null, names));
    expect(bom.message).toContain('U+FEFF');
    expect([bom.line, bom.column]).toEqual([1, 1]);
  });

  it('rejects an empty training text and an empty given split', () => {
    expect(catchErr(() => buildCharCorpus('', null, null, names)).file).toBe('train.txt');
    expect(catchErr(() => buildCharCorpus('a', '', null, names)).file).toBe('valid.txt');
  });

  it('round-trips any text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), (s) => {
        const c = buildCharCorpus(s, s, null, names);
        expect(decode(c.vocab, c.train)).toBe(s);
        expect(c.train.length).toBe(codePointLength(s));
        const cps = c.vocab.map((ch) => ch.codePointAt(0)!);
        for (let i = 1; i < cps.length; i++) expect(cps[i]!).toBeGreaterThan(cps[i - 1]!);
        expect(new Set(c.vocab)).toEqual(new Set(Array.from(s)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('describeCodePoint', () => {
  it('shows printable characters and escapes the rest', () => {
    expect(describeCodePoint(0x78)).toBe("'x' (U+0078)");
    expect(describeCodePoint(0x20)).toBe("' ' (U+0020)");
    expect(describeCodePoint(0x1f600)).toBe("'😀' (U+1F600)");
    expect(describeCodePoint(0x0a)).toBe('"\\n" (U+000A)');
    expect(describeCodePoint(0xfeff)).toBe('"\\u{FEFF}" (U+FEFF)');
    expect(describeCodePoint(0xa0)).toBe('"\\u{A0}" (U+00A0)');
    expect(describeCodePoint(0xd800)).toBe('"\\u{D800}" (U+D800)');
  });
});

describe('splitCharText', () => {
  it('null keeps the whole text as training data', () => {
    expect(splitCharText('abc', null)).toEqual({ train: 'abc', valid: null, test: null, validStart: null, testStart: null });
  });

  it('holds out floor(n·v) + floor(n·t) code points, valid first, counting code points', () => {
    // 10 code points, 12 UTF-16 units.
    const text = 'ab😀de\nf😀hi';
    expect(codePointLength(text)).toBe(10);
    const s = splitCharText(text, { valid: 0.25, test: 0.3 }); // floor(2.5) = 2, floor(3) = 3
    expect(s.train).toBe('ab😀de');
    expect(s.valid).toBe('\nf');
    expect(s.test).toBe('😀hi');
    expect(s.validStart).toEqual({ line: 1, column: 6, offset: 5 });
    expect(s.testStart).toEqual({ line: 2, column: 2, offset: 7 });
  });

  it('a zero fraction gives no such part', () => {
    const s = splitCharText('abcdefghij', { valid: 0, test: 0.2 });
    expect(s).toMatchObject({ train: 'abcdefgh', valid: null, test: 'ij', validStart: null });
  });

  it('rejects bad fractions and texts too short for a positive fraction', () => {
    catchErr(() => splitCharText('abc', { valid: 0.5, test: 0.5 }));
    catchErr(() => splitCharText('abc', { valid: -0.1, test: 0 }));
    catchErr(() => splitCharText('abc', { valid: Number.NaN, test: 0 }));
    const e = catchErr(() => splitCharText('abc', { valid: 0.1, test: 0 }, 'in.txt'));
    expect(e.message).toContain('in.txt');
    expect(e.message).toContain('3 code points');
  });

  it('parts concatenate to the text with the right sizes (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.double({ min: 0, max: 0.45, noNaN: true }),
        fc.double({ min: 0, max: 0.45, noNaN: true }),
        (text, v, t) => {
          const n = codePointLength(text);
          let s;
          try {
            s = splitCharText(text, { valid: v, test: t });
          } catch (e) {
            expect(e).toBeInstanceOf(DataError);
            expect((v > 0 && Math.floor(n * v) === 0) || (t > 0 && Math.floor(n * t) === 0)).toBe(true);
            return;
          }
          expect(s.train + (s.valid ?? '') + (s.test ?? '')).toBe(text);
          expect(codePointLength(s.valid ?? '')).toBe(Math.floor(n * v));
          expect(codePointLength(s.test ?? '')).toBe(Math.floor(n * t));
          if (s.validStart) expect(s.validStart.offset).toBe(codePointLength(s.train));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports unseen characters at their position in the whole file', () => {
    const text = 'aaaa\nbbbb\nab\nz';
    const s = splitCharText(text, { valid: 0.2, test: 0 }); // 14 code points, floor(2.8) = 2 held out
    expect(s.valid).toBe('\nz');
    const e = catchErr(() => buildCharCorpus(s.train, s.valid, s.test, { train: 'f', valid: 'f (valid)' }, { valid: s.validStart }));
    expect([e.line, e.column]).toEqual([4, 1]);
    expect(e.message).toContain('code-point offset 13');
  });
});
