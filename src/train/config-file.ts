// Reading (and writing) run configuration files: the Node side of config.ts.

import { readFileSync, writeFileSync } from 'node:fs';
import * as nodePathMod from 'node:path';
import {
  applyFlags, ConfigError, configToJson, resolveConfig, type PathOps, type RunConfig,
} from './config.js';

/** Node's path functions in the shape config.ts takes. */
export const nodePath: PathOps = {
  isAbsolute: (p) => nodePathMod.isAbsolute(p),
  resolve: (base, p) => (nodePathMod.isAbsolute(p) ? p : nodePathMod.resolve(base, p)),
  relative: (from, to) => nodePathMod.relative(nodePathMod.resolve(from), nodePathMod.resolve(to)),
};

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** 1-based line and column of a UTF-16 offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split(/\r\n|\r|\n/);
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

/**
 * Scan JSON text for the first syntax error or duplicate object key (which
 * JSON.parse would silently merge); null when the text is fine. `offset` is
 * where the problem is.
 */
export function scanJson(text: string): { offset: number; message: string } | null {
  let i = 0;
  const n = text.length;
  class Fail { constructor(readonly offset: number, readonly message: string) {} }
  const fail = (msg: string, at = i): never => { throw new Fail(at, msg); };
  const ws = () => { while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++; };
  const what = () => (i >= n ? 'the end of the file' : `${JSON.stringify(text[i])}`);
  const str = (): string => {
    const start = i;
    i++; // opening quote
    let out = '';
    for (;;) {
      if (i >= n) fail('unterminated string', start);
      const c = text.charCodeAt(i);
      if (c === 0x22) { i++; return out; }
      if (c < 0x20) fail('control character in a string (escape it)');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('bad \\u escape');
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          out += e;
          i += 2;
        } else fail('bad escape in a string');
      } else { out += text[i]; i++; }
    }
  };
  const value = (depth: number): void => {
    ws();
    if (i >= n) fail('unexpected end of the file: expected a value');
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a double-quoted key, found ${what()}`);
        const at = i;
        const key = str();
        if (seen.has(key)) fail(`duplicate key ${JSON.stringify(key)}`, at);
        seen.add(key);
        ws();
        if (text[i] !== ':') fail(`expected ':' after a key, found ${what()}`);
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') { i++; ws(); if (text[i] === '}') fail('trailing comma before \'}\''); continue; }
        if (text[i] === '}') { i++; return; }
        fail(`expected ',' or '}' after a value, found ${what()}`);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') { i++; ws(); if (text[i] === ']') fail('trailing comma before \']\''); continue; }
        if (text[i] === ']') { i++; return; }
        fail(`expected ',' or ']' after a value, found ${what()}`);
      }
    }
    if (c === '"') { str(); return; }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m) { i += m[0].length; return; }
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) { i += lit.length; return; }
    }
    fail(`unexpected ${what()}: expected a value`);
  };
  try {
    value(0);
    ws();
    if (i < n) fail(`unexpected ${what()} after the end of the JSON value`);
    return null;
  } catch (e) {
    if (e instanceof Fail) return { offset: e.offset, message: e.message };
    if (e instanceof RangeError) return null; // absurdly deep nesting: leave it to JSON.parse
    throw e;
  }
}

/** Parse JSON text; a ConfigError `<file>:<line>:<column>: invalid JSON: ...` on a problem. */
export function parseJsonText(text: string, file: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const problem = scanJson(body);
  if (problem !== null) {
    const { line, column } = lineColumn(body, problem.offset);
    throw new ConfigError(`${file}:${line}:${column}: invalid JSON: ${problem.message}`);
  }
  try {
    return JSON.parse(body);
  } catch (e) {
    // The scanner accepts only valid JSON, so this is not expected.
    throw new ConfigError(`${file}: invalid JSON: ${(e as Error).message}`);
  }
}

/**
 * Read a run configuration file. `baseDir` is the file's folder (absolute),
 * which its relative paths are relative to. Throws ConfigError for a missing
 * or unreadable file, invalid JSON (with line and column), a duplicate key,
 * or a top-level value that is not an object.
 */
export function loadConfigFile(path: string): { raw: object; baseDir: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file'
      : code === 'EISDIR' ? 'is a folder, not a JSON file'
        : code === 'EACCES' ? 'permission denied'
          : (e as Error).message;
    throw new ConfigError(`config file ${path}: ${why}`);
  }
  const raw = parseJsonText(text, path);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    const kind = raw === null ? 'null' : Array.isArray(raw) ? 'an array' : `a ${typeof raw}`;
    throw new ConfigError(`${path}: a run configuration must be a JSON object ({...}), not ${kind}`);
  }
  return { raw, baseDir: nodePathMod.dirname(nodePathMod.resolve(path)) };
}

/**
 * The whole `train` front end: read the config file (if any), lay the
 * command-line values over it (`flags` is commander's `opts()`), resolve.
 * Command-line paths are relative to `cwd`, the file's relative to its folder.
 */
export function loadRunConfig(opts: { config?: string; flags?: Record<string, unknown>; cwd?: string }): RunConfig {
  const cwd = opts.cwd ?? process.cwd();
  const file = opts.config !== undefined ? loadConfigFile(opts.config) : { raw: {}, baseDir: cwd };
  const merged = applyFlags(file.raw, opts.flags ?? {}, { cwd, path: nodePath });
  return resolveConfig(merged, {
    baseDir: file.baseDir, source: opts.config ?? 'command line', path: nodePath,
  });
}

/**
 * Write `<runDir>/config.json` (the resolved configuration, paths relative to
 * the run directory, plus recorded-only keys such as `backend_used`, `adapter`).
 * Returns the file's path.
 */
export function writeRunConfig(cfg: RunConfig, runDir: string, extra: Record<string, unknown> = {}): string {
  const file = nodePathMod.join(runDir, 'config.json');
  writeFileSync(file, `${JSON.stringify(configToJson(cfg, runDir, extra, nodePath), null, 2)}\n`);
  return file;
}
