// A small reader for zip archives, enough for dataset archives such as
// wikitext-2-v1.zip: stored and deflated entries, found through the central
// directory, each checked against its CRC-32. No zip64, no encryption.
// Node only (inflate via node:zlib).
import { inflateRawSync } from 'node:zlib';
import { normalizeArchivePath, type ArchiveEntry } from './tar.js';
import { DataError } from './vocab.js';

const EOCD_SIG = 0x06054b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3, as in zip and gzip). */
export function crc32(b: Uint8Array): number {
  if (crcTable === null) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = crcTable[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The entries of a zip archive, in central-directory order. DataError for a damaged or unsupported archive. */
export function readZip(b: Uint8Array): ArchiveEntry[] {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  // The end-of-central-directory record is the last 22 bytes plus a comment of at most 65535 bytes.
  let eocd = -1;
  for (let i = b.length - 22; i >= Math.max(0, b.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD_SIG) { eocd = i; break; }
  }
  if (eocd < 0) throw new DataError('not a zip archive (no end-of-central-directory record) or a truncated one');
  const count = view.getUint16(eocd + 10, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (cdOffset === 0xffffffff || count === 0xffff) throw new DataError('zip64 archives are not supported');
  const out: ArchiveEntry[] = [];
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > b.length || view.getUint32(p, true) !== CENTRAL_SIG) throw new DataError(`damaged zip archive: no central directory entry at byte ${p}`);
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    const compSize = view.getUint32(p + 20, true);
    const size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const local = view.getUint32(p + 42, true);
    const rawName = new TextDecoder().decode(b.subarray(p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
    const name = normalizeArchivePath(rawName);
    if (rawName.endsWith('/')) { out.push({ name: name.replace(/\/$/, ''), type: 'dir', data: new Uint8Array(0) }); continue; }
    if (flags & 1) throw new DataError(`zip entry ${name} is encrypted; not supported`);
    if (local + 30 > b.length || view.getUint32(local, true) !== LOCAL_SIG) throw new DataError(`damaged zip archive: no local header for ${name} at byte ${local}`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + compSize > b.length) throw new DataError(`truncated zip archive: ${name} needs ${compSize} bytes at byte ${start}`);
    const raw = b.subarray(start, start + compSize);
    let data: Uint8Array;
    if (method === 0) data = raw;
    else if (method === 8) {
      try {
        data = inflateRawSync(raw);
      } catch (e) {
        throw new DataError(`damaged zip archive: ${name} does not inflate (${e instanceof Error ? e.message : String(e)})`, { cause: e });
      }
    } else throw new DataError(`zip entry ${name} uses compression method ${method}; only stored (0) and deflate (8) are supported`);
    if (data.length !== size || crc32(data) !== crc) throw new DataError(`damaged zip archive: ${name} fails its size or CRC-32 check`);
    out.push({ name, type: 'file', data });
  }
  return out;
}
