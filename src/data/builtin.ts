// The built-in corpus: data/tinyshakespeare.txt, shipped with the package so
// that the language-model examples work on a fresh clone with no network.
// Node only.
//
// This module runs from src/data (tests, via vitest), from dist/src/data
// (the built CLI) and from node_modules/synthgrad/dist/src/data (an installed
// package), so the file is found by walking up from this module to the
// package root (the folder whose package.json is named "synthgrad") rather
// than by a fixed number of `..`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from './vocab.js';

/** The built-in corpus, relative to the package root (also its entry in package.json `files`). */
export const BUILTIN_CORPUS = 'data/tinyshakespeare.txt';

/**
 * The package root above `startDir`: the nearest folder whose package.json
 * has `"name": "synthgrad"`; null if there is none up to the file system root.
 */
export function findPackageRoot(startDir: string): string | null {
  let dir = path.resolve(startDir);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    try {
      if ((JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'synthgrad') return dir;
    } catch { /* no package.json here, or not JSON: keep walking */ }
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/**
 * The absolute path of the built-in character-level corpus (tiny
 * Shakespeare, 1.1 MB). DataError if the package root or the file cannot be
 * found (a package installed without its data folder).
 */
export function builtinCorpusPath(startDir = path.dirname(fileURLToPath(import.meta.url))): string {
  const root = findPackageRoot(startDir);
  if (root === null) {
    throw new DataError(
      `cannot find the synthgrad package root above ${startDir}, so not the built-in corpus ${BUILTIN_CORPUS} either; pass --data <file>`,
    );
  }
  const file = path.join(root, BUILTIN_CORPUS);
  if (!fs.existsSync(file)) {
    throw new DataError(
      `the built-in corpus ${file} is missing (a package installed without its data folder?); reinstall synthgrad or pass --data <file>`,
      { file },
    );
  }
  return file;
}
