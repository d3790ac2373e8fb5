// Validation and defaults of a run configuration, driven by the key table
// (keys.ts); docs/config.md lists the keys.
//
// Three passes over the rows, in table order: (1) each key on its own:
// unknown keys, types and ranges, defaults (a default may read earlier keys,
// or later ones, which are then read first); (2) each key's resolved form
// (paths made absolute, one hidden width repeated over the layers, …);
// (3) the keys together: settings that do not apply are ignored (or, for
// another task's settings, allowed only at their default), then each row's
// rule. With several problems, the first found in this order is reported.

import { ConfigError, showValue, suggest } from './errors.js';
import { FLAG_ORIGIN, TRAIN_FLAGS } from './flags.js';
import type { RunConfig } from './keys.js';
import { posixPath, type PathOps } from './paths.js';
import { cloneJson, isObj, isPosInt, LM_TASKS, type Env, type Leaf, type Obj, type Task } from './table.js';
import { ALL_PATHS, knownKeys, RECORDED_KEYS, ROWS, type RowAt } from './walk.js';

/** Where a raw configuration came from: the folder its relative paths start from, and its name for messages. */
export interface ResolveOptions {
  /** The folder that relative `data` / `init` paths are relative to. */
  baseDir: string;
  /** The file name, or 'command line', for messages. */
  source: string;
  path?: PathOps;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const ROW_AT = new Map(ROWS.map((r) => [r.path, r]));

/**
 * Validate a raw configuration (parsed JSON, possibly merged with
 * command-line values by applyFlags) and fill in every default.
 * Throws ConfigError, naming the key, on any problem.
 */
export function resolveConfig(raw: unknown, opts: ResolveOptions): RunConfig {
  const paths = opts.path ?? posixPath;
  const source = opts.source;
  const flags = isObj(raw) ? FLAG_ORIGIN.get(raw) : undefined;
  if (!isObj(raw)) {
    throw new ConfigError(`${source}: the configuration must be a JSON object, not ${showValue(raw)}`);
  }

  const flagOf = (p: string) => flags?.get(p);
  const error = (p: string, detail: string): ConfigError => {
    const flag = flagOf(p);
    if (flag !== undefined) return new ConfigError(`option ${flag}: ${detail} (config key "${p}")`, p, flag);
    return new ConfigError(`${source}: config key "${p}": ${detail}`, p);
  };
  const bad = (p: string, v: unknown, expected: string) => error(p, `${showValue(v)} is not allowed: expected ${expected}`);
  const missing = (p: string, expected: string): ConfigError => {
    const f = TRAIN_FLAGS.find((t) => t.key === p);
    const hint = f ? ` (in the config file, or with ${f.flag})` : '';
    return new ConfigError(`${source}: config key "${p}" is missing: expected ${expected}${hint}`, p);
  };

  // The raw section objects by path ('' = the top), once checked; and the values read.
  const rawOf = new Map<string, Obj | null>();
  const given = new Set<string>();
  const tree: Obj = {};
  const parentOut = (r: RowAt): Obj | null | undefined => (r.parent === '' ? tree : getPath(r.parent) as Obj | null | undefined);
  const getPath = (p: string): unknown => {
    const r = ROW_AT.get(p);
    if (r === undefined) return undefined;
    const o = parentOut(r);
    if (o === null || o === undefined) return undefined;
    if (!Object.hasOwn(o, r.key) && rawOf.has(r.parent) && r.row.leaf) read(r);
    return o[r.key];
  };
  const rawAt = (p: string): unknown => {
    const r = ROW_AT.get(p);
    const o = r === undefined ? undefined : rawOf.get(r.parent);
    return o && Object.hasOwn(o, r!.key) ? o[r!.key] : undefined;
  };

  const env: Env = {
    task: 'charlm', isLM: true, get: getPath, raw: rawAt, flagOf,
    error, bad, missing,
    plain: (message, key, flag) => new ConfigError(`${flag !== undefined ? `option ${flag}` : source}: ${message}`, key, flag),
    resolvePath: (p) => paths.resolve(opts.baseDir, p),
  };

  const checkKeys = (prefix: string, obj: Obj) => {
    const known = knownKeys(prefix);
    for (const k of Object.keys(obj)) {
      if (k.startsWith('_') || known.includes(k)) continue;
      const p = prefix ? `${prefix}.${k}` : k;
      const s = suggest(prefix, k, known, TRAIN_FLAGS, ALL_PATHS);
      const hint = s !== undefined ? `did you mean "${s}"?` : `known keys here: ${known.map((x) => `"${x}"`).join(', ')}`;
      throw new ConfigError(`${source}: unknown config key "${p}": ${hint}`, p);
    }
  };

  /** Pass 1 for one row: check the raw value, or take the default. */
  function read(r: RowAt): void {
    const out = parentOut(r) as Obj;
    if (Object.hasOwn(out, r.key)) return;
    const obj = rawOf.get(r.parent)!;
    const has = Object.hasOwn(obj, r.key) && obj[r.key] !== undefined;
    const v = has ? obj[r.key] : undefined;
    if (has) given.add(r.path);
    if (!r.row.leaf) {
      const nullable = r.row.nullable;
      if (!has || (v === null && nullable)) {
        if (nullable) { out[r.key] = null; return; }
      } else if (!isObj(v)) {
        throw bad(r.path, v, `${nullable ? 'null or ' : ''}an object${r.row.example?.(v) ?? ''}`);
      }
      const sec = has ? (v as Obj) : {};
      checkKeys(r.path, sec);
      rawOf.set(r.path, sec);
      out[r.key] = {};
      return;
    }
    const row = r.row;
    if (has) {
      if (!row.check.test(v)) throw bad(r.path, v, row.check.expected);
      out[r.key] = cloneJson(v);
      return;
    }
    const def = typeof row.default === 'function' ? (row.default as (e: Env) => unknown)(env) : row.default;
    if (def === undefined) throw missing(r.path, row.check.expected);
    out[r.key] = def;
  }

  /** The resolved form of a leaf's default (for settings that do not apply). */
  const resolvedDefault = (row: Leaf<unknown, unknown>): unknown => {
    const d = typeof row.default === 'function' ? (row.default as (e: Env) => unknown)(env) : row.default;
    return row.value ? row.value(d, env) : cloneJson(d);
  };

  // Pass 1.
  checkKeys('', raw);
  rawOf.set('', raw);
  for (const k of RECORDED_KEYS) {
    const v = raw[k];
    if (v === undefined) continue;
    if (k === 'threads_used' ? !(v === null || isPosInt(v)) : !(v === null || typeof v === 'string')) {
      throw bad(k, v, k === 'threads_used' ? 'a positive integer or null (recorded by the trainer)' : 'a string or null (recorded by the trainer)');
    }
  }
  for (const r of ROWS) {
    if (parentOut(r) === null) continue; // a key of a null section
    read(r);
    if (r.path === 'task') {
      env.task = tree['task'] as Task;
      env.isLM = LM_TASKS.includes(env.task);
    }
  }

  // Pass 2: the resolved forms, in a fresh tree in table order.
  const build = (prefix: string, src: Obj): Obj => {
    const o: Obj = {};
    for (const r of ROWS.filter((x) => x.parent === prefix)) {
      const v = src[r.key];
      if (r.row.leaf) o[r.key] = r.row.value ? r.row.value(v, env) : cloneJson(v);
      else o[r.key] = v === null ? null : build(r.path, v as Obj);
      src[r.key] = o[r.key]; // later rows' value functions see the resolved form
    }
    return o;
  };
  const cfg = build('', tree);
  for (const k of Object.keys(tree)) tree[k] = cfg[k];

  // Pass 3.
  for (const r of ROWS) {
    const out = parentOut(r);
    if (out === null || out === undefined) continue;
    const row = r.row;
    if (!row.leaf) {
      if (out[r.key] !== null) row.rule?.(out[r.key] as Obj, env);
      continue;
    }
    const a = row.applies;
    if (a !== undefined && !a.when(env)) {
      const d = resolvedDefault(row);
      if (a.otherwise === 'ignore') out[r.key] = d;
      else if (given.has(r.path) && !sameJson(out[r.key], d)) {
        throw error(r.path, `${showValue(rawAt(r.path))} is not allowed: ${a.why!(env)} (leave it out)`);
      }
    }
    row.rule?.(out[r.key], env);
  }
  return cfg as unknown as RunConfig;
}

