// `synthgrad data get` against a local HTTP server on 127.0.0.1 serving
// archives the test builds: the layout, checksum mismatches that leave no
// file behind, a dropped connection resumed by a Range request, a server that
// ignores Range, and the one-line offline message with exit code 2.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataGet } from '../../src/cli/data-command.js';
import type { DatasetSpec, DatasetTable } from '../../src/data/datasets.js';
import { DataError } from '../../src/data/vocab.js';
import { makeTgz, makeZip } from '../data/archive-helpers.js';
import { makeText, tempDir } from '../train/helpers.js';

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

// English-like text that compresses to a few tens of kB, so that a transfer can be cut in the middle
const WORDS = { train: makeText(80_000, 3), valid: 'a dog ran\n', test: 'the end\n' };
const CHARS = { train: ' t h e _ c a t \n'.repeat(50), valid: ' a _ d o g \n', test: ' e n d \n' };
const TGZ = makeTgz({
  'data/ptb.train.txt': WORDS.train, 'data/ptb.valid.txt': WORDS.valid, 'data/ptb.test.txt': WORDS.test,
  'data/ptb.char.train.txt': CHARS.train, 'data/ptb.char.valid.txt': CHARS.valid, 'data/ptb.char.test.txt': CHARS.test,
});
const ZIP = makeZip([
  ['wikitext-2/wiki.train.tokens', new TextEncoder().encode(WORDS.train)],
  ['wikitext-2/wiki.valid.tokens', new TextEncoder().encode(WORDS.valid)],
  ['wikitext-2/wiki.test.tokens', new TextEncoder().encode(WORDS.test)],
]);

/** A table shaped like the real one, pinned by checksums of this test's own archives. */
function table(over: Partial<Record<'ptb' | 'ptb-char' | 'wikitext-2', Partial<DatasetSpec>>> = {}): DatasetTable {
  const member = (p: string, target: 'train.txt' | 'valid.txt' | 'test.txt', text: string | null) => ({ archivePath: p, target, sha256: text === null ? null : sha256(text) });
  const t: Record<string, DatasetSpec> = {
    ptb: {
      name: 'ptb', description: 'test ptb', task: 'wordlm', url: 'http://unused.invalid/simple-examples.tgz', fileName: 'simple-examples.tgz', format: 'tgz',
      bytes: null, sha256: null, md5: md5(TGZ), transform: 'none',
      members: [member('simple-examples/data/ptb.train.txt', 'train.txt', WORDS.train), member('simple-examples/data/ptb.valid.txt', 'valid.txt', WORDS.valid),
        member('simple-examples/data/ptb.test.txt', 'test.txt', WORDS.test)],
    },
    'ptb-char': {
      name: 'ptb-char', description: 'test ptb-char', task: 'charlm', url: 'http://unused.invalid/simple-examples.tgz', fileName: 'simple-examples.tgz', format: 'tgz',
      bytes: null, sha256: sha256(TGZ), md5: null, transform: 'ptb-char',
      members: [member('simple-examples/data/ptb.char.train.txt', 'train.txt', null), member('simple-examples/data/ptb.char.valid.txt', 'valid.txt', null),
        member('simple-examples/data/ptb.char.test.txt', 'test.txt', null)],
    },
    'wikitext-2': {
      name: 'wikitext-2', description: 'test wikitext-2', task: 'wordlm', url: 'http://unused.invalid/wikitext-2-v1.zip', fileName: 'wikitext-2-v1.zip', format: 'zip',
      bytes: ZIP.length, sha256: sha256(ZIP), md5: null, transform: 'none',
      members: [member('wikitext-2/wiki.train.tokens', 'train.txt', null), member('wikitext-2/wiki.valid.tokens', 'valid.txt', null),
        member('wikitext-2/wiki.test.tokens', 'test.txt', null)],
    },
  };
  for (const [k, v] of Object.entries(over)) t[k] = { ...t[k]!, ...v };
  return t;
}

interface Served { ranges: Array<string | undefined>; dropNext: number | null; ignoreRange: boolean }
const served: Served = { ranges: [], dropNext: null, ignoreRange: false };
let server: http.Server;
let mirror: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const file = { '/m/simple-examples.tgz': TGZ, '/m/wikitext-2-v1.zip': ZIP }[req.url ?? ''];
    served.ranges.push(req.headers.range);
    if (!file) { res.writeHead(404).end(); return; }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m && !served.ignoreRange ? Number(m[1]) : 0;
    const headers: http.OutgoingHttpHeaders = { 'content-length': file.length - start, 'accept-ranges': 'bytes' };
    if (start > 0) headers['content-range'] = `bytes ${start}-${file.length - 1}/${file.length}`;
    res.writeHead(start > 0 ? 206 : 200, headers);
    if (served.dropNext !== null) {
      // promise the whole file, send part of it, then drop the connection
      const cut = served.dropNext;
      served.dropNext = null;
      res.write(Buffer.from(file.subarray(start, start + cut)), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(Buffer.from(file.subarray(start)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/m`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

it('the archives are large enough to cut', () => {
  expect(TGZ.length).toBeGreaterThan(5000);
  expect(ZIP.length).toBeGreaterThan(5000);
});

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

const quiet = { log: () => {}, progress: { isTTY: false, write: () => true } };

describe('synthgrad data get (local server)', () => {
  it('lays out ptb, ptb-char (one shared archive) and wikitext-2 as --data expects', async () => {
    const dir = tempDir();
    served.ranges = [];
    const logs: string[] = [];
    const r = await dataGet('ptb', { dir, mirror, table: table(), ...quiet, log: (l) => logs.push(l) });
    expect(r.folder).toBe(path.join(dir, 'ptb'));
    for (const k of ['train', 'valid', 'test'] as const) expect(fs.readFileSync(path.join(dir, 'ptb', `${k}.txt`), 'utf8')).toBe(WORDS[k]);
    expect(logs.join('\n')).toMatch(/MD5 only/);
    // ptb-char reuses the archive kept in .downloads: no second request
    const before = served.ranges.length;
    await dataGet('ptb-char', { dir, mirror, table: table(), ...quiet });
    expect(served.ranges.length).toBe(before);
    expect(fs.readFileSync(path.join(dir, 'ptb-char', 'train.txt'), 'utf8')).toBe('the_cat\n'.repeat(50));
    expect(fs.readFileSync(path.join(dir, 'ptb-char', 'valid.txt'), 'utf8')).toBe('a_dog\n');
    await dataGet('wikitext-2', { dir, mirror, table: table(), ...quiet });
    expect(fs.readFileSync(path.join(dir, 'wikitext-2', 'train.txt'), 'utf8')).toBe(WORDS.train);
    expect(filesUnder(dir).map((f) => path.relative(dir, f)).sort()).toEqual([
      '.downloads/simple-examples.tgz', '.downloads/wikitext-2-v1.zip',
      'ptb-char/test.txt', 'ptb-char/train.txt', 'ptb-char/valid.txt', 'ptb/test.txt', 'ptb/train.txt', 'ptb/valid.txt',
      'wikitext-2/test.txt', 'wikitext-2/train.txt', 'wikitext-2/valid.txt']);
    // complete already: nothing fetched
    const again = await dataGet('wikitext-2', { dir, mirror: 'http://127.0.0.1:1/none', table: table(), ...quiet });
    expect(again.fetched).toBe(false);
  });

  it('a downloaded archive that fails its checksum leaves no file behind and names the file', async () => {
    const dir = path.join(tempDir(), 'corpora');
    const bad = table({ 'wikitext-2': { sha256: sha256('something else') } });
    const err = await dataGet('wikitext-2', { dir, mirror, table: bad, ...quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(/checksum mismatch for wikitext-2-v1\.zip .*sha256 [0-9a-f]{64}, expected/);
    expect(filesUnder(path.dirname(dir))).toEqual([]);
  });

  it('a member that fails its checksum leaves no file behind either', async () => {
    const dir = tempDir();
    const t = table();
    const bad = table({ ptb: { members: t.ptb!.members.map((m, i) => (i === 1 ? { ...m, sha256: sha256('not it') } : m)) } });
    const err = await dataGet('ptb', { dir, mirror, table: bad, ...quiet }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/checksum mismatch for simple-examples\/data\/ptb\.valid\.txt in simple-examples\.tgz/);
    expect(filesUnder(dir)).toEqual([]);
  });

  it('resumes an interrupted download with a Range request and ends with the right bytes', async () => {
    const dir = tempDir();
    served.ranges = [];
    served.dropNext = 1000;
    const first = await dataGet('ptb', { dir, mirror, table: table(), ...quiet }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(DataError);
    expect((first as Error).message).toMatch(/broke off after 1000 of \d+ bytes.*run the same command again to resume/);
    const part = path.join(dir, '.downloads', 'simple-examples.tgz.part');
    expect(Buffer.from(fs.readFileSync(part)).equals(Buffer.from(TGZ.subarray(0, 1000)))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'ptb'))).toBe(false);

    const lines: string[] = [];
    await dataGet('ptb', { dir, mirror, table: table(), log: () => {}, progress: { isTTY: false, write: (s) => (lines.push(s), true) } });
    expect(served.ranges).toEqual([undefined, 'bytes=1000-']);
    expect(Buffer.from(fs.readFileSync(path.join(dir, '.downloads', 'simple-examples.tgz'))).equals(Buffer.from(TGZ))).toBe(true);
    expect(fs.existsSync(part)).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'ptb', 'train.txt'), 'utf8')).toBe(WORDS.train);
    expect(lines.join('')).toMatch(/resumed at 1\.0 kB/);
  });

  it('starts over when the server ignores the Range header', async () => {
    const dir = tempDir();
    served.dropNext = 700;
    await dataGet('wikitext-2', { dir, mirror, table: table(), ...quiet }).catch(() => {});
    served.ignoreRange = true;
    served.ranges = [];
    try {
      await dataGet('wikitext-2', { dir, mirror, table: table(), ...quiet });
    } finally {
      served.ignoreRange = false;
    }
    expect(served.ranges).toEqual(['bytes=700-']);
    expect(Buffer.from(fs.readFileSync(path.join(dir, '.downloads', 'wikitext-2-v1.zip'))).equals(Buffer.from(ZIP))).toBe(true);
  });

  it('draws a bar with percent, bytes and rate on a TTY', async () => {
    const dir = tempDir();
    const out: string[] = [];
    await dataGet('wikitext-2', { dir, mirror, table: table(), log: () => {}, progress: { isTTY: true, columns: 200, write: (s) => (out.push(s), true) } });
    const text = out.join('');
    expect(text).toMatch(/wikitext-2-v1\.zip  \[[#-]{24}\] +\d+\.\d%  [\d.]+ k?B \/ [\d.]+ k?B  [\d.]+ [kMG]?B\/s  ETA \d+:\d\d:\d\d/);
    expect(text).toMatch(/wikitext-2-v1\.zip: [\d.]+ k?B in [\d.]+ s/);
  });

  it('an HTTP error names the URL and the status, and suggests a mirror or placing the file by hand', async () => {
    const dir = tempDir();
    const err = await dataGet('ptb', { dir, mirror: `${mirror}/gone`, table: table(), ...quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(new RegExp(`${mirror}/gone/simple-examples\\.tgz answered HTTP 404.*--mirror URL.*put it at`));
    expect(filesUnder(dir)).toEqual([]);
  });

  it('an unknown name lists the known ones', async () => {
    await expect(dataGet('ptb2', { dir: tempDir(), table: table(), ...quiet })).rejects.toThrow(/unknown dataset "ptb2"; one of: ptb, ptb-char, wikitext-2/);
  });
});

describe('synthgrad data get (CLI, no network)', () => {
  it('says in one line that the network is unreachable, where the file comes from and how to place it; exit 2', async () => {
    // a port that was just free: connection refused
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const dir = tempDir();
    const r = spawnSync('node', [path.resolve('dist/src/cli/main.js'), 'data', 'get', 'ptb', '--dir', dir], {
      encoding: 'utf8', env: { ...process.env, SYNTHGRAD_DATA_MIRROR: `http://127.0.0.1:${port}/mirror` },
    });
    expect(r.status).toBe(2);
    const errLines = r.stderr.trim().split('\n').filter((l) => l.startsWith('synthgrad:'));
    expect(errLines).toHaveLength(1);
    expect(errLines[0]).toMatch(new RegExp(`cannot download http://127\\.0\\.0\\.1:${port}/mirror/simple-examples\\.tgz: the network is unreachable \\(ECONNREFUSED\\)`));
    expect(errLines[0]).toContain(`put it at ${path.join(dir, '.downloads', 'simple-examples.tgz')}`);
    expect(filesUnder(dir)).toEqual([]);
  });
});
