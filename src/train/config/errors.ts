// The configuration's error type and the pieces of its messages.

/** A configuration or command-line problem; the CLI exits with `exitCode`. */
export class ConfigError extends Error {
  exitCode = 2;
  /** The config key path concerned (`optimizer.lr`), when there is one. */
  key: string | undefined;
  /** The command-line option concerned (`--lr`), when there is one. */
  flag: string | undefined;
  constructor(message: string, key?: string, flag?: string) {
    super(message);
    this.name = 'ConfigError';
    this.key = key;
    this.flag = flag;
  }
}

/** JSON text of a value for messages (never throws; long values are cut). */
export function showValue(v: unknown): string {
  let s: string;
  if (v === undefined) s = 'undefined';
  else if (typeof v === 'number') s = Number.isFinite(v) ? JSON.stringify(v) : String(v);
  else if (typeof v === 'bigint') s = `${v}n`;
  else if (typeof v === 'function' || typeof v === 'symbol') s = String(typeof v);
  else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = Array.isArray(v) ? '[…]' : '{…}';
    }
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function editDistance(a: string, b: string): number {
  const m = a.length, n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[n]!;
}

/** camelCase / kebab-case / any case → snake_case, for matching. */
export function snake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_').toLowerCase();
}

/**
 * The closest known key to an unknown one, as a full key path, or undefined.
 * `flags` maps option names (`restart-t0`) to key paths; `allPaths` is every
 * key path of the table.
 */
export function suggest(prefix: string, key: string, known: readonly string[],
  flags: readonly { flag: string; key: string }[], allPaths: readonly string[]): string | undefined {
  const full = (k: string) => (prefix ? `${prefix}.${k}` : k);
  const s = snake(key);
  for (const k of known) if (snake(k) === s) return full(k);
  // The name of a command-line option, or a key that lives at another level.
  for (const f of flags) if (snake(f.flag.slice(2)) === s) return f.key;
  const leafMatches = allPaths.filter((p) => p.endsWith(`.${s}`) || p === s);
  if (leafMatches.length > 0) return leafMatches[0];
  let best: string | undefined, bestD = Infinity;
  for (const k of known) {
    const d = editDistance(s, k);
    if (d < bestD) { bestD = d; best = k; }
  }
  if (best !== undefined && bestD <= Math.max(2, Math.floor(s.length / 3))) return full(best);
  // A known key that the unknown one starts with, or the other way round ("embedding" → "embed").
  for (const k of known) if (Math.min(k.length, s.length) >= 3 && (s.startsWith(k) || k.startsWith(s))) return full(k);
  return undefined;
}
