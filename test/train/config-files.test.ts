import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configToJson } from '../../src/train/config.js';
import {
  loadConfigFile, loadRunConfig, nodePath, parseJsonText, scanJson, writeRunConfig,
} from '../../src/train/config-file.js';
import { configError } from './config-helpers.js';

describe('config files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'synthgrad-config-'));
  const write = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };

  it('loads an object and its folder', () => {
    const p = write('ok.json', '\ufeff{"task": "copy", "_c": 1}');
    expect(loadConfigFile(p)).toEqual({ raw: { task: 'copy', _c: 1 }, baseDir: dir });
  });

  it('reports a missing file, a folder, invalid JSON with line and column, duplicate keys, a non-object', () => {
    expect(configError(() => loadConfigFile(join(dir, 'nope.json'))).message).toMatch(/nope\.json: no such file/);
    mkdirSync(join(dir, 'sub'), { recursive: true });
    expect(configError(() => loadConfigFile(join(dir, 'sub'))).message).toMatch(/is a folder/);
    const bad = write('bad.json', '{\n  "task": "copy",\n}\n');
    expect(configError(() => loadConfigFile(bad)).message).toBe(`${bad}:3:1: invalid JSON: trailing comma before '}'`);
    const bad2 = write('bad2.json', '{\n  "task": copy\n}');
    expect(configError(() => loadConfigFile(bad2)).message).toMatch(/bad2\.json:2:11: invalid JSON: unexpected "c"/);
    const dup = write('dup.json', '{"a": {"x": 1,\n "x": 2}}');
    expect(configError(() => loadConfigFile(dup)).message).toMatch(/dup\.json:2:2: invalid JSON: duplicate key "x"/);
    expect(configError(() => loadConfigFile(write('arr.json', '[1]'))).message).toMatch(/must be a JSON object .* not an array/);
    expect(configError(() => loadConfigFile(write('empty.json', ''))).message).toMatch(/empty\.json:1:1: invalid JSON/);
  });

  it('scanJson agrees with JSON.parse', () => {
    const jsonChars = fc.string({ unit: fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', 'u', '0', '1', '-', '.', 'e', ' ', '\n', 't', 'r', 'n', 'a', 'l', 's', 'f') , maxLength: 20 });
    fc.assert(fc.property(fc.oneof(fc.json(), jsonChars, fc.string()), (s) => {
      let ok = true;
      try { JSON.parse(s); } catch { ok = false; }
      const scan = scanJson(s);
      if (ok) {
        // valid JSON passes unless it repeats a key
        if (scan !== null) expect(scan.message).toMatch(/duplicate key/);
      } else {
        expect(scan).not.toBeNull();
      }
    }), { numRuns: 3000 });
    expect(parseJsonText('{"a": [1, 2.5e3, -0, "x\\u00e9"]}', 'f')).toEqual({ a: [1, 2500, -0, 'xé'] });
  });

  it('loadRunConfig: file paths relative to the file, command-line paths to cwd', () => {
    const p = write('run.json', JSON.stringify({ task: 'charlm', data: 'text.txt', embed: 8, hidden: 8, batch: 2, bptt: 4, epochs: 1 }));
    expect(loadRunConfig({ config: p, cwd: '/elsewhere' }).data).toBe(join(dir, 'text.txt'));
    expect(loadRunConfig({ config: p, flags: { data: 'other.txt' }, cwd: '/elsewhere' }).data).toBe('/elsewhere/other.txt');
    const e = configError(() => loadRunConfig({ config: p, flags: { lr: '0' } }));
    expect(e.message).toMatch(/^option --lr: 0 is not allowed/);
  });

  it('writeRunConfig writes a config.json that repeats the run', () => {
    const p = write('run2.json', JSON.stringify({ task: 'charlm', data: 'text.txt', embed: 8, hidden: 8, batch: 2, bptt: 4, epochs: 1, synthesizer: {} }));
    const cfg = loadRunConfig({ config: p });
    const runDir = join(dir, 'runs', 'r');
    mkdirSync(runDir, { recursive: true });
    const out = writeRunConfig(cfg, runDir, { backend_used: 'cpu', adapter: null });
    const text = readFileSync(out, 'utf8');
    expect(JSON.parse(text)).toMatchObject({ data: '../../text.txt', backend_used: 'cpu' });
    expect(loadRunConfig({ config: out })).toEqual(cfg);
    expect(configToJson(cfg, runDir, {}, nodePath)).toMatchObject({ data: '../../text.txt' });
  });
});
