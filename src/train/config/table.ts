// The shape of a row of the configuration key table (keys.ts), and the value
// checks rows are built from. Everything else about the configuration
// (validation, defaults, config.json, the command-line options and their help,
// docs/config.md) is derived from the rows; see docs/config.md.

import type { PathOps } from './paths.js';

/** A test of a raw JSON value, and the words for what it allows. */
export interface Check<R> {
  /** Completes "expected …" in messages: `a number > 0`. */
  expected: string;
  test(v: unknown): v is R;
  /** The allowed strings, for a fixed set (the option's `<a|b>` and its parser). */
  choices?: readonly string[];
}

export type Task = 'charlm' | 'wordlm' | 'copy' | 'repeat-copy';
export const TASKS: readonly Task[] = ['charlm', 'wordlm', 'copy', 'repeat-copy'];
export const LM_TASKS: readonly Task[] = ['charlm', 'wordlm'];

/**
 * What defaults, `applies` and `check` functions see: the values of the keys
 * (raw but validated while defaults are filled in, in table order, so only
 * earlier keys are there; final afterwards).
 */
export interface Env {
  task: Task;
  isLM: boolean;
  /** The value at a key path (undefined for a key not yet read or in a null section). */
  get(path: string): unknown;
  /** The raw value the configuration gave at a key path. */
  raw(path: string): unknown;
  /** The option that set a key path, when the command line did. */
  flagOf(path: string): string | undefined;
  /** ConfigErrors: about a key (`detail` follows it), a bad value, a missing key, any message. */
  error(path: string, detail: string): Error;
  bad(path: string, value: unknown, expected: string): Error;
  missing(path: string, expected: string): Error;
  /** The message after the source's name (or `option --x:` when `flag` is given). */
  plain(message: string, key: string, flag?: string): Error;
  /** A configuration path → an absolute path (against the config file's folder). */
  resolvePath(p: string): string;
}

/** How the command line spells a key's value. */
export type FlagSyntax = 'int' | 'num' | 'str' | 'path' | 'bool' | 'no-bool' | 'intList' | 'oneOrList'
  | 'split' | 'numOrNone' | 'intOrNone';

export interface FlagSpec {
  /** The long option: `--lr`; `--no-x` for a switch that sets false. */
  name: string;
  syntax: FlagSyntax;
  /** The `--help` line. */
  help: string;
  /** The word that means null (`--clip none`, `--threads auto`). */
  none?: string;
  /** Keys this option replaces in a config file, unless their own options are given too. */
  drops?: readonly string[];
}

/**
 * When a key applies. Where it does not, a value given anyway is either
 * ignored (the key resolves to its default, so one template serves every
 * policy), or must equal the default ("reject": settings of another task).
 */
export interface Applies {
  /** For docs/config.md: `policy "dni"`. */
  text: string;
  when(env: Env): boolean;
  otherwise: 'ignore' | 'reject';
  /** "reject": the reason in the message. */
  why?(env: Env): string;
}

export interface Leaf<R, T> {
  readonly leaf: true;
  check: Check<R>;
  /** Absent: required. A function: computed from the keys before this one; undefined = required there. */
  default?: R | ((env: Env) => R | undefined);
  /** docs/config.md's words for a computed default. */
  defaultText?: string;
  /** The resolved value from the validated raw one (the identity when absent). */
  value?(r: R, env: Env): T;
  /** The config.json value (the resolved one when absent). */
  json?(v: T, w: JsonEnv): unknown;
  /** Whether config.json has the key (always when absent). */
  written?(cfg: ConfigLike): boolean;
  applies?: Applies;
  /** A rule that involves other keys, run once every key is resolved. */
  rule?(v: T, env: Env): void;
  flag?: FlagSpec;
  /** The meaning, for docs/config.md. */
  doc: string;
}

export interface Section<F extends Fields, N extends boolean> {
  readonly leaf: false;
  nullable: N;
  fields: F;
  /** A rule for the section as a whole, run before its keys' rules. */
  rule?(v: Record<string, unknown>, env: Env): void;
  /** Written to config.json only when this holds. */
  written?(cfg: ConfigLike): boolean;
  /** Words after "an object" in the message for a value that is not one. */
  example?(v: unknown): string;
  flag?: FlagSpec;
  doc: string;
}

export type Row = Leaf<any, any> | Section<Fields, boolean>; // eslint-disable-line @typescript-eslint/no-explicit-any
export type Fields = { readonly [k: string]: Row };

/** The resolved value a row describes. */
export type ValueOf<X> =
  X extends Section<infer F, infer N> ? ({ -readonly [K in keyof F]: ValueOf<F[K]> } | (N extends true ? null : never))
    : X extends Leaf<unknown, infer T> ? T : never;

export type ConfigOf<F extends Fields> = { -readonly [K in keyof F]: ValueOf<F[K]> };

/** A resolved configuration seen without its types (the writer's and rules' view). */
export type ConfigLike = { task: Task } & Record<string, unknown>;

export interface JsonEnv {
  /** An absolute path → relative to the run directory. */
  rel(p: string): string;
  path: PathOps;
}

/** A key; `R` is its validated raw form, `T` its resolved form (R unless `value` says otherwise). */
export function leaf<R, T = R>(spec: Omit<Leaf<R, T>, 'leaf' | 'default'> & {
  default?: NoInfer<R> | ((env: Env) => NoInfer<R> | undefined);
}): Leaf<R, T> {
  return { leaf: true, ...spec };
}

export function section<F extends Fields, N extends boolean>(nullable: N, fields: F,
  spec: Omit<Section<F, N>, 'leaf' | 'nullable' | 'fields'>): Section<F, N> {
  return { leaf: false, nullable, fields, ...spec };
}

// ---------------------------------------------------------------- JSON values

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A deep copy of a JSON value (keys such as "__proto__" stay plain own keys).
 * −0 becomes 0: config.json writes it as 0, and a run must resolve the same from its own record.
 */
export function cloneJson<T>(v: T): T {
  if (Array.isArray(v)) return v.map(cloneJson) as T;
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cloneJson(x)])) as T;
  return (v === 0 ? 0 : v) as T;
}

// ---------------------------------------------------------------- checks

export function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

export function isPosInt(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) > 0;
}

export function posIntList(v: unknown): v is number[] {
  return Array.isArray(v) && v.length > 0 && v.every(isPosInt);
}

export function check<R>(expected: string, test: (v: unknown) => boolean): Check<R> {
  return { expected, test: test as (v: unknown) => v is R };
}

export function choice<const C extends readonly string[]>(choices: C): Check<C[number]> {
  return {
    expected: `one of ${choices.map((c) => `"${c}"`).join(', ')}`,
    test: (v): v is C[number] => typeof v === 'string' && choices.includes(v),
    choices,
  };
}

export const bool = check<boolean>('true or false', (v) => typeof v === 'boolean');
export const posInt = check<number>('a positive integer', isPosInt);
export const nonNegInt = check<number>('a non-negative integer', (v) => Number.isSafeInteger(v) && (v as number) >= 0);
export const posNum = check<number>('a number > 0', (v) => isNum(v) && v > 0);
export const nonNegNum = check<number>('a number >= 0', (v) => isNum(v) && v >= 0);
export const posIntOrNull = check<number | null>('a positive integer or null', (v) => v === null || isPosInt(v));
export const pathOrNull = check<string | null>('a file path (a non-empty string) or null',
  (v) => v === null || (typeof v === 'string' && v !== ''));
export const betas = check<[number, number]>('a list of two numbers, each >= 0 and < 1',
  (x) => Array.isArray(x) && x.length === 2 && x.every((b) => isNum(b) && b >= 0 && b < 1));
export function widths(what: string): Check<number | number[]> {
  return check(`a positive integer or a non-empty list of positive integers${what}`, (v) => isPosInt(v) || posIntList(v));
}

/** Adam's β1, β2 and ε unless a configuration gives others (the model's and the synthesizer's optimizer). */
export const DEFAULT_BETAS: [number, number] = [0.9, 0.999];
export const DEFAULT_EPS = 1e-8;

/** The width of each LSTM layer: `hidden` as a list, or one width repeated `layers` times. */
export function hiddenWidths(env: Env): number[] {
  const h = env.get('hidden') as number | number[];
  return Array.isArray(h) ? h : Array.from({ length: env.get('layers') as number }, () => h);
}
