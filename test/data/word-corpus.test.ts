import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EOS, buildWordCorpus, wordTokens } from '../../src/data/word-corpus.js';
import { DataError, PYTHON_WHITESPACE, isPythonWhitespace, pythonSplit } from '../../src/data/vocab.js';

const names = { train: 'train.txt', valid: 'valid.txt', test: 'test.txt' };

describe('pythonSplit', () => {
  it('matches Python str.split() on Unicode whitespace', () => {
    // Python 3.11: 'a\u00a0b\u3000c\r\nd\x1ce\u200bf\ufeffg\x85h'.split()
    //   == ['a', 'b', 'c', 'd', 'e\u200bf\ufeffg', 'h']
    expect(pythonSplit('a\u00a0b\u3000c\r\nd\x1ce\u200bf\ufeffg\x85h')).toEqual(['a', 'b', 'c', 'd', 'e\u200bf\ufeffg', 'h']);
    expect(pythonSplit('  lead  trail  ')).toEqual(['lead', 'trail']);
    expect(pythonSplit(' \t\u2028 ')).toEqual([]);
    expect(pythonSplit('')).toEqual([]);
    expect(pythonSplit('😀 x😀')).toEqual(['😀', 'x😀']);
  });

  it('has exactly the 29 characters of Python str.isspace()', () => {
    // [hex(c) for c in range(0x110000) if chr(c).isspace()] in Python 3.11 (Unicode 14):
    const py = [
      0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
      0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
    ];
    expect([...PYTHON_WHITESPACE]).toEqual(py);
    const all: number[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) if (isPythonWhitespace(cp)) all.push(cp);
    expect(all).toEqual(py);
  });
});

describe('wordTokens', () => {
  it('splits lines on \\n; a final \\n does not start a line; empty lines give <eos>', () => {
    expect(wordTokens('')).toEqual([]);
    expect(wordTokens('\n')).toEqual([EOS]);
    expect(wordTokens('a b\n')).toEqual(['a', 'b', EOS]);
    expect(wordTokens('a b')).toEqual(['a', 'b', EOS]);
    expect(wordTokens('a\n\nb\n')).toEqual(['a', EOS, EOS, 'b', EOS]);
    expect(wordTokens('a\n\n')).toEqual(['a', EOS, EOS]);
    expect(wordTokens('a\r\nb\r\n')).toEqual(['a', EOS, 'b', EOS]);
    expect(wordTokens(' \u3000 \n')).toEqual([EOS]);
    // Only \n separates lines: \r, U+2028 and U+0085 are whitespace inside a line.
    expect(wordTokens('a\rb\u2028c\u0085d')).toEqual(['a', 'b', 'c', 'd', EOS]);
  });

  it('agrees with a direct transcription of the rule (property)', () => {
    const ch = fc.constantFrom('a', 'b', 'x', '\n', ' ', '\t', '\r', '\u00a0', '\u3000', '\u200b', '😀');
    fc.assert(
      fc.property(fc.array(ch, { maxLength: 30 }).map((a) => a.join('')), (text) => {
        const lines = text.split('\n');
        if (text.endsWith('\n')) lines.pop();
        const ref = text === '' ? [] : lines.flatMap((l) => [...pythonSplit(l), EOS]);
        expect(wordTokens(text)).toEqual(ref);
        const c = buildWordCorpus(text === '' ? '\n' : text, 'x', 'y', names);
        expect(Array.from(c.train, (i) => c.vocab[i])).toEqual(text === '' ? [EOS] : ref);
      }),
      { numRuns: 300 },
    );
  });
});

describe('buildWordCorpus', () => {
  it('assigns ids by first appearance, train then valid then test', () => {
    const c = buildWordCorpus('the cat\nthe dog\n', 'a cat\n\n', 'the\u00a0emu  sat\n', names);
    expect(c.vocab).toEqual(['the', 'cat', EOS, 'dog', 'a', 'emu', 'sat']);
    expect(Array.from(c.train)).toEqual([0, 1, 2, 0, 3, 2]);
    expect(Array.from(c.valid)).toEqual([4, 1, 2, 2]);
    expect(Array.from(c.test)).toEqual([0, 5, 6, 2]);
  });

  it('treats a literal <eos> as the same token and keeps a BOM inside the first word', () => {
    const c = buildWordCorpus('\uFEFFhi <eos>\n', 'hi', 'hi', names);
    expect(c.vocab).toEqual(['\uFEFFhi', EOS, 'hi']);
    expect(Array.from(c.train)).toEqual([0, 1, 1]);
  });

  it('rejects an empty text, naming the file', () => {
    try {
      buildWordCorpus('a\n', '', 'b\n', names);
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
      expect((e as DataError).file).toBe('valid.txt');
    }
  });
});
