// The `--threads <n|auto>` option of the commands that run the CPU backend.
import { ConfigError } from '../train/config.js';

/** `--threads` text → a thread count, or null for "auto" (the logical CPUs, at most 8). */
export function parseThreadsOption(text: string, flag = '--threads'): number | null {
  const t = text.trim();
  if (t === 'auto') return null;
  const n = Number(t);
  if (t === '' || !Number.isSafeInteger(n) || n < 1) {
    throw new ConfigError(`option ${flag}: ${JSON.stringify(text)} is not a positive integer or "auto"`, 'threads', flag);
  }
  return n;
}
