// Character-level corpora (docs/algorithm.md §1 and §9 "Data").
//
// * The vocabulary is the set of distinct Unicode code points of the training
//   text, sorted by code-point value (not by UTF-16 unit: '😀' U+1F600 sorts
//   after U+FF5E '～', although its first UTF-16 unit 0xD83D is smaller).
//   Ids are positions in that sorted list.
// * No normalisation: "\r\n" is two characters, a BOM is the character U+FEFF.
// * A validation/test character absent from the training text is a DataError
//   naming the character, the file, the line and the column.
//
// Pure functions on strings; no Node imports.

import { DataError, TEXT_START, codePointLabel, codePointLength, describeCodePoint, type TextPosition } from './vocab.js';

/** A character-level corpus: the sorted vocabulary and the id streams of the splits. */
export interface CharCorpus {
  /** The vocabulary: one code point per entry (a one- or two-unit string), sorted by code-point value. */
  vocab: string[];
  train: Int32Array;
  valid: Int32Array | null;
  test: Int32Array | null;
}

/** Names of the texts, used in error messages (usually file names). */
export interface CorpusNames {
  train: string;
  valid?: string;
  test?: string;
}

/**
 * Where the valid/test texts start in the file they were cut from (when they
 * are parts of one file, see splitCharText), so that error positions refer to
 * that file. Omitted: each text starts at line 1, column 1.
 */
export interface CorpusStarts {
  valid?: TextPosition | null;
  test?: TextPosition | null;
}

/** Code point → id: a dense table for the BMP, a map for astral code points; -1 / absent = not in the vocabulary. */
interface CodePointIndex {
  bmp: Int32Array;
  astral: Map<number, number>;
}

/** The code point at UTF-16 index `i` (a lone surrogate is its own code point). */
function cpAt(s: string, i: number): number {
  return s.codePointAt(i)!;
}

/**
 * Builds a character-level corpus. `valid` and `test` may be null (no such
 * split). Throws DataError if the training text is empty, if a given
 * valid/test text is empty, or if a valid/test text contains a character the
 * training text lacks (the message names the character as `'x' (U+0078)`,
 * the file, the 1-based line and column, and the code-point offset).
 */
export function buildCharCorpus(
  train: string,
  valid: string | null,
  test: string | null,
  names: CorpusNames,
  starts: CorpusStarts = {},
): CharCorpus {
  if (train.length === 0) {
    throw new DataError(`the training text ${names.train} is empty: a character-level vocabulary needs at least one character`, {
      file: names.train,
    });
  }
  // Distinct code points of the training text: BMP ones flagged in a table
  // (scanning it in order yields them sorted), astral ones in a set, sorted
  // numerically and appended (they all exceed U+FFFF).
  const seen = new Uint8Array(0x10000);
  const astral = new Set<number>();
  for (let i = 0; i < train.length; ) {
    const cp = cpAt(train, i);
    if (cp > 0xffff) {
      astral.add(cp);
      i += 2;
    } else {
      seen[cp] = 1;
      i += 1;
    }
  }
  const vocab: string[] = [];
  const index: CodePointIndex = { bmp: new Int32Array(0x10000).fill(-1), astral: new Map() };
  for (let cp = 0; cp <= 0xffff; cp++) {
    if (seen[cp]) {
      index.bmp[cp] = vocab.length;
      vocab.push(String.fromCharCode(cp));
    }
  }
  for (const cp of Array.from(astral).sort((a, b) => a - b)) {
    index.astral.set(cp, vocab.length);
    vocab.push(String.fromCodePoint(cp));
  }
  const validName = names.valid ?? 'validation text';
  const testName = names.test ?? 'test text';
  return {
    vocab,
    train: encode(train, index, names.train, names.train, TEXT_START),
    valid: valid === null ? null : encode(valid, index, validName, names.train, starts.valid ?? TEXT_START),
    test: test === null ? null : encode(test, index, testName, names.train, starts.test ?? TEXT_START),
  };
}

function encode(text: string, index: CodePointIndex, name: string, trainName: string, start: TextPosition): Int32Array {
  if (text.length === 0) {
    throw new DataError(`${name} is empty: a held-out split needs at least one character`, { file: name });
  }
  const out = new Int32Array(text.length); // code points <= UTF-16 units
  let k = 0; // code points so far
  let line = start.line;
  let lineStart = 1 - start.column; // code-point offset (relative to `text`) of the current line's column 1
  for (let i = 0; i < text.length; ) {
    const cp = cpAt(text, i);
    const id = cp > 0xffff ? (index.astral.get(cp) ?? -1) : index.bmp[cp]!;
    if (id < 0) {
      const column = k - lineStart + 1;
      const offset = start.offset + k;
      throw new DataError(
        `${name}: character ${describeCodePoint(cp)} at line ${line}, column ${column} (code-point offset ${offset}) ` +
          `does not occur in the training text ${trainName}; the character vocabulary is built from the training text only ` +
          `(${codePointLabel(cp)} would need to appear in ${trainName})`,
        { file: name, line, column },
      );
    }
    out[k++] = id;
    if (cp === 0x0a) {
      line++;
      lineStart = k;
    }
    i += cp > 0xffff ? 2 : 1;
  }
  return k === out.length ? out : out.slice(0, k);
}

/** A character text cut into train/valid/test parts by splitCharText. */
export interface CharSplit {
  train: string;
  valid: string | null;
  test: string | null;
  /** Where `valid` starts in the whole text (null when there is no valid part). */
  validStart: TextPosition | null;
  /** Where `test` starts in the whole text (null when there is no test part). */
  testStart: TextPosition | null;
}

/** The held-out fractions of a single-file character corpus (docs/config.md key `split`). */
export interface SplitFractions {
  valid: number;
  test: number;
}

/**
 * Cuts one text into train/valid/test (docs/config.md `split`): with `n` the
 * number of code points, the last `floor(n·valid) + floor(n·test)` code
 * points are held out, the validation part first, then the test part.
 * `split === null`: the whole text is training data, valid/test are null.
 * A fraction of 0 gives null for that part. Throws DataError if a fraction
 * is not a number in [0, 1), if they sum to 1 or more, or if a positive
 * fraction holds out no code point at all (text too short).
 */
export function splitCharText(text: string, split: SplitFractions | null, name = 'text'): CharSplit {
  if (split === null) return { train: text, valid: null, test: null, validStart: null, testStart: null };
  const { valid: v, test: t } = split;
  for (const [key, f] of [['valid', v], ['test', t]] as const) {
    if (typeof f !== 'number' || !Number.isFinite(f) || f < 0 || f >= 1) {
      throw new DataError(`split.${key} must be a fraction in [0, 1), got ${String(f)}`);
    }
  }
  if (v + t >= 1) {
    throw new DataError(`split.valid + split.test must be below 1 (some text must stay for training), got ${v} + ${t}`);
  }
  const n = codePointLength(text);
  const nv = Math.floor(n * v);
  const nt = Math.floor(n * t);
  for (const [key, f, m] of [['valid', v, nv], ['test', t, nt]] as const) {
    if (f > 0 && m === 0) {
      throw new DataError(
        `${name} is too short for split.${key} = ${f}: it has ${n} code points and floor(${n}·${f}) = 0 would hold out nothing` +
          ` (use a longer text, a larger fraction, or ${key} = 0 / split = null)`,
        { file: name },
      );
    }
  }
  const nTrain = n - nv - nt;
  // Walk the text once, recording UTF-16 indices and positions of the cuts.
  const cutAt = [nTrain, nTrain + nv];
  const idx = [text.length, text.length];
  const pos: TextPosition[] = [];
  let k = 0;
  let line = 1;
  let lineStart = 0;
  let c = 0;
  for (let i = 0; c < 2; ) {
    if (k === cutAt[c]) {
      idx[c] = i;
      pos[c] = { line, column: k - lineStart + 1, offset: k };
      c++;
      continue;
    }
    if (i >= text.length) break;
    const cp = cpAt(text, i);
    i += cp > 0xffff ? 2 : 1;
    k++;
    if (cp === 0x0a) {
      line++;
      lineStart = k;
    }
  }
  return {
    train: text.slice(0, idx[0]),
    valid: nv > 0 ? text.slice(idx[0], idx[1]) : null,
    test: nt > 0 ? text.slice(idx[1]) : null,
    validStart: nv > 0 ? pos[0]! : null,
    testStart: nt > 0 ? pos[1]! : null,
  };
}

/**
 * A charlm corpus from one text as a single data file gives it (docs/config.md
 * `data`, `split`): `split` null keeps it all for training. `name` (the file,
 * as given) appears in messages. The page builds its corpus with this too, so
 * that a text gives the same ids in a browser as from disk.
 */
export function charCorpusFromText(text: string, split: SplitFractions | null, name: string): CharCorpus {
  const parts = splitCharText(text, split, name);
  return buildCharCorpus(
    parts.train,
    parts.valid,
    parts.test,
    {
      train: split ? `${name} (training part)` : name,
      valid: `${name} (validation part)`,
      test: `${name} (test part)`,
    },
    { valid: parts.validStart, test: parts.testStart },
  );
}
