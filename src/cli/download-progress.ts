// Progress of a download on stderr: on a TTY one redrawn line with a bar,
// bytes, percent, rate and ETA; elsewhere (logs, CI) a plain line every few
// seconds and one at the end.
import type { DownloadProgress } from '../io/download.js';
import { formatDuration, type ProgressStream } from '../train/progress.js';

/** 1234 → `1.2 kB`, 5101618 → `5.1 MB` (decimal units, as servers and `ls -h --si` count). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

export interface DownloadReporter {
  update(p: DownloadProgress): void;
  /** Ends the line (TTY) and prints the summary of the transfer. */
  done(p: DownloadProgress | null): void;
}

const CLEAR_LINE = '\r\x1b[2K';
const BAR = 24;

export function createDownloadReporter(label: string, stream: ProgressStream,
  opts: { now?: () => number; minIntervalMs?: number; logEveryMs?: number } = {}): DownloadReporter {
  const now = opts.now ?? Date.now;
  const tty = stream.isTTY === true;
  const interval = tty ? opts.minIntervalMs ?? 100 : opts.logEveryMs ?? 5000;
  const start = now();
  let last = tty ? -Infinity : start;
  let drawn = false;

  const line = (p: DownloadProgress, t: number): string => {
    const secs = (t - start) / 1000;
    const rate = secs > 0 ? (p.received - p.resumedFrom) / secs : NaN;
    const parts = [label];
    if (p.total !== null && p.total > 0) {
      const frac = Math.min(1, p.received / p.total);
      if (tty) parts.push(`[${'#'.repeat(Math.round(frac * BAR)).padEnd(BAR, '-')}]`);
      parts.push(`${(100 * frac).toFixed(1).padStart(5)}%`, `${formatBytes(p.received)} / ${formatBytes(p.total)}`);
      const eta = Number.isFinite(rate) && rate > 0 ? (p.total - p.received) / rate : NaN;
      parts.push(Number.isFinite(rate) ? `${formatBytes(Math.round(rate))}/s` : '-', `ETA ${formatDuration(eta)}`);
    } else {
      parts.push(formatBytes(p.received), Number.isFinite(rate) ? `${formatBytes(Math.round(rate))}/s` : '-');
    }
    if (p.resumedFrom > 0) parts.push(`(resumed at ${formatBytes(p.resumedFrom)})`);
    return parts.join('  ');
  };

  return {
    update(p) {
      const t = now();
      if (t - last < interval) return;
      last = t;
      if (tty) {
        const cols = stream.columns;
        const s = line(p, t);
        stream.write(CLEAR_LINE + (cols !== undefined && cols > 1 && s.length > cols - 1 ? s.slice(0, cols - 1) : s));
        drawn = true;
      } else stream.write(line(p, t) + '\n');
    },
    done(p) {
      if (tty && drawn) stream.write(CLEAR_LINE);
      if (p === null) return;
      const t = now();
      const secs = (t - start) / 1000;
      const got = p.received - p.resumedFrom;
      stream.write(`${label}: ${formatBytes(p.received)}${p.resumedFrom > 0 ? ` (${formatBytes(got)} of them now, resumed at ${formatBytes(p.resumedFrom)})` : ''}` +
        ` in ${secs.toFixed(1)} s${secs > 0 ? `, ${formatBytes(Math.round(got / secs))}/s` : ''}\n`);
    },
  };
}
