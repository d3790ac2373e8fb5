// The data layer: corpora, vocabularies, batchify and chunks (docs/algorithm.md §1, §9).
// Everything but the loaders is pure and browser-safe; `./load.js` needs Node's fs.
export * from './vocab.js';
export * from './char-corpus.js';
export * from './word-corpus.js';
export * from './batch.js';
export * from './load.js';
