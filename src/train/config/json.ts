// The resolved configuration as `<run dir>/config.json`, written row by row
// from the key table (keys.ts).

import type { RunConfig } from './keys.js';
import { posixPath, type PathOps } from './paths.js';
import { cloneJson, type ConfigLike, type JsonEnv, type Obj } from './table.js';
import { RECORDED_KEYS, ROWS } from './walk.js';

/**
 * The resolved configuration as the JSON object for `<run dir>/config.json`:
 * every setting, in table order, those that do not apply included (at their
 * defaults, which resolveConfig accepts and ignores), so the file shows the
 * whole schema; left out are only the keys a row says are not written (`embed`
 * of a copy task, the `copy` block of a language model, `t0` or `cycles`,
 * whichever is unused). `data` / `init` are relative to `runDir` (pass an
 * absolute runDir, or Node's path functions). `extra` adds recorded-only keys
 * (`backend_used`, `adapter`, `threads_used`, `kernels`) or `_`-prefixed comments.
 * resolveConfig reads the result back (with baseDir = runDir) to the same
 * RunConfig.
 */
export function configToJson(cfg: RunConfig, runDir: string, extra: Record<string, unknown> = {},
  path: PathOps = posixPath): Obj {
  const c = cfg as unknown as ConfigLike;
  const w: JsonEnv = { rel: (p) => path.relative(runDir, p) || '.', path };
  const write = (prefix: string, src: Obj): Obj => {
    const o: Obj = {};
    for (const r of ROWS) {
      if (r.parent !== prefix || (r.row.written && !r.row.written(c))) continue;
      const v = src[r.key];
      if (r.row.leaf) o[r.key] = r.row.json ? r.row.json(v, w) : cloneJson(v);
      else o[r.key] = v === null ? null : write(r.path, v as Obj);
    }
    return o;
  };
  const out = write('', c);
  for (const [k, v] of Object.entries(extra)) {
    if (k.startsWith('_')) { out[k] = v; continue; }
    if (!RECORDED_KEYS.includes(k)) {
      throw new Error(`configToJson: extra key "${k}" would not read back; use one of ` +
        `${RECORDED_KEYS.join(', ')} or a "_" prefix`);
    }
    if (v !== null && typeof v !== 'string') throw new Error(`configToJson: extra key "${k}" must be a string or null`);
    out[k] = v;
  }
  return out;
}
