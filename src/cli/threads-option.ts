// The integer options of the commands: `--threads <n|auto>` (the commands that run the
// CPU backend) and plain positive integers (sizes, lengths, counts).
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

/** A positive-integer option's text → its value; ConfigError (exit 2) naming the option otherwise. */
export function parsePositiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < 1) {
    throw new ConfigError(`option ${flag}: ${JSON.stringify(text)} is not a positive integer`, undefined, flag);
  }
  return n;
}
