// A progress reporter for long training runs. On a TTY it redraws a single
// status line (throttled); elsewhere (log files, CI) it stays quiet apart from
// an optional line every `logEvery` percent and the final summary.

/** The part of a `NodeJS.WriteStream` this module uses. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): boolean;
}

export interface ProgressOptions {
  /** Number of steps in the run, or null when unknown (no percentage or ETA). */
  total: number | null;
  stream: ProgressStream;
  label?: string;
  /** Milliseconds clock; default `Date.now`. Injectable for tests. */
  now?: () => number;
  /** Non-TTY only: print a line each time another `logEvery` percent of `total` is done. */
  logEvery?: number;
  /** Minimum milliseconds between TTY redraws; default 100 (≈10 per second). */
  minIntervalMs?: number;
}

export interface ProgressInfo {
  /** 0-based step index (as in metrics.jsonl); `step + 1` steps are done after this update. */
  step: number;
  loss: number;
  lr: number;
  mode: string;
  /** Tokens processed by this step (e.g. B·T'); the reporter sums them for tokens/s. */
  tokens: number;
  /** sg_true_cos on a diagnosed step (absent on the others): the line keeps showing the latest. */
  sgTrueCos?: number | null;
}

export interface Progress {
  update(info: ProgressInfo): void;
  /** Ends the status line (TTY) and prints `summary` on its own line if given. Idempotent. */
  done(summary?: string): void;
}

/** Seconds → `h:mm:ss` (hours unbounded); `--:--:--` when not finite or negative. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}`;
}

/** 12345 → `12.3k`, 1234567 → `1.23M`. */
export function formatRate(v: number): string {
  if (!Number.isFinite(v)) return '-';
  if (v >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (v >= 1e3) return `${(v / 1e3).toPrecision(3)}k`;
  return v.toFixed(v >= 100 ? 0 : 1);
}

const CLEAR_LINE = '\r\x1b[2K';

export function createProgress(opts: ProgressOptions): Progress {
  const { stream, label } = opts;
  const now = opts.now ?? Date.now;
  const total = opts.total !== null && Number.isFinite(opts.total) && opts.total > 0 ? opts.total : null;
  const tty = stream.isTTY === true;
  const interval = opts.minIntervalMs ?? 100;
  const logEvery = opts.logEvery !== undefined && opts.logEvery > 0 ? opts.logEvery : null;
  const start = now();
  const beta = 0.98;
  let ema = 0, emaCorr = 1, updates = 0, tokens = 0;
  let last: ProgressInfo | null = null, lastDraw = -Infinity, drawn = false, finished = false;
  let nextLogPct = logEvery ?? Infinity;
  /** the latest sg_true_cos (undefined: no diagnosed step yet) */
  let trueCos: number | null | undefined;

  const format = (info: ProgressInfo, t: number): string => {
    const elapsed = (t - start) / 1000;
    const doneSteps = info.step + 1;
    const parts: string[] = [];
    if (label) parts.push(label);
    if (total !== null) {
      const w = String(total).length;
      parts.push(`step ${String(doneSteps).padStart(w)}/${total} ${((100 * doneSteps) / total).toFixed(1).padStart(5)}%`);
    } else parts.push(`step ${doneSteps}`);
    const smooth = emaCorr < 1 ? ema / (1 - emaCorr) : NaN;
    parts.push(`loss ${Number.isFinite(smooth) ? smooth.toFixed(4) : 'nan'}`);
    parts.push(`lr ${Number.isFinite(info.lr) ? info.lr.toExponential(2) : String(info.lr)}`);
    parts.push(info.mode);
    if (trueCos !== undefined) parts.push(`cos(ĝ,g) ${trueCos === null ? '-' : trueCos.toFixed(3)}`);
    parts.push(`${elapsed > 0 ? formatRate(tokens / elapsed) : '-'} tok/s`);
    if (total !== null) {
      const left = Math.max(0, total - doneSteps);
      const eta = left === 0 ? 0 : updates > 0 && elapsed > 0 ? (left * elapsed) / updates : NaN;
      parts.push(`ETA ${formatDuration(eta)}`);
    } else parts.push(`elapsed ${formatDuration(elapsed)}`);
    return parts.join('  ');
  };

  const fit = (s: string): string => {
    const cols = stream.columns;
    return cols !== undefined && cols > 1 && s.length > cols - 1 ? s.slice(0, cols - 1) : s;
  };

  const draw = (t: number): void => {
    if (last === null) return;
    stream.write(CLEAR_LINE + fit(format(last, t)));
    lastDraw = t;
    drawn = true;
  };

  return {
    update(info) {
      if (finished) return;
      updates++;
      if (Number.isFinite(info.tokens)) tokens += info.tokens;
      if (Number.isFinite(info.loss)) {
        ema = beta * ema + (1 - beta) * info.loss;
        emaCorr *= beta;
      }
      last = info;
      if (info.sgTrueCos !== undefined) trueCos = Number.isFinite(info.sgTrueCos) ? info.sgTrueCos : null;
      const t = now();
      if (tty) {
        const final = total !== null && info.step + 1 >= total;
        if (final || t - lastDraw >= interval) draw(t);
      } else if (logEvery !== null && total !== null) {
        const pct = (100 * (info.step + 1)) / total;
        if (pct >= nextLogPct) {
          stream.write(format(info, t) + '\n');
          nextLogPct = (Math.floor(pct / logEvery + 1e-9) + 1) * logEvery;
        }
      }
    },
    done(summary) {
      if (finished) return;
      finished = true;
      if (tty) {
        draw(now());
        if (drawn) stream.write('\n');
      }
      if (summary !== undefined && summary !== '') stream.write(summary.endsWith('\n') ? summary : summary + '\n');
    },
  };
}
