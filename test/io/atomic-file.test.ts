import * as realFs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileIoError, readFileBytes, writeFileAtomic } from '../../src/io/atomic-file.js';

// Fault injection: node:fs is wrapped so that a test can make one call fail.
const faults = vi.hoisted(() => ({
  failOn: undefined as undefined | 'openSync' | 'writeSync' | 'fsyncSync' | 'renameSync',
  partialWrites: false,
}));

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const injected = (name: string) => Object.assign(new Error(`injected ${name} failure`), { code: 'EIO' });
  const wrapped = {
    ...real,
    openSync: ((...args: Parameters<typeof real.openSync>) => {
      if (faults.failOn === 'openSync') throw injected('openSync');
      return real.openSync(...args);
    }) as typeof real.openSync,
    writeSync: ((fd: number, buf: Uint8Array, off?: number, len?: number) => {
      if (faults.partialWrites) {
        // Short writes: at most 7 bytes a call, to exercise the write loop.
        const n = real.writeSync(fd, buf, off ?? 0, Math.min(len ?? buf.length, 7));
        if (faults.failOn === 'writeSync') throw injected('writeSync'); // fail after some bytes hit the disk
        return n;
      }
      if (faults.failOn === 'writeSync') throw injected('writeSync');
      return real.writeSync(fd, buf, off, len);
    }) as typeof real.writeSync,
    fsyncSync: ((fd: number) => {
      if (faults.failOn === 'fsyncSync') throw injected('fsyncSync');
      return real.fsyncSync(fd);
    }) as typeof real.fsyncSync,
    renameSync: ((a: realFs.PathLike, b: realFs.PathLike) => {
      if (faults.failOn === 'renameSync') throw injected('renameSync');
      return real.renameSync(a, b);
    }) as typeof real.renameSync,
  };
  return { ...wrapped, default: wrapped };
});


let dir: string;
beforeEach(() => {
  dir = realFs.mkdtempSync(path.join(os.tmpdir(), 'synthgrad-atomic-'));
  faults.failOn = undefined;
  faults.partialWrites = false;
});
afterEach(() => {
  faults.failOn = undefined;
  faults.partialWrites = false;
  realFs.rmSync(dir, { recursive: true, force: true });
});

const entries = () => realFs.readdirSync(dir).sort();

describe('writeFileAtomic', () => {
  it('creates and replaces a file, leaving no temporary file', () => {
    const p = path.join(dir, 'model.safetensors');
    writeFileAtomic(p, new Uint8Array([1, 2, 3]));
    expect(new Uint8Array(realFs.readFileSync(p))).toEqual(new Uint8Array([1, 2, 3]));
    writeFileAtomic(p, 'héllo');
    expect(realFs.readFileSync(p, 'utf8')).toBe('héllo');
    writeFileAtomic(p, new Uint8Array(0));
    expect(realFs.readFileSync(p).length).toBe(0);
    expect(entries()).toEqual(['model.safetensors']);
  });

  it('writes a view into a larger buffer exactly', () => {
    const p = path.join(dir, 'v.bin');
    const big = new Uint8Array([9, 9, 1, 2, 3, 9]);
    writeFileAtomic(p, big.subarray(2, 5));
    expect(new Uint8Array(realFs.readFileSync(p))).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('handles short writes', () => {
    const p = path.join(dir, 'short.bin');
    faults.partialWrites = true;
    const data = Uint8Array.from({ length: 100 }, (_, i) => i);
    writeFileAtomic(p, data);
    expect(new Uint8Array(realFs.readFileSync(p))).toEqual(data);
  });

  it.skipIf(process.platform === 'win32')('keeps the permission bits of the file it replaces', () => {
    const p = path.join(dir, 'mode.txt');
    realFs.writeFileSync(p, 'old');
    realFs.chmodSync(p, 0o640);
    writeFileAtomic(p, 'new');
    expect(realFs.statSync(p).mode & 0o777).toBe(0o640);
  });

  for (const step of ['openSync', 'writeSync', 'fsyncSync', 'renameSync'] as const) {
    for (const partial of [false, true]) {
      if (partial && step !== 'writeSync') continue;
      it(`keeps the old file and removes the temporary one when ${step} fails${partial ? ' mid-write' : ''}`, () => {
        const p = path.join(dir, 'target.bin');
        realFs.writeFileSync(p, 'old content');
        faults.failOn = step;
        faults.partialWrites = partial;
        let err: unknown;
        try { writeFileAtomic(p, 'new content that is long enough to need several writes'); } catch (e) { err = e; }
        expect(err).toBeInstanceOf(FileIoError);
        expect((err as Error).message).toContain(p);
        expect((err as Error).message).toContain(`injected ${step} failure`);
        expect((err as FileIoError).code).toBe('EIO');
        expect(realFs.readFileSync(p, 'utf8')).toBe('old content');
        expect(entries()).toEqual(['target.bin']);
      });
    }
  }

  it('fails cleanly when the target is a directory', () => {
    const p = path.join(dir, 'sub');
    realFs.mkdirSync(p);
    realFs.writeFileSync(path.join(p, 'inside'), 'x');
    realFs.writeFileSync(path.join(dir, 'old.txt'), 'old');
    expect(() => writeFileAtomic(p, 'new')).toThrow(new RegExp(`cannot write .*sub`));
    expect(realFs.statSync(p).isDirectory()).toBe(true);
    expect(realFs.readFileSync(path.join(p, 'inside'), 'utf8')).toBe('x');
    expect(realFs.readFileSync(path.join(dir, 'old.txt'), 'utf8')).toBe('old');
    expect(entries()).toEqual(['old.txt', 'sub']);
  });

  it('fails cleanly when the directory does not exist', () => {
    const p = path.join(dir, 'missing', 'f.bin');
    let err: unknown;
    try { writeFileAtomic(p, 'x'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(FileIoError);
    expect((err as Error).message).toContain(p);
    expect((err as FileIoError).code).toBe('ENOENT');
    expect(entries()).toEqual([]);
  });

  it('never shows a concurrent reader a partial file', async () => {
    // A worker thread reads the file in a tight loop while this thread
    // replaces it; every read must be exactly the old or the new content.
    const p = path.join(dir, 'race.bin');
    const size = 1 << 20;
    const a = new Uint8Array(size).fill(0x61);
    const b = new Uint8Array(size).fill(0x62);
    writeFileAtomic(p, a);
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(`
      const { parentPort, workerData } = require('node:worker_threads');
      const fs = require('node:fs');
      const { file, stop, size } = workerData;
      let reads = 0, bad = 0, badInfo = '';
      while (Atomics.load(stop, 0) === 0) {
        let buf;
        try { buf = fs.readFileSync(file); } catch (e) { bad++; badInfo = String(e); continue; }
        reads++;
        const c = buf[0];
        if (buf.length !== size || (c !== 0x61 && c !== 0x62) || buf[size - 1] !== c || buf.indexOf(c === 0x61 ? 0x62 : 0x61) !== -1) {
          bad++; badInfo = 'length ' + buf.length;
        }
      }
      parentPort.postMessage({ reads, bad, badInfo });
    `, { eval: true, workerData: { file: p, stop, size } });
    const result = new Promise<{ reads: number; bad: number; badInfo: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 60; i++) writeFileAtomic(p, i % 2 === 0 ? b : a);
    Atomics.store(stop, 0, 1);
    const r = await result;
    await worker.terminate();
    expect(r.bad, r.badInfo).toBe(0);
    expect(r.reads).toBeGreaterThan(0);
    expect(entries()).toEqual(['race.bin']);
  });
});

describe('readFileBytes', () => {
  it('reads a file as a plain Uint8Array', () => {
    const p = path.join(dir, 'f.bin');
    realFs.writeFileSync(p, new Uint8Array([5, 6, 7]));
    const got = readFileBytes(p);
    expect(got.constructor).toBe(Uint8Array);
    expect(got).toEqual(new Uint8Array([5, 6, 7]));
  });

  it('explains a missing file', () => {
    const p = path.join(dir, 'nope.bin');
    expect(() => readFileBytes(p)).toThrow(`cannot read ${JSON.stringify(p)}: no such file`);
  });

  it('explains a directory', () => {
    expect(() => readFileBytes(dir)).toThrow(/is a directory/);
    try { readFileBytes(dir); } catch (e) {
      expect(e).toBeInstanceOf(FileIoError);
      expect((e as FileIoError).path).toBe(dir);
    }
  });
});
