// Shared pieces of the data layer: the DataError type, a readable description
// of a code point for error messages, and Python's whitespace set.
//
// Pure functions on strings; no Node imports (this module bundles for a
// browser).

/** Where a DataError points to. `line` and `column` are 1-based; `column` counts code points. */
export interface DataErrorLocation {
  /** The file (or named text) concerned. */
  file?: string;
  /** 1-based line number. */
  line?: number;
  /** 1-based column, counted in code points. */
  column?: number;
  /** 0-based byte offset in the file (encoding errors only). */
  byteOffset?: number;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * An error in the training data: missing or unreadable files, bad encodings,
 * characters of a held-out split that the training text lacks, streams too
 * short for the batch size. The message is meant for the person running the
 * program; the optional fields locate the problem for code.
 */
export class DataError extends Error {
  override name = 'DataError';
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly byteOffset: number | undefined;

  constructor(message: string, where: DataErrorLocation = {}) {
    super(message, where.cause === undefined ? undefined : { cause: where.cause });
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.byteOffset = where.byteOffset;
  }
}

/** A position in a text: 1-based line and column (column in code points) and 0-based code-point offset. */
export interface TextPosition {
  line: number;
  column: number;
  offset: number;
}

/** The start of a text. */
export const TEXT_START: TextPosition = Object.freeze({ line: 1, column: 1, offset: 0 });

/** `U+XXXX` (at least four hex digits, upper case) for a code point. */
export function codePointLabel(cp: number): string {
  return 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
}

const ESCAPES: Record<number, string> = { 0x09: '\\t', 0x0a: '\\n', 0x0d: '\\r', 0x0b: '\\v', 0x0c: '\\f', 0x00: '\\0' };
// Control, format, unassigned, private use and surrogate code points, and line/paragraph separators.
const NON_PRINTABLE = /^[\p{C}\p{Zl}\p{Zp}]$/u;

/**
 * A readable description of one code point for error messages:
 * `'é' (U+00E9)`, `' ' (U+0020)`, `'😀' (U+1F600)`, or for characters that
 * would not show, an escape: `"\n" (U+000A)`, `"\u{FEFF}" (U+FEFF)`.
 * Whitespace other than U+0020 is shown escaped.
 */
export function describeCodePoint(cp: number): string {
  const label = codePointLabel(cp);
  const ch = String.fromCodePoint(cp);
  const esc = ESCAPES[cp];
  if (esc !== undefined) return `"${esc}" (${label})`;
  if (NON_PRINTABLE.test(ch) || (cp !== 0x20 && isPythonWhitespace(cp))) {
    return `"\\u{${cp.toString(16).toUpperCase()}}" (${label})`;
  }
  return `'${ch}' (${label})`;
}

/**
 * Python's `str.isspace()` set (CPython 3.x, Unicode 14/15), which is the set
 * `str.split()` with no argument splits on: characters of bidirectional class
 * WS, B or S, or general category Zs. All lie in the BMP:
 *
 *   U+0009 TAB, U+000A LF, U+000B VT, U+000C FF, U+000D CR,
 *   U+001C..U+001F (FS, GS, RS, US), U+0020 SPACE, U+0085 NEL,
 *   U+00A0 NO-BREAK SPACE, U+1680 OGHAM SPACE MARK,
 *   U+2000..U+200A (EN QUAD .. HAIR SPACE), U+2028 LINE SEPARATOR,
 *   U+2029 PARAGRAPH SEPARATOR, U+202F NARROW NO-BREAK SPACE,
 *   U+205F MEDIUM MATHEMATICAL SPACE, U+3000 IDEOGRAPHIC SPACE.
 *
 * Not included (as in Python): U+180E MONGOLIAN VOWEL SEPARATOR, U+200B ZERO
 * WIDTH SPACE, U+2060 WORD JOINER, U+FEFF BOM.
 */
export const PYTHON_WHITESPACE: readonly number[] = Object.freeze([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680,
  0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
  0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

const WS_SET: ReadonlySet<number> = new Set(PYTHON_WHITESPACE);

/** Whether a code point (or UTF-16 unit) is whitespace in Python's `str.isspace()` sense. */
export function isPythonWhitespace(cp: number): boolean {
  // Fast path for ASCII: 0x09..0x0D, 0x1C..0x20.
  if (cp < 0x80) return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20);
  return WS_SET.has(cp);
}

/**
 * Python's `s.split()` with no argument: the maximal runs of non-whitespace
 * characters, in order (no empty strings; an all-whitespace string gives []).
 */
export function pythonSplit(s: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < s.length; i++) {
    // Every whitespace character is in the BMP, and surrogate halves are never
    // whitespace, so scanning UTF-16 units is exact.
    if (isPythonWhitespace(s.charCodeAt(i))) {
      if (start >= 0) {
        out.push(s.slice(start, i));
        start = -1;
      }
    } else if (start < 0) {
      start = i;
    }
  }
  if (start >= 0) out.push(s.slice(start));
  return out;
}

/** The number of code points of a string (a lone surrogate counts as one). */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    if (u >= 0xd800 && u <= 0xdbff && i + 1 < s.length) {
      const v = s.charCodeAt(i + 1);
      if (v >= 0xdc00 && v <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}
