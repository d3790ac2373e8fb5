// The command-line form of the configuration: the options of `synthgrad
// train`, one per key that has a `flag` in the key table (keys.ts), and the
// merging of their values over a config file's raw object. The CLI registers
// them with commander (src/cli/train-flags.ts).

import { ConfigError, showValue } from './errors.js';
import { posixPath, type PathOps } from './paths.js';
import { cloneJson, isObj, type FlagSyntax, type Obj } from './table.js';
import { ROWS } from './walk.js';

/** One option of `synthgrad train`. */
export interface TrainFlag {
  /** The long option, e.g. `--lr`. */
  flag: string;
  /** The value placeholder, e.g. `<x>`; null for a switch without a value. */
  arg: string | null;
  /** Commander's flag string: `--lr <x>`, `--tied`, `--no-train-in-real`. */
  spec: string;
  /** Commander's attribute name for the value in `opts()`: `lr`, `sgScale`, `trainInReal`. */
  attr: string;
  /** The config key path the option sets. */
  key: string;
  /** Text → value (throws ConfigError naming the flag). Called by applyFlags on string values. */
  parse: (text: string) => unknown;
  help: string;
  /** The allowed values, for options with a fixed set. */
  choices?: readonly string[];
  /** Keys the option replaces in a config file, unless their own options are given too. */
  drops: readonly string[];
}

function flagError(flag: string, key: string, text: string, what: string): ConfigError {
  return new ConfigError(`option ${flag}: ${showValue(text)} is not ${what}`, key, flag);
}

const INT_RE = /^[+-]?\d+$/;

function parseNum(flag: string, key: string, text: string): number {
  const t = text.trim();
  const n = Number(t);
  if (t === '' || !Number.isFinite(n)) throw flagError(flag, key, text, 'a number');
  return n;
}

function parseInt10(flag: string, key: string, text: string): number {
  const t = text.trim();
  if (!INT_RE.test(t) || !Number.isSafeInteger(Number(t))) throw flagError(flag, key, text, 'an integer');
  return Number(t);
}

function parseIntList(flag: string, key: string, text: string): number[] {
  const parts = text.split(',');
  if (parts.some((p) => !INT_RE.test(p.trim()) || !Number.isSafeInteger(Number(p.trim())))) {
    throw flagError(flag, key, text, 'a comma-separated list of integers');
  }
  return parts.map((p) => Number(p.trim()));
}

function makeFlag(flag: string, key: string, kind: FlagSyntax, help: string,
  opts: { choices?: readonly string[]; none?: string; drops?: readonly string[] }): TrainFlag {
  const { choices } = opts;
  const none = opts.none ?? 'none';
  const name = flag.slice(2);
  const attrBase = kind === 'no-bool' ? name.slice(3) : name;
  const attr = attrBase.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const placeholders: Record<FlagSyntax, string | null> = {
    int: '<n>', num: '<x>', str: '<value>', path: '<path>', bool: null, 'no-bool': null, intList: '<n,n,...>',
    oneOrList: '<n[,n,...]>', split: '<valid,test|none>', numOrNone: `<x|${none}>`, intOrNone: `<n|${none}>`,
  };
  const arg = placeholders[kind] === null ? null : choices ? `<${choices.join('|')}>` : placeholders[kind];
  const parse = (text: string): unknown => {
    switch (kind) {
      case 'int': return parseInt10(flag, key, text);
      case 'num': return parseNum(flag, key, text);
      case 'path': return text;
      case 'str': {
        if (choices && !choices.includes(text)) {
          throw flagError(flag, key, text, `one of ${choices.map((c) => `"${c}"`).join(', ')}`);
        }
        return text;
      }
      case 'bool':
      case 'no-bool': {
        const t = text.trim().toLowerCase();
        if (t === 'true') return true;
        if (t === 'false') return false;
        throw flagError(flag, key, text, 'true or false');
      }
      case 'intList': return parseIntList(flag, key, text);
      case 'oneOrList': {
        const l = parseIntList(flag, key, text);
        return l.length === 1 && !text.includes(',') ? l[0] : l;
      }
      case 'split': {
        const t = text.trim();
        if (t === 'none' || t === 'null') return null;
        const parts = t.split(',');
        const nums = parts.map((p) => Number(p.trim()));
        if (parts.length !== 2 || parts.some((p) => p.trim() === '') || !nums.every(Number.isFinite)) {
          throw flagError(flag, key, text, 'two comma-separated fractions "valid,test" (e.g. "0.05,0.05") or "none"');
        }
        return { valid: nums[0], test: nums[1] };
      }
      case 'numOrNone': return text.trim() === none ? null : parseNum(flag, key, text);
      case 'intOrNone': return text.trim() === none ? null : parseInt10(flag, key, text);
    }
  };
  const spec = arg === null ? flag : `${flag} ${arg}`;
  return { flag, arg, spec, attr, key, parse, help, ...(choices ? { choices } : {}), drops: opts.drops ?? [] };
}

/** `--x` for a `--no-x` switch (registered beside it: it sets the key's default explicitly); null for any other option. */
export function positiveFlag(f: Pick<TrainFlag, 'flag' | 'arg'>): string | null {
  return f.arg === null && f.flag.startsWith('--no-') ? `--${f.flag.slice(5)}` : null;
}

/** Every option of `synthgrad train`, in the order of the key table. */
export const TRAIN_FLAGS: readonly TrainFlag[] = ROWS.flatMap(({ path, row }) => {
  const f = row.flag;
  if (f === undefined) return [];
  const choices = row.leaf && f.syntax === 'str' ? row.check.choices : undefined;
  return [makeFlag(f.name, path, f.syntax, f.help, { choices, none: f.none, drops: f.drops })];
});

/** Which config key paths were set by which command-line option (see applyFlags; read by resolveConfig). */
export const FLAG_ORIGIN = new WeakMap<object, Map<string, string>>();

export interface ApplyFlagsOptions {
  /** Folder that command-line paths (--data, --init) are relative to; without it they are kept as given. */
  cwd?: string;
  path?: PathOps;
}

/**
 * Merge command-line values over a config file's raw object (the command line
 * wins) and return the new raw object for resolveConfig; the input is not
 * changed. `flags` is commander's `opts()` (keys are TrainFlag.attr; the
 * option name without dashes, e.g. `sg-scale`, works too; other keys are
 * ignored). String values go through the option's parser; other values are
 * taken as parsed. Register options without commander defaults: an
 * undefined value means "not given"; for a `--no-x` switch `false` counts as
 * given, and `true` only with `x: true` beside it (`--x` given: commander gives
 * both one attribute, and sets it true by default when `--no-x` is alone).
 *
 * An option drops the file's keys it replaces (its `drops`: --steps drops
 * `epochs`, --restart-cycles `schedule.t0` and `t_mult`, …) unless their own
 * options are given too; an option inside `schedule` or `synthesizer` creates
 * the section when the file has none (a new synthesizer is linear unless
 * --synth says otherwise). Errors in values then found by resolveConfig name
 * the option rather than the key.
 */
export function applyFlags(rawFromFile: object, flags: Record<string, unknown>, opts: ApplyFlagsOptions = {}): object {
  const out = (isObj(rawFromFile) ? cloneJson(rawFromFile) : {}) as Obj;
  const origin = new Map<string, string>(isObj(rawFromFile) ? FLAG_ORIGIN.get(rawFromFile) ?? [] : []);
  const paths = opts.path ?? posixPath;
  const given: TrainFlag[] = [];

  const set = (key: string, value: unknown, flag: string) => {
    const parts = key.split('.');
    let o: Obj = out;
    for (const p of parts.slice(0, -1)) {
      const cur = Object.hasOwn(o, p) ? o[p] : undefined;
      if (cur === undefined || cur === null) {
        const fresh: Obj = {};
        o[p] = fresh;
        o = fresh;
      } else if (isObj(cur)) {
        o = cur;
      } else {
        return; // the file's own value is wrong; resolveConfig reports it
      }
    }
    o[parts[parts.length - 1]!] = value;
    origin.set(key, flag);
  };
  const drop = (key: string) => {
    const parts = key.split('.');
    let o: unknown = out;
    for (const p of parts.slice(0, -1)) o = isObj(o) && Object.hasOwn(o, p) ? o[p] : undefined;
    if (isObj(o)) delete o[parts[parts.length - 1]!];
    origin.delete(key);
  };

  for (const f of TRAIN_FLAGS) {
    const name = f.flag.slice(2);
    let v = Object.hasOwn(flags, f.attr) ? flags[f.attr] : Object.hasOwn(flags, name) ? flags[name] : undefined;
    if (v === undefined) continue;
    if (typeof v === 'string') v = f.parse(v);
    if (f.arg === null && typeof v !== 'boolean') {
      throw new ConfigError(`option ${f.flag}: ${showValue(v)} is not true or false`, f.key, f.flag);
    }
    // a `--no-x` switch alone makes commander report true when it is not given; `x: true` says `--x` was
    const positive = v === true ? positiveFlag(f) : null;
    if (positive !== null && flags[positive.slice(2)] !== true) continue;
    if (f.spec.endsWith(' <path>') && typeof v === 'string' && opts.cwd !== undefined) v = paths.resolve(opts.cwd, v);
    set(f.key, v, positive ?? f.flag);
    given.push(f);
  }
  for (const f of given) {
    for (const key of f.drops) if (!given.some((g) => g.key === key)) drop(key);
  }
  FLAG_ORIGIN.set(out, origin);
  return out;
}
