// The archive readers behind `synthgrad data get` (tar.gz by GNU/BSD tar, zip
// written here byte by byte), the ptb-char transform, the dataset table's
// shape, and where the built-in corpus is found from.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BUILTIN_CORPUS, builtinCorpusPath } from '../../src/data/builtin.js';
import { DATASETS } from '../../src/data/datasets.js';
import { ptbCharToText } from '../../src/data/layout.js';
import { readTar, readTgz } from '../../src/data/tar.js';
import { crc32, readZip } from '../../src/data/zip.js';
import { tempDir } from '../train/helpers.js';
import { makeTgz, makeZip } from './archive-helpers.js';

describe('readTgz', () => {
  it('reads the files of an archive made by tar, long paths included, without the leading ./', () => {
    const deep = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(40)}.txt`; // over ustar's 100-byte name field
    const big = 'x'.repeat(513) + '\n'; // spans two 512-byte blocks
    const tgz = makeTgz({ 'data/ptb.train.txt': 'a b c\n', 'data/empty.txt': '', [deep]: big });
    const files = new Map(readTgz(tgz).filter((e) => e.type === 'file').map((e) => [e.name, new TextDecoder().decode(e.data)]));
    expect(files.get('simple-examples/data/ptb.train.txt')).toBe('a b c\n');
    expect(files.get('simple-examples/data/empty.txt')).toBe('');
    expect(files.get(`simple-examples/${deep}`)).toBe(big);
    expect(readTgz(tgz).some((e) => e.type === 'dir' && e.name.replace(/\/$/, '') === 'simple-examples/data')).toBe(true);
  });

  it('rejects a damaged header, a truncated archive and a file that is not gzip', () => {
    const tar = new Uint8Array(zlib.gunzipSync(makeTgz({ 'a.txt': 'hello\n' })));
    const bad = tar.slice();
    bad[10]! ^= 0xff;
    expect(() => readTar(bad)).toThrow(/fails its checksum/);
    // blocks: the folder's header, a.txt's header, a.txt's data, then the end-of-archive zero blocks
    expect(readTar(tar).map((e) => e.name)).toEqual(['simple-examples/', 'simple-examples/a.txt']);
    expect(() => readTar(tar.subarray(0, 512 * 2 + 3))).toThrow(/truncated tar archive: an entry/);
    expect(() => readTar(tar.subarray(0, 512 * 3))).toThrow(/without its end-of-archive blocks/);
    expect(() => readTgz(new TextEncoder().encode('plain text'))).toThrow(/not a gzip file/);
  });
});

describe('readZip', () => {
  const text = new TextEncoder().encode(' = Valkyria Chronicles III = \n\n Senjō no Valkyria 3 \n'.repeat(20));
  it('reads stored and deflated entries by name, checking each CRC-32', () => {
    const zip = makeZip([['wikitext-2/wiki.train.tokens', text], ['wikitext-2/wiki.valid.tokens', text.subarray(0, 7)], ['wikitext-2/wiki.test.tokens', new Uint8Array(0)]]);
    const got = new Map(readZip(zip).map((e) => [e.name, e.data]));
    expect(Buffer.from(got.get('wikitext-2/wiki.train.tokens')!).equals(Buffer.from(text))).toBe(true);
    expect(Buffer.from(got.get('wikitext-2/wiki.valid.tokens')!).equals(Buffer.from(text.subarray(0, 7)))).toBe(true);
    expect(got.get('wikitext-2/wiki.test.tokens')!.length).toBe(0);
  });

  it('rejects a stored entry with a flipped byte, and a file that is no zip', () => {
    const zip = makeZip([['a', new Uint8Array(0)], ['b.txt', text]]); // the second entry is stored
    const bad = zip.slice();
    bad[30 + 1 + 30 + 5 + 3]! ^= 1; // inside b.txt's data
    expect(() => readZip(bad)).toThrow(/fails its size or CRC-32 check/);
    expect(() => readZip(new Uint8Array(100))).toThrow(/not a zip archive/);
  });

  it('crc32 agrees with zlib', () => {
    for (const s of ['', 'a', 'The quick brown fox jumps over the lazy dog']) {
      const b = new TextEncoder().encode(s);
      expect(crc32(b)).toBe(zlib.crc32(b));
    }
  });
});

describe('ptb-char layout', () => {
  it('drops the separators so that each symbol is one character; `_` and lines stay', () => {
    expect(ptbCharToText(' a e r _ b a n k n o t e _ h y d r o - q u e b e c \n t h e _ e n d\n')).toBe('aer_banknote_hydro-quebec\nthe_end\n');
  });
});

describe('the dataset table', () => {
  it('pins every archive by SHA-256 or MD5 and lays out train/valid/test for each', () => {
    for (const s of Object.values(DATASETS)) {
      expect(s.sha256 ?? s.md5, s.name).toMatch(/^[0-9a-f]+$/);
      if (s.sha256 !== null) expect(s.sha256).toMatch(/^[0-9a-f]{64}$/);
      if (s.md5 !== null) expect(s.md5).toMatch(/^[0-9a-f]{32}$/);
      expect(s.members.map((m) => m.target).sort()).toEqual(['test.txt', 'train.txt', 'valid.txt']);
      for (const m of s.members) if (m.sha256 !== null) expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(s.url.endsWith(`/${s.fileName}`)).toBe(true);
    }
  });
});

describe('builtinCorpusPath', () => {
  it('finds data/tinyshakespeare.txt from the source tree and from the built tree', () => {
    const want = path.resolve(BUILTIN_CORPUS);
    expect(builtinCorpusPath()).toBe(want);
    expect(builtinCorpusPath(path.resolve('dist/src/data'))).toBe(want);
    expect(fs.statSync(want).size).toBe(1115394);
  });

  it('finds it in an installed package, and says what is wrong when the data folder is missing', () => {
    const root = path.join(tempDir(), 'node_modules', 'synthgrad');
    fs.mkdirSync(path.join(root, 'dist', 'src', 'data'), { recursive: true });
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'synthgrad' }));
    expect(() => builtinCorpusPath(path.join(root, 'dist', 'src', 'data'))).toThrow(/built-in corpus .* is missing/);
    fs.mkdirSync(path.join(root, 'data'));
    fs.writeFileSync(path.join(root, BUILTIN_CORPUS), 'To be\n');
    expect(builtinCorpusPath(path.join(root, 'dist', 'src', 'data'))).toBe(path.join(root, BUILTIN_CORPUS));
    expect(() => builtinCorpusPath(tempDir())).toThrow(/cannot find the synthgrad package root/);
  });
});
