// Crash-safe file writes and friendly file reads (Node only).
//
// writeFileAtomic writes to a temporary file in the target's directory,
// fsyncs it, renames it over the target and fsyncs the directory, so that
// after a crash the target holds either its old or its new content, never a
// mix or a truncated file. On failure the temporary file is removed.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** An Error carrying the path concerned and the system error code, if any. */
export class FileIoError extends Error {
  readonly path: string;
  readonly code: string | undefined;

  constructor(message: string, filePath: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'FileIoError';
    this.path = filePath;
    this.code = errCode(cause);
  }
}

function errCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null | undefined)?.code;
  return typeof c === 'string' ? c : undefined;
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// Codes with which platforms refuse to open or fsync a directory; the write
// itself has succeeded then, only the extra durability step is unavailable.
const DIR_FSYNC_UNSUPPORTED = new Set(['EINVAL', 'EPERM', 'EISDIR', 'EBADF', 'ENOTSUP', 'EACCES']);

/** fsyncs a directory (after a rename in it); a no-op where the platform refuses. */
export function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (e) {
    if (!DIR_FSYNC_UNSUPPORTED.has(errCode(e) ?? '')) throw e;
  } finally {
    if (fd !== undefined) {
      try { fs.closeSync(fd); } catch { /* nothing more to do */ }
    }
  }
}

/**
 * Replaces the file at `filePath` with `bytes` (a string is written as
 * UTF-8) atomically: readers see the old content or the new one, never a
 * partial file. An existing target keeps its permission bits. Throws a
 * FileIoError naming the path, with the temporary file removed.
 */
export function writeFileAtomic(filePath: string, bytes: Uint8Array | string): void {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  const target = path.resolve(filePath);
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);

  let mode = 0o666;
  try {
    const st = fs.statSync(target);
    if (st.isFile()) mode = st.mode & 0o7777;
  } catch { /* a new file (or an unreadable one: the rename will tell) */ }

  let fd: number | undefined;
  let created = false;
  try {
    fd = fs.openSync(tmp, 'wx', mode);
    created = true;
    let off = 0;
    while (off < data.length) {
      off += fs.writeSync(fd, data, off, data.length - off);
    }
    fs.fsyncSync(fd);
    const f = fd;
    fd = undefined;
    fs.closeSync(f);
    fs.renameSync(tmp, target);
    created = false;
  } catch (e) {
    if (fd !== undefined) {
      try { fs.closeSync(fd); } catch { /* already failing */ }
    }
    if (created) {
      try { fs.unlinkSync(tmp); } catch { /* already failing */ }
    }
    throw new FileIoError(`cannot write ${JSON.stringify(filePath)}: ${errMessage(e)}`, filePath, e);
  }
  try {
    fsyncDirectory(dir);
  } catch (e) {
    throw new FileIoError(
      `wrote ${JSON.stringify(filePath)} but could not sync its directory: ${errMessage(e)}`, filePath, e);
  }
}

/**
 * Reads a whole file as bytes, with a clear FileIoError for a missing file,
 * a directory or any other failure.
 */
export function readFileBytes(filePath: string): Uint8Array {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(filePath);
  } catch (e) {
    const code = errCode(e);
    const why = code === 'ENOENT' ? 'no such file'
      : code === 'EISDIR' ? 'it is a directory, not a file'
        : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
          : errMessage(e);
    throw new FileIoError(`cannot read ${JSON.stringify(filePath)}: ${why}`, filePath, e);
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
