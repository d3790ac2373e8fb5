// From a downloaded dataset archive to the files `--data` expects: take the
// members out, check each pinned checksum, apply the dataset's transform.
// Everything is checked before anything is returned, so a caller that writes
// only on success never leaves part of a dataset behind. Node only.
import { createHash } from 'node:crypto';
import type { DatasetSpec } from './datasets.js';
import { readTgz, type ArchiveEntry } from './tar.js';
import { readZip } from './zip.js';
import { DataError } from './vocab.js';

export interface LaidOutFile {
  target: string;
  bytes: Uint8Array;
}

export function sha256Hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/**
 * ptb.char.*.txt hold one symbol per space-separated field ("a e r _ b a n k …");
 * charlm reads characters, so the separators go and every symbol becomes one
 * character. Lines (sentences) and `_` (the word boundary) are kept.
 */
export function ptbCharToText(text: string): string {
  return text
    .split('\n')
    .map((line) => line.split(' ').filter((s) => s !== '').join(''))
    .join('\n');
}

/**
 * The files of `spec` laid out from the archive bytes, each member checked
 * against its pinned SHA-256. DataError (naming the member) for a missing
 * member, a checksum mismatch or a damaged archive.
 */
export function layoutDataset(spec: DatasetSpec, archive: Uint8Array): LaidOutFile[] {
  let entries: ArchiveEntry[];
  try {
    entries = spec.format === 'tgz' ? readTgz(archive) : readZip(archive);
  } catch (e) {
    if (e instanceof DataError) throw new DataError(`${spec.fileName}: ${e.message}`, { file: spec.fileName, cause: e });
    throw e;
  }
  const byName = new Map(entries.filter((e) => e.type === 'file').map((e) => [e.name, e.data]));
  return spec.members.map((m) => {
    const data = byName.get(m.archivePath);
    if (data === undefined) {
      throw new DataError(`${spec.fileName} has no ${m.archivePath} (it holds ${byName.size} files); is it the right archive?`, { file: m.archivePath });
    }
    if (m.sha256 !== null) {
      const got = sha256Hex(data);
      if (got !== m.sha256) {
        throw new DataError(`checksum mismatch for ${m.archivePath} in ${spec.fileName}: sha256 ${got}, expected ${m.sha256}`, { file: m.archivePath });
      }
    }
    const bytes = spec.transform === 'ptb-char' ? new TextEncoder().encode(ptbCharToText(new TextDecoder().decode(data))) : data;
    return { target: m.target, bytes };
  });
}
