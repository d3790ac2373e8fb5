// Sweep grids (docs/config.md, "Sweep grids"): a base configuration crossed with
// axes and variants, expanded to one run directory per point, and the shell
// commands that run a point (the sweep command, --print-jobs and slurm.sh all
// use the same ones, so every way of running a grid gives the same directories).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, configToJson, resolveConfig, type RunConfig } from './config.js';
import { loadConfigFile, nodePath } from './config-file.js';
import { CHECKPOINT } from './run.js';

type Obj = Record<string, unknown>;

export interface Grid {
  base: Obj;
  /** dotted key path → its values, in the file's order (the last axis varies fastest) */
  axes: [string, unknown[]][];
  variants: Obj[];
  /** the grid file's folder: `base` paths are relative to it */
  baseDir: string;
  file: string;
}

export interface SweepPoint {
  index: number;
  /** the run directory's name: `key=value,...` */
  name: string;
  /** the axis values (and the variant's name) that make this point */
  values: Obj;
  cfg: RunConfig;
}

/** Written by whoever ran the point when `train` exits 0: the run is complete. */
export const DONE_FILE = 'done.json';
/** A failed attempt: exit code, signal and the last lines of stderr. */
export const FAILED_FILE = 'failed.json';
/** The pid of the `train` process now working in the run directory. */
export const PID_FILE = 'train.pid';

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Read and check a grid file; ConfigError (exit code 2) naming what is wrong. */
export function loadGrid(file: string): Grid {
  const { raw, baseDir } = loadConfigFile(file);
  const g = raw as Obj;
  for (const k of Object.keys(g)) {
    if (!k.startsWith('_') && !['base', 'axes', 'variants'].includes(k)) {
      throw new ConfigError(`${file}: unknown grid key "${k}"; a grid has "base", "axes" and optionally "variants"`);
    }
  }
  if (!isObj(g.base)) throw new ConfigError(`${file}: "base" must be a run configuration object ({"task": ..., ...})`);
  const axesRaw = g.axes ?? {};
  if (!isObj(axesRaw)) throw new ConfigError(`${file}: "axes" must be an object of dotted key paths to lists of values, e.g. {"seed": [1, 2]}`);
  const axes: [string, unknown[]][] = [];
  for (const [k, v] of Object.entries(axesRaw)) {
    if (k.startsWith('_')) continue;
    if (!Array.isArray(v) || v.length === 0) throw new ConfigError(`${file}: axis "${k}" must be a non-empty list of values`);
    if (!/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/.test(k)) throw new ConfigError(`${file}: axis "${k}" is not a dotted key path such as "policy.name"`);
    axes.push([k, v]);
  }
  const variants = g.variants ?? [{}];
  if (!Array.isArray(variants) || variants.length === 0 || !variants.every(isObj)) {
    throw new ConfigError(`${file}: "variants" must be a non-empty list of partial configurations ({...})`);
  }
  return { base: g.base, axes, variants: variants as Obj[], baseDir, file };
}

/** Deep merge of `over` into a copy of `base` (objects merge, anything else replaces). */
export function mergeConfig(base: unknown, over: unknown): unknown {
  if (!isObj(base) || !isObj(over)) return structuredClone(over);
  const out: Obj = structuredClone(base);
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? mergeConfig(out[k], v) : structuredClone(v);
  return out;
}

/** Set a dotted key path in `obj`, creating objects on the way (a null becomes an object). */
export function setPath(obj: Obj, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (o[k] === undefined || o[k] === null) o[k] = {};
    const next = o[k];
    if (!isObj(next)) throw new ConfigError(`axis "${dotted}": "${k}" is ${JSON.stringify(next)} in the base configuration, not an object`);
    o = next;
  }
  o[keys[keys.length - 1]!] = structuredClone(value);
}

function showAxisValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Leaf key=value pairs of a variant, for its name when it has no `_name`. */
function flatten(o: Obj, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (k.startsWith('_')) continue;
    if (isObj(v) && Object.keys(v).length > 0) out.push(...flatten(v, `${prefix}${k}.`));
    else out.push(`${prefix}${k}=${showAxisValue(v)}`);
  }
  return out;
}

/**
 * A directory name from `key=value` parts: anything but letters, digits and
 * `.,=+-_` becomes `_`, and a long name keeps its head plus a hash of the whole.
 */
export function safeName(parts: string[]): string {
  const full = parts.join(',') || 'run';
  let s = full.replace(/[^A-Za-z0-9.,=+\-_]/g, '_');
  if (s.startsWith('.') || s.startsWith('-')) s = `_${s}`;
  if (s.length > 160) s = `${s.slice(0, 150)}~${hash(full)}`;
  return s;
}

function hash(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/**
 * Every point of the grid (variants outermost, then the axes in file order),
 * each validated with resolveConfig; the first invalid point is a ConfigError
 * that names it. Names are unique (a clash after making them safe gets `~k`).
 */
export function expandGrid(grid: Grid): SweepPoint[] {
  const points: SweepPoint[] = [];
  const used = new Set<string>();
  const multiVariant = grid.variants.length > 1;
  grid.variants.forEach((variant, vi) => {
    const vname = typeof variant._name === 'string' ? variant._name : flatten(variant).join(',');
    const { _name, ...vcfg } = variant;
    void _name;
    const combos: [string, unknown][][] = [[]];
    for (const [key, vals] of grid.axes) {
      const next: [string, unknown][][] = [];
      for (const c of combos) for (const v of vals) next.push([...c, [key, v]]);
      combos.splice(0, combos.length, ...next);
    }
    for (const combo of combos) {
      const parts = combo.map(([k, v]) => `${k}=${showAxisValue(v)}`);
      const values: Obj = Object.fromEntries(combo);
      if (multiVariant || vname !== '') {
        parts.unshift(vname || `variant${vi}`);
        values['variant'] = vname || `variant${vi}`;
      }
      let name = safeName(parts);
      for (let k = 2; used.has(name.toLowerCase()); k++) name = `${safeName(parts)}~${k}`;
      used.add(name.toLowerCase());
      const raw = mergeConfig(grid.base, vcfg) as Obj;
      const where = `${grid.file}, point ${points.length} (${name})`;
      try {
        for (const [k, v] of combo) setPath(raw, k, v);
        // A sweep runs many processes at once: one thread each unless the grid says otherwise.
        if (raw['threads'] === undefined || raw['threads'] === null) raw['threads'] = 1;
        const cfg = resolveConfig(raw, { baseDir: grid.baseDir, source: where, path: nodePath });
        points.push({ index: points.length, name, values, cfg });
      } catch (e) {
        if (e instanceof ConfigError && !e.message.includes(where)) throw new ConfigError(`${where}: ${e.message}`, e.key, e.flag);
        throw e;
      }
    }
  });
  return points;
}

/** Quote for POSIX shells. */
export function shq(s: string): string {
  return /^[A-Za-z0-9_./=,+:@%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface CommandPaths {
  /** the node executable */
  node: string;
  /** the synthgrad CLI script */
  cli: string;
  /** the sweep directory (absolute) */
  dir: string;
}

/**
 * The one shell command that runs (or finishes) a point: skip a done run,
 * resume from a checkpoint if there is one, else start from config.json
 * (with --overwrite: with no checkpoint there is nothing to resume, and what a
 * killed first start left is replaced); mark the run done when `train` exits 0.
 * Run from any folder.
 */
export function pointCommand(p: SweepPoint, c: CommandPaths): string {
  const run = shq(path.join(c.dir, p.name));
  const node = shq(c.node), cli = shq(c.cli);
  const fresh = `${node} ${cli} train --config ${run}/config.json --out ${run} --overwrite`;
  const resume = `${node} ${cli} train --resume ${run}`;
  // a failure leaves failed.json as `sweep` does (without the stderr tail, which stays the runner's), and the exit code
  const ok = `{ echo '{"status":"done"}' > ${run}/${DONE_FILE}; rm -f ${run}/${FAILED_FILE}; }`;
  const failed = `{ c=$?; echo "{\\"status\\":\\"failed\\",\\"exit_code\\":$c}" > ${run}/${FAILED_FILE}; (exit $c); }`;
  return `[ -e ${run}/${DONE_FILE} ] || { if [ -e ${run}/${CHECKPOINT} ]; then ${resume}; else ${fresh}; fi && ${ok} || ${failed}; }`;
}

/** The argument list of the `train` process for a point in its current state. */
export function trainArgs(runDir: string): string[] {
  return fs.existsSync(path.join(runDir, CHECKPOINT))
    ? ['train', '--resume', runDir]
    : ['train', '--config', path.join(runDir, 'config.json'), '--out', runDir, '--overwrite'];
}

/** A Slurm job array over the points' commands, indexed by $SLURM_ARRAY_TASK_ID. */
export function slurmScript(points: SweepPoint[], c: CommandPaths): string {
  const threads = Math.max(1, ...points.map((p) => p.cfg.threads ?? 1));
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=synthgrad-sweep`,
    `#SBATCH --array=0-${points.length - 1}`,
    `#SBATCH --cpus-per-task=${threads}`,
    `#SBATCH --output=${c.dir}/slurm-%A_%a.out`,
    '# One array task per run; a task that is requeued resumes its run from its checkpoint.',
    '# Submit with: sbatch ' + shq(path.join(c.dir, 'slurm.sh')),
    'set -u',
    'case "$SLURM_ARRAY_TASK_ID" in',
  ];
  for (const p of points) lines.push(`  ${p.index}) ${pointCommand(p, c)} ;;`);
  lines.push('  *) echo "slurm.sh: no run with index $SLURM_ARRAY_TASK_ID" >&2; exit 2 ;;', 'esac', '');
  return lines.join('\n');
}

/** The point's config.json as the run directory should hold it (paths relative to the run directory). */
export function configJsonFor(p: SweepPoint, runDir: string): Obj {
  return configToJson(p.cfg, runDir, {}, nodePath);
}

export type PointState = 'done' | 'partial' | 'new';

/** What a run directory holds: done (marked), partial (a checkpoint to resume) or new. */
export function pointState(runDir: string): PointState {
  if (fs.existsSync(path.join(runDir, DONE_FILE))) return 'done';
  if (fs.existsSync(path.join(runDir, CHECKPOINT))) return 'partial';
  return 'new';
}

/** The config keys that differ between a stored config.json and the point's, ignoring recorded keys. */
export function configDifference(stored: Obj, wanted: Obj): string[] {
  const diffs: string[] = [];
  const walk = (a: unknown, b: unknown, p: string) => {
    if (isObj(a) && isObj(b)) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
        if (p === '' && ['backend_used', 'adapter', 'threads_used', 'kernels'].includes(k)) continue;
        walk(a[k], b[k], p ? `${p}.${k}` : k);
      }
    } else if (JSON.stringify(a) !== JSON.stringify(b)) diffs.push(p);
  };
  walk(stored, wanted, '');
  return diffs;
}
