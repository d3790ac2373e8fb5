// Word-level corpora (docs/algorithm.md §1 and §9 "Data"), Penn Treebank /
// WikiText layout, as PyTorch's word_language_model example reads them:
//
// * a text is cut into lines at '\n'; a final '\n' does not start an extra
//   line (so "a\nb\n" and "a\nb" both have two lines, "" has none);
// * every line is split like Python's `str.split()` (runs of Unicode
//   whitespace, see PYTHON_WHITESPACE; "\r", U+00A0, U+3000 … are whitespace)
//   and followed by the token `<eos>`; an empty or all-whitespace line yields
//   a lone `<eos>`;
// * ids are assigned in order of first appearance, over the train text
//   first, then valid, then test, so valid/test words unseen in training get
//   ids too (not an error).
//
// Pure functions on strings; no Node imports.

import type { CorpusNames } from './char-corpus.js';
import { DataError, pythonSplit } from './vocab.js';

/** The end-of-line token appended to every line. */
export const EOS = '<eos>';

/** A word-level corpus: the vocabulary (index = id) and the id streams of the three splits. */
export interface WordCorpus {
  vocab: string[];
  train: Int32Array;
  valid: Int32Array;
  test: Int32Array;
}

/**
 * The token sequence of a text: for each line (split on '\n', a final '\n'
 * not starting an extra line), Python `str.split()` tokens followed by `<eos>`.
 */
export function wordTokens(text: string): string[] {
  const out: string[] = [];
  if (text.length === 0) return out;
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  for (const line of lines) {
    for (const w of pythonSplit(line)) out.push(w);
    out.push(EOS);
  }
  return out;
}

/**
 * Builds a word-level corpus from the three texts. Throws DataError naming
 * the file if a text has no line at all (the empty string).
 */
export function buildWordCorpus(train: string, valid: string, test: string, names: CorpusNames): WordCorpus {
  const vocab: string[] = [];
  const ids = new Map<string, number>();
  const idOf = (w: string): number => {
    let id = ids.get(w);
    if (id === undefined) {
      id = vocab.length;
      ids.set(w, id);
      vocab.push(w);
    }
    return id;
  };
  const encode = (text: string, name: string): Int32Array => {
    if (text.length === 0) throw new DataError(`${name} is empty: it has no lines, hence no tokens`, { file: name });
    // Line by line, so that a large text is never held as one array of strings.
    let out = new Int32Array(Math.max(16, text.length >>> 2));
    let n = 0;
    const push = (id: number): void => {
      if (n === out.length) {
        const bigger = new Int32Array(out.length * 2);
        bigger.set(out);
        out = bigger;
      }
      out[n++] = id;
    };
    const end = text.endsWith('\n') ? text.length - 1 : text.length;
    for (let from = 0; from <= end; ) {
      let to = text.indexOf('\n', from);
      if (to < 0 || to > end) to = end;
      for (const w of pythonSplit(text.slice(from, to))) push(idOf(w));
      push(idOf(EOS));
      from = to + 1;
    }
    return out.slice(0, n);
  };
  const tr = encode(train, names.train);
  const va = encode(valid, names.valid ?? 'validation text');
  const te = encode(test, names.test ?? 'test text');
  return { vocab, train: tr, valid: va, test: te };
}
