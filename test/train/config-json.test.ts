// config.json of existing configurations, byte for byte: each
// test/fixtures/config-json/<name>.json resolves (as if in /home/u/exp) and is
// written for the run directory /home/u/exp/runs/r1 exactly as in
// <name>.resolved.json, the files earlier versions wrote.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configToJson, resolveConfig } from '../../src/train/config.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'config-json');
const names = readdirSync(DIR).filter((f) => f.endsWith('.json') && !f.endsWith('.resolved.json')).map((f) => f.slice(0, -5));

describe('config.json', () => {
  it('has fixtures', () => expect(names.length).toBeGreaterThanOrEqual(5));
  it.each(names)('%s: the same text as before, and it reads back to the same config', (name) => {
    const raw = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8'));
    const cfg = resolveConfig(raw, { baseDir: '/home/u/exp', source: `${name}.json` });
    const text = `${JSON.stringify(configToJson(cfg, '/home/u/exp/runs/r1', { backend_used: 'cpu', adapter: null }), null, 2)}\n`;
    expect(text).toBe(readFileSync(join(DIR, `${name}.resolved.json`), 'utf8'));
    expect(resolveConfig(JSON.parse(text), { baseDir: '/home/u/exp/runs/r1', source: 'config.json' })).toEqual(cfg);
  });
});
