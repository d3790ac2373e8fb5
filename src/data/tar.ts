// A small reader for (gzipped) tar archives, enough for dataset archives such
// as Mikolov's simple-examples.tgz: ustar and old-style headers, GNU long
// names and pax `path` records. Node only (gunzip via node:zlib).
import { gunzipSync } from 'node:zlib';
import { DataError } from './vocab.js';

export interface ArchiveEntry {
  /** The path inside the archive, `/`-separated, without a leading `./`. */
  name: string;
  type: 'file' | 'dir' | 'other';
  /** The content (files only; empty otherwise). */
  data: Uint8Array;
}

const BLOCK = 512;

/** Strips a leading `./` (and `/`), the only normalisation archive paths get. */
export function normalizeArchivePath(p: string): string {
  return p.replace(/^(\.\/|\/)+/, '');
}

function cString(b: Uint8Array, start: number, len: number): string {
  let end = start;
  while (end < start + len && b[end] !== 0) end++;
  return new TextDecoder().decode(b.subarray(start, end));
}

// Sizes are octal text, or big-endian base-256 when the first byte has its top bit set (files over 8 GiB).
function numberField(b: Uint8Array, start: number, len: number, what: string, at: number): number {
  if ((b[start]! & 0x80) !== 0) {
    let v = b[start]! & 0x7f;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + b[i]!;
    return v;
  }
  const s = cString(b, start, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new DataError(`not a tar archive: header at byte ${at} has ${what} ${JSON.stringify(s)}, not an octal number`);
  return parseInt(s, 8);
}

function headerChecksumOk(b: Uint8Array, at: number): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : b[at + i]!;
  return sum === numberField(b, at + 148, 8, 'checksum', at);
}

function isZeroBlock(b: Uint8Array, at: number): boolean {
  for (let i = at; i < at + BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

/** The `path` record of a pax extended header, if any. */
function paxPath(data: Uint8Array): string | null {
  const text = new TextDecoder().decode(data);
  let i = 0;
  let found: string | null = null;
  while (i < text.length) {
    const sp = text.indexOf(' ', i);
    if (sp < 0) break;
    const len = parseInt(text.slice(i, sp), 10);
    if (!(len > 0)) break;
    const rec = text.slice(sp + 1, i + len - 1); // without the trailing newline
    const eq = rec.indexOf('=');
    if (eq > 0 && rec.slice(0, eq) === 'path') found = rec.slice(eq + 1);
    i += len;
  }
  return found;
}

/** The entries of an uncompressed tar archive, in order. DataError for a damaged archive. */
export function readTar(b: Uint8Array): ArchiveEntry[] {
  const out: ArchiveEntry[] = [];
  let at = 0;
  let longName: string | null = null;
  for (;;) {
    if (at + BLOCK > b.length) throw new DataError(`truncated tar archive: it ends at byte ${b.length} without its end-of-archive blocks`);
    if (isZeroBlock(b, at)) break;
    if (!headerChecksumOk(b, at)) throw new DataError(`damaged tar archive: the header at byte ${at} fails its checksum`);
    const size = numberField(b, at + 124, 12, 'size', at);
    const flag = String.fromCharCode(b[at + 156]!);
    const header = at;
    const dataStart = at + BLOCK;
    if (dataStart + size > b.length) throw new DataError(`truncated tar archive: an entry at byte ${at} needs ${size} bytes, the archive ends first`);
    const data = b.subarray(dataStart, dataStart + size);
    at = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'L') { longName = cString(data, 0, data.length); continue; }
    if (flag === 'x') { longName = paxPath(data) ?? longName; continue; }
    if (flag === 'g') continue;
    let name = longName;
    longName = null;
    if (name === null) {
      const base = cString(b, header, 100);
      const ustar = cString(b, header + 257, 5) === 'ustar';
      const prefix = ustar ? cString(b, header + 345, 155) : '';
      name = prefix ? `${prefix}/${base}` : base;
    }
    const type = flag === '0' || flag === '\0' || flag === '7' ? 'file' : flag === '5' ? 'dir' : 'other';
    out.push({ name: normalizeArchivePath(name), type, data: type === 'file' ? data : new Uint8Array(0) });
  }
  return out;
}

/** The entries of a gzipped tar archive (.tgz, .tar.gz). */
export function readTgz(gz: Uint8Array): ArchiveEntry[] {
  let tar: Uint8Array;
  try {
    tar = gunzipSync(gz);
  } catch (e) {
    throw new DataError(`not a gzip file or a damaged one: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return readTar(tar);
}
