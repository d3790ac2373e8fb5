// What the config tests share: a base run, a resolver with a fixed folder, and
// a way to take the ConfigError a call throws.
import { ConfigError, resolveConfig } from '../../src/train/config.js';

export const BASE_DIR = '/home/u/exp';
export const resolve = (raw: unknown, source = 'run.json') => resolveConfig(raw, { baseDir: BASE_DIR, source });

export const base = () => ({ task: 'charlm', data: 'input.txt', embed: 16, hidden: 32, batch: 4, bptt: 8, epochs: 1 });

/** The ConfigError thrown by f (fails the test when there is none). */
export function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError, got none');
}

/** Set a dotted key path in a (fresh) object, creating sections on the way. */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const parts = path.split('.');
  let o = obj;
  for (const p of parts.slice(0, -1)) {
    const cur = o[p];
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) o[p] = {};
    o = o[p] as Record<string, unknown>;
  }
  Object.defineProperty(o, parts[parts.length - 1]!, { value, enumerable: true, writable: true, configurable: true });
  return obj;
}

export function withKey(path: string, value: unknown, start: Record<string, unknown> = base()): Record<string, unknown> {
  return setPath(structuredClone(start), path, value);
}
