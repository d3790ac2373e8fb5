// Loading corpora from disk (docs/config.md keys `data`, `split`). Node only.
//
// charlm: `data` is a text file (then `split` applies) or a folder holding
//         train.txt and optionally valid.txt and test.txt;
// wordlm: `data` is a folder holding train.txt, valid.txt and test.txt.
//
// Files must be non-empty UTF-8 text. A BOM is kept (as the character U+FEFF
// at character level; at word level it is part of the first word). Every
// problem is a DataError with a message that says what was expected.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildCharCorpus, charCorpusFromText, type CharCorpus, type SplitFractions } from './char-corpus.js';
import { DataError } from './vocab.js';
import { buildWordCorpus, type WordCorpus } from './word-corpus.js';

export type CorpusTask = 'charlm' | 'wordlm';

/** One file read by loadCorpus. */
export interface CorpusFile {
  /** The part of the corpus this file gave: `train`/`valid`/`test`, or `all` for a single file that was split. */
  role: 'train' | 'valid' | 'test' | 'all';
  /** The path as given or joined (dataPath, or dataPath/train.txt …). */
  path: string;
  /** The base name, as used in messages. */
  name: string;
  /** Size in bytes. */
  bytes: number;
}

export interface LoadedCharCorpus {
  task: 'charlm';
  /** `file`: one text file (split applied); `folder`: train.txt [valid.txt, test.txt]. */
  source: 'file' | 'folder';
  corpus: CharCorpus;
  files: CorpusFile[];
}

export interface LoadedWordCorpus {
  task: 'wordlm';
  source: 'folder';
  corpus: WordCorpus;
  files: CorpusFile[];
}

export type LoadedCorpus = LoadedCharCorpus | LoadedWordCorpus;

/**
 * Loads a corpus for `task` from `dataPath` (see the file comment). `split`
 * (docs/config.md) applies to a single charlm file only; `null` (the default)
 * keeps the whole file as training data. A non-null split with a folder, or
 * with wordlm, is a DataError. All problems with the data are DataErrors.
 */
export function loadCorpus(task: 'charlm', dataPath: string, split?: SplitFractions | null): LoadedCharCorpus;
export function loadCorpus(task: 'wordlm', dataPath: string, split?: SplitFractions | null): LoadedWordCorpus;
export function loadCorpus(task: CorpusTask, dataPath: string, split?: SplitFractions | null): LoadedCorpus;
export function loadCorpus(task: CorpusTask, dataPath: string, split: SplitFractions | null = null): LoadedCorpus {
  if (task !== 'charlm' && task !== 'wordlm') throw new DataError(`loadCorpus: unknown task ${JSON.stringify(task)} (expected "charlm" or "wordlm")`);
  const expected =
    task === 'charlm'
      ? 'charlm expects a text file, or a folder with train.txt [valid.txt, test.txt]'
      : 'wordlm expects a folder with train.txt, valid.txt and test.txt';
  let st: fs.Stats;
  try {
    st = fs.statSync(dataPath);
  } catch (e) {
    const code = errCode(e);
    const why = code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be read (${errMessage(e)})`;
    throw new DataError(`data path ${dataPath} ${why}: ${expected}`, { file: dataPath, cause: e });
  }

  if (st.isDirectory()) {
    if (split !== null && split !== undefined) {
      throw new DataError(
        `split applies to a single charlm text file only, but ${dataPath} is a folder (its valid.txt/test.txt, if any, are the held-out data); set split to null`,
        { file: dataPath },
      );
    }
    const want = (name: string, required: boolean): { file: CorpusFile; text: string } | null => {
      const p = path.join(dataPath, name);
      if (!fs.existsSync(p)) {
        if (!required) return null;
        throw new DataError(`folder ${dataPath} has no ${name}: ${expected}`, { file: p });
      }
      const role = name.replace(/\.txt$/, '') as 'train' | 'valid' | 'test';
      const { text, bytes } = readTextFile(p);
      return { file: { role, path: p, name, bytes }, text };
    };
    if (task === 'wordlm') {
      const tr = want('train.txt', true)!;
      const va = want('valid.txt', true)!;
      const te = want('test.txt', true)!;
      const corpus = buildWordCorpus(tr.text, va.text, te.text, { train: tr.file.path, valid: va.file.path, test: te.file.path });
      return { task, source: 'folder', corpus, files: [tr.file, va.file, te.file] };
    }
    const tr = want('train.txt', true)!;
    const va = want('valid.txt', false);
    const te = want('test.txt', false);
    const corpus = buildCharCorpus(tr.text, va?.text ?? null, te?.text ?? null, {
      train: tr.file.path,
      valid: va?.file.path ?? 'valid.txt',
      test: te?.file.path ?? 'test.txt',
    });
    const files = [tr.file];
    if (va) files.push(va.file);
    if (te) files.push(te.file);
    return { task, source: 'folder', corpus, files };
  }

  if (!st.isFile()) throw new DataError(`data path ${dataPath} is neither a file nor a folder: ${expected}`, { file: dataPath });
  if (task === 'wordlm') {
    throw new DataError(`data path ${dataPath} is a file: ${expected}`, { file: dataPath });
  }
  const { text, bytes } = readTextFile(dataPath);
  const file: CorpusFile = { role: split ? 'all' : 'train', path: dataPath, name: path.basename(dataPath), bytes };
  const corpus = charCorpusFromText(text, split ?? null, dataPath);
  return { task, source: 'file', corpus, files: [file] };
}

/**
 * Reads a file as UTF-8 text. DataError if it cannot be read, is not a
 * regular file, is empty, contains a NUL byte (binary), or is not valid UTF-8
 * (the message gives the byte offset, line and column of the first bad byte
 * and what is wrong with it). A BOM is kept as U+FEFF.
 */
export function readTextFile(file: string): { text: string; bytes: number } {
  let buf: Uint8Array;
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) throw new DataError(`${file} is a folder, expected a text file`, { file });
    if (!st.isFile()) throw new DataError(`${file} is not a regular file, expected a text file`, { file });
    buf = fs.readFileSync(file);
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(`cannot read ${file}: ${errMessage(e)}`, { file, cause: e });
  }
  return { text: decodeText(buf, file), bytes: buf.length };
}

/** Decodes file bytes as strict UTF-8, keeping a BOM; see readTextFile for the errors. */
export function decodeText(buf: Uint8Array, file: string): string {
  if (buf.length === 0) throw new DataError(`${file} is empty (0 bytes): expected UTF-8 text`, { file });
  const nul = buf.indexOf(0);
  if (nul >= 0) {
    const { line, column } = lineColumnAt(buf, nul);
    throw new DataError(
      `${file} looks like a binary file, not text: it has a NUL byte at byte offset ${nul} (line ${line}, column ${column}); expected UTF-8 text`,
      { file, line, column, byteOffset: nul },
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf);
  } catch (e) {
    const bad = findInvalidUtf8(buf);
    if (bad === null) {
      throw new DataError(`${file} does not decode as UTF-8: ${errMessage(e)}`, { file, cause: e });
    }
    const { line, column } = lineColumnAt(buf, bad.offset);
    throw new DataError(
      `${file} is not valid UTF-8: ${bad.reason} at byte offset ${bad.offset} (line ${line}, column ${column}); ` +
        `expected UTF-8 text (convert the file, e.g. with iconv -f <encoding> -t UTF-8)`,
      { file, line, column, byteOffset: bad.offset, cause: e },
    );
  }
}

/** The first ill-formed UTF-8 sequence (Unicode Table 3-7): its byte offset and what is wrong; null if none. */
export function findInvalidUtf8(buf: Uint8Array): { offset: number; reason: string } | null {
  const hex = (b: number): string => '0x' + b.toString(16).toUpperCase().padStart(2, '0');
  const n = buf.length;
  for (let i = 0; i < n; ) {
    const b0 = buf[i]!;
    if (b0 < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
    else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      if (b0 === 0xe0) lo = 0xa0;
      else if (b0 === 0xed) hi = 0x9f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      if (b0 === 0xf0) lo = 0x90;
      else if (b0 === 0xf4) hi = 0x8f;
    } else if (b0 >= 0x80 && b0 <= 0xbf) {
      return { offset: i, reason: `unexpected continuation byte ${hex(b0)} (not preceded by a lead byte)` };
    } else {
      return { offset: i, reason: `byte ${hex(b0)} never occurs in UTF-8` };
    }
    for (let j = 1; j <= need; j++) {
      if (i + j >= n) {
        return { offset: i, reason: `truncated ${need + 1}-byte sequence starting with ${hex(b0)} (the file ends after ${j} of its bytes)` };
      }
      const b = buf[i + j]!;
      const l = j === 1 ? lo : 0x80;
      const h = j === 1 ? hi : 0xbf;
      if (b < l || b > h) {
        const what =
          b >= 0x80 && b <= 0xbf
            ? b0 === 0xe0 || b0 === 0xf0
              ? 'an overlong encoding'
              : b0 === 0xed
                ? 'a UTF-16 surrogate'
                : 'a code point above U+10FFFF'
            : 'not a continuation byte';
        return {
          offset: i,
          reason: `${need + 1}-byte sequence starting with ${hex(b0)} is ill-formed: byte ${hex(b)} at offset ${i + j} is ${what}`,
        };
      }
    }
    i += need + 1;
  }
  return null;
}

/** 1-based line and column (in code points) of byte `offset`; the bytes before it must be valid UTF-8. */
function lineColumnAt(buf: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (buf[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  // Count code points: every byte that is not a continuation byte starts one.
  let column = 1;
  for (let i = lineStart; i < offset; i++) if ((buf[i]! & 0xc0) !== 0x80) column++;
  return { line, column };
}

function errCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null | undefined)?.code;
  return typeof c === 'string' ? c : undefined;
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
