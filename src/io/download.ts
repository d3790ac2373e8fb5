// HTTP(S) downloads that survive a dropped connection and never leave a
// half-written target (Node only).
//
// The bytes go to `<dest>.part`; a later call finds that file and asks the
// server for the rest (an HTTP Range request), starting over when the server
// ignores the range. A complete `.part` is handed to the caller's `verify`
// (a checksum, say): if that throws, the `.part` is removed; otherwise it is
// fsynced and renamed over `dest`, so `dest` only ever appears whole.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { fsyncDirectory } from './atomic-file.js';

export type DownloadFailure =
  /** No connection could be made (or none answered): offline, a bad host, a refused port. */
  | 'unreachable'
  /** The connection broke after the transfer began: the `.part` file keeps what arrived. */
  | 'interrupted'
  /** The server answered with an HTTP error status. */
  | 'http';

export class DownloadError extends Error {
  override name = 'DownloadError';
  readonly kind: DownloadFailure;
  readonly url: string;
  /** The system error code (ECONNREFUSED, ENOTFOUND …), if any. */
  readonly code: string | undefined;
  readonly status: number | undefined;
  /** Bytes in the `.part` file when the download stopped. */
  readonly partBytes: number;

  constructor(kind: DownloadFailure, url: string, message: string, extra: { code?: string; status?: number; partBytes?: number; cause?: unknown } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.kind = kind;
    this.url = url;
    this.code = extra.code;
    this.status = extra.status;
    this.partBytes = extra.partBytes ?? 0;
  }
}

export interface DownloadProgress {
  /** Bytes in the `.part` file so far (including those of an earlier, resumed attempt). */
  received: number;
  /** Total size when the server said (Content-Length / Content-Range), else null. */
  total: number | null;
  /** Bytes that were already there when this call started (a resumed download). */
  resumedFrom: number;
}

export interface DownloadOptions {
  onProgress?: (p: DownloadProgress) => void;
  /** Checks the complete `.part` file; throwing rejects it (the file is removed and the error rethrown). */
  verify?: (partFile: string) => void;
  /** Milliseconds without any data before the connection counts as broken; default 30 000. */
  idleTimeoutMs?: number;
  maxRedirects?: number;
}

export interface DownloadResult {
  bytes: number;
  resumedFrom: number;
}

function errCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null | undefined)?.code;
  return typeof c === 'string' ? c : undefined;
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

interface Response {
  res: http.IncomingMessage;
  url: string;
}

function request(url: string, headers: Record<string, string>, idleTimeoutMs: number, redirectsLeft: number): Promise<Response> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch (e) {
      reject(new DownloadError('http', url, `not a valid URL: ${url}`, { cause: e }));
      return;
    }
    const mod = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : null;
    if (mod === null) {
      reject(new DownloadError('http', url, `unsupported URL scheme ${u.protocol} in ${url} (http: or https: only)`));
      return;
    }
    const req = mod.get(u, { agent: false, headers: { 'user-agent': 'synthgrad', ...headers } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirectsLeft <= 0) {
          reject(new DownloadError('http', url, `too many redirects from ${url}`, { status }));
          return;
        }
        request(new URL(res.headers.location, u).toString(), headers, idleTimeoutMs, redirectsLeft - 1).then(resolve, reject);
        return;
      }
      resolve({ res, url });
    });
    req.setTimeout(idleTimeoutMs, () => {
      req.destroy(Object.assign(new Error(`no answer for ${idleTimeoutMs / 1000} s`), { code: 'ETIMEDOUT' }));
    });
    req.on('error', (e) => {
      const code = errCode(e);
      reject(new DownloadError('unreachable', url, `cannot reach ${url}: ${code ?? ''}${code ? ' ' : ''}${e.message}`.trim(), { code, cause: e }));
    });
  });
}

/** `bytes START-END/TOTAL` → its numbers; `bytes *\/TOTAL` → start null. */
function parseContentRange(v: string | undefined): { start: number | null; total: number | null } | null {
  if (!v) return null;
  const m = /^bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)$/.exec(v.trim());
  if (!m) return null;
  return { start: m[1] === undefined ? null : Number(m[1]), total: m[2] === '*' ? null : Number(m[2]) };
}

/**
 * Downloads `url` to `dest` (see the file comment), resuming from
 * `<dest>.part` when one is there. Throws a DownloadError for network and
 * HTTP failures (the `.part` is kept, to be resumed), or whatever `verify`
 * throws (the `.part` is removed).
 */
export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const part = `${dest}.part`;
  const idle = opts.idleTimeoutMs ?? 30_000;
  fs.mkdirSync(path.dirname(path.resolve(dest)), { recursive: true });
  let have = sizeOf(part);
  const resumedFrom = have;
  let restarted = false;

  for (;;) {
    const { res, url: finalUrl } = await request(url, have > 0 ? { range: `bytes=${have}-` } : {}, idle, opts.maxRedirects ?? 5);
    const status = res.statusCode ?? 0;
    const range = parseContentRange(res.headers['content-range'] as string | undefined);
    if (status === 416 && have > 0) {
      res.resume();
      // The server has nothing past what we hold: either the .part is already complete, or it is not this file.
      if (range?.total === have) break;
      if (restarted) throw new DownloadError('http', finalUrl, `${finalUrl} refuses the byte range of a fresh download (HTTP 416)`, { status });
      fs.rmSync(part, { force: true });
      have = 0;
      restarted = true;
      continue;
    }
    let append: boolean;
    let total: number | null;
    if (status === 206 && have > 0 && range?.start === have) {
      append = true;
      total = range.total;
    } else if (status === 200) {
      append = false; // a server that ignores Range sends the whole file
      const len = Number(res.headers['content-length']);
      total = Number.isFinite(len) && res.headers['content-length'] !== undefined ? len : null;
    } else {
      res.resume();
      if (status === 206 && !restarted) {
        // a range we did not ask for: start over from byte 0
        fs.rmSync(part, { force: true });
        have = 0;
        restarted = true;
        continue;
      }
      throw new DownloadError('http', finalUrl, `${finalUrl} answered HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`, { status, partBytes: have });
    }
    await receive(res, part, append ? have : 0, total, finalUrl, idle, (received) => opts.onProgress?.({ received, total, resumedFrom }));
    break;
  }

  if (opts.verify) {
    try {
      opts.verify(part);
    } catch (e) {
      fs.rmSync(part, { force: true });
      throw e;
    }
  }
  fs.renameSync(part, dest);
  fsyncDirectory(path.dirname(path.resolve(dest)));
  return { bytes: sizeOf(dest), resumedFrom };
}

/** Streams the body of `res` into `part` from byte `start`; resolves once all of it is on disk and fsynced. */
function receive(res: http.IncomingMessage, part: string, start: number, total: number | null, url: string, idleMs: number,
  progress: (received: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const fd = fs.openSync(part, start > 0 ? 'a' : 'w');
    let received = start;
    let settled = false;
    const finish = (err: Error | null) => {
      if (settled) return;
      settled = true;
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      if (err) reject(err);
      else resolve();
    };
    const broken = (why: string, cause?: unknown) =>
      finish(new DownloadError('interrupted', url,
        `the download of ${url} broke off after ${received}${total !== null ? ` of ${total}` : ''} bytes (${why})`,
        { code: errCode(cause), partBytes: received, cause }));
    res.setTimeout(idleMs, () => res.destroy(Object.assign(new Error(`no data for ${idleMs / 1000} s`), { code: 'ETIMEDOUT' })));
    res.on('data', (chunk: Buffer) => {
      if (settled) return;
      try {
        let off = 0;
        while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
      } catch (e) {
        res.destroy();
        finish(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      received += chunk.length;
      progress(received);
    });
    res.on('end', () => {
      if (total !== null && received !== total) broken(`the server sent ${received - start} bytes, ${total - start} were due`);
      else finish(null);
    });
    res.on('error', (e) => broken(e.message, e));
    res.on('close', () => {
      if (!res.complete) broken('connection closed');
    });
  });
}
