// `synthgrad data get NAME [--dir DIR]`: downloads a corpus from its canonical
// source (or a mirror), checks its checksums and lays it out as `--data`
// expects: DIR/NAME/{train,valid,test}.txt. `synthgrad data list` names them.
//
// The archive is kept in DIR/.downloads/ (ptb and ptb-char share one), where
// a user without network can also put it by hand. Nothing is written into
// DIR/NAME until every pinned checksum has matched.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { DATASETS, type DatasetSpec, type DatasetTable } from '../data/datasets.js';
import { layoutDataset } from '../data/layout.js';
import { DataError } from '../data/vocab.js';
import { writeFileAtomic } from '../io/atomic-file.js';
import { downloadFile, DownloadError, type DownloadProgress } from '../io/download.js';
import type { ProgressStream } from '../train/progress.js';
import { createDownloadReporter, formatBytes } from './download-progress.js';

/** The environment variable naming a mirror: MIRROR/<archive file name> replaces the canonical URL. */
export const MIRROR_ENV = 'SYNTHGRAD_DATA_MIRROR';

export interface DataGetOptions {
  /** The parent folder; the corpus goes to DIR/NAME. */
  dir: string;
  /** Base URL serving the archives by file name; default $SYNTHGRAD_DATA_MIRROR, else the canonical URLs. */
  mirror?: string | null;
  /** Fetch and lay out again even when DIR/NAME is complete. */
  force?: boolean;
  /** The dataset table; injectable for tests. */
  table?: DatasetTable;
  /** Where the progress goes (stderr). */
  progress?: ProgressStream;
  /** Messages for the user (stderr). */
  log?: (line: string) => void;
  idleTimeoutMs?: number;
}

export interface DataGetResult {
  folder: string;
  files: string[];
  /** False when DIR/NAME was already complete and nothing was fetched. */
  fetched: boolean;
}

function hashFile(file: string, algo: 'sha256' | 'md5'): string {
  return createHash(algo).update(fs.readFileSync(file)).digest('hex');
}

/** Throws a DataError unless `file` matches the archive's pinned SHA-256 (or, lacking one, its MD5). */
function checkArchive(spec: DatasetSpec, file: string, from: string): void {
  const pin = spec.sha256 !== null ? { algo: 'sha256' as const, want: spec.sha256 } : spec.md5 !== null ? { algo: 'md5' as const, want: spec.md5 } : null;
  if (pin === null) return;
  const got = hashFile(file, pin.algo);
  if (got !== pin.want) {
    throw new DataError(`checksum mismatch for ${spec.fileName} (${from}): ${pin.algo} ${got}, expected ${pin.want}; the file was removed`, { file: spec.fileName });
  }
}

function unpinned(spec: DatasetSpec): string[] {
  const notes: string[] = [];
  if (spec.sha256 === null) notes.push(spec.md5 !== null ? `${spec.fileName} is pinned by MD5 only (no public SHA-256 found)` : `${spec.fileName} has no pinned checksum: not verified`);
  const loose = spec.members.filter((m) => m.sha256 === null).map((m) => path.basename(m.archivePath));
  if (loose.length > 0 && (spec.sha256 === null && spec.md5 === null)) notes.push(`${loose.join(', ')} not verified either`);
  return notes;
}

/** Removes the folders this command created, innermost first, as long as they are empty. */
function removeEmpty(dirs: string[]): void {
  for (const d of [...dirs].reverse()) {
    try { fs.rmdirSync(d); } catch { /* not empty, or gone: leave it */ }
  }
}

function mkdirTracked(dir: string, created: string[]): void {
  const first = fs.mkdirSync(dir, { recursive: true });
  if (first === undefined) return;
  // mkdirSync returns the first folder it made; every folder from there down to `dir` is new
  const chain: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    chain.unshift(d);
    if (d === path.resolve(first) || path.dirname(d) === d) break;
  }
  created.push(...chain);
}

/** The one-line message for a failed download, with what to do next. */
function downloadMessage(e: DownloadError, spec: DatasetSpec, archive: string, folder: string): string {
  const byHand = `fetch that file elsewhere, put it at ${archive} and run this command again (or put train.txt, valid.txt and test.txt in ${folder} yourself)`;
  if (e.kind === 'unreachable') return `cannot download ${e.url}: the network is unreachable (${e.code ?? e.message}); to install by hand, ${byHand}`;
  if (e.kind === 'interrupted') return `${e.message}; run the same command again to resume from ${archive}.part`;
  return `${e.message}; try --mirror URL (or $${MIRROR_ENV}), or ${byHand}`;
}

/** Fetches the corpus `name` into DIR/name (see the file comment). All failures are DataErrors. */
export async function dataGet(name: string, opts: DataGetOptions): Promise<DataGetResult> {
  const table = opts.table ?? DATASETS;
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const spec = Object.hasOwn(table, name) ? table[name]! : undefined;
  if (spec === undefined) throw new DataError(`unknown dataset ${JSON.stringify(name)}; one of: ${Object.keys(table).join(', ')}`);
  const folder = path.join(opts.dir, spec.name);
  const targets = spec.members.map((m) => path.join(folder, m.target));
  if (!opts.force && targets.every((t) => fs.existsSync(t))) {
    log(`${folder} already holds ${spec.members.map((m) => m.target).join(', ')}; nothing to do (--force fetches it again)`);
    return { folder, files: targets, fetched: false };
  }
  const cacheDir = path.join(opts.dir, '.downloads');
  const archive = path.join(cacheDir, spec.fileName);
  const mirror = opts.mirror ?? process.env[MIRROR_ENV] ?? null;
  const url = mirror ? `${mirror.replace(/\/+$/, '')}/${spec.fileName}` : spec.url;
  const created: string[] = [];
  mkdirTracked(cacheDir, created);
  try {
    if (fs.existsSync(archive)) {
      log(`using ${archive}`);
      try {
        checkArchive(spec, archive, archive);
      } catch (e) {
        fs.rmSync(archive, { force: true });
        throw e;
      }
    } else {
      log(`downloading ${url}`);
      const reporter = createDownloadReporter(spec.fileName, opts.progress ?? process.stderr);
      let last: DownloadProgress | null = null;
      try {
        await downloadFile(url, archive, {
          onProgress: (p) => { last = p; reporter.update(p); },
          verify: (part) => checkArchive(spec, part, url),
          ...(opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
        });
      } catch (e) {
        reporter.done(null);
        if (e instanceof DownloadError) throw new DataError(downloadMessage(e, spec, archive, folder), { file: archive, cause: e });
        throw e;
      }
      reporter.done(last);
    }
    for (const note of unpinned(spec)) log(`note: ${note}`);
    let files;
    try {
      files = layoutDataset(spec, fs.readFileSync(archive));
    } catch (e) {
      // an archive whose members do not match their pins is not the one the table describes
      fs.rmSync(archive, { force: true });
      if (e instanceof DataError) throw new DataError(`${e.message}; ${archive} was removed`, { file: e.file, cause: e });
      throw e;
    }
    mkdirTracked(folder, created);
    for (const f of files) writeFileAtomic(path.join(folder, f.target), f.bytes);
    log(`${spec.name}: wrote ${files.map((f) => `${path.join(folder, f.target)} (${formatBytes(f.bytes.length)})`).join(', ')}`);
    log(`the archive stays at ${archive} (${formatBytes(fs.statSync(archive).size)}); delete it if you need the space`);
    return { folder, files: targets, fetched: true };
  } finally {
    removeEmpty(created);
  }
}

export function dataCommand(cmd: Command, table: DatasetTable = DATASETS): Command {
  cmd.description('fetch the corpora for --data: ptb, ptb-char, wikitext-2 (the built-in one, data/tinyshakespeare.txt, needs nothing)');
  cmd
    .command('get <name>')
    .description(`download a corpus, check its checksums and lay it out as DIR/<name>/{train,valid,test}.txt (${Object.keys(table).join(', ')})`)
    .option('--dir <dir>', 'parent folder of the corpus', 'data')
    .option('--mirror <url>', `fetch <url>/<archive file name> instead of the canonical source [$${MIRROR_ENV}]`)
    .option('--force', 'fetch and lay out again even if the folder is complete')
    .addHelpText('after', `
Exit codes: 0 done, 2 unknown name, checksum mismatch, no network, or a broken transfer (run again to resume).
Offline: put the archive in DIR/.downloads/ by hand and run the same command; it is checked and laid out.

Examples:
  synthgrad data get ptb            # then: synthgrad train --task wordlm --data data/ptb
  synthgrad data get ptb-char       # then: synthgrad train --task charlm --data data/ptb-char
  synthgrad data get wikitext-2 --dir ~/corpora`)
    .action(async (name: string, o: { dir: string; mirror?: string; force?: boolean }) => {
      const r = await dataGet(name, { dir: o.dir, mirror: o.mirror ?? null, force: o.force === true, table });
      const spec = table[name]!;
      process.stdout.write(`${r.folder}\ntrain with: synthgrad train --task ${spec.task} --data ${r.folder}\n`);
    });
  cmd
    .command('list')
    .description('the corpora `data get` knows')
    .action(() => {
      for (const s of Object.values(table)) process.stdout.write(`${s.name.padEnd(11)} ${s.task}  ${s.description}\n  ${s.url}\n`);
    });
  return cmd;
}
