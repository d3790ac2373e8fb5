// docs/config.md against the key table: the key section is the rendered table
// (run `npm run docs:config` after changing src/train/config/keys.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEYS_BEGIN, KEYS_END, renderKeyTable, withKeyTable } from '../../src/train/config/docs.js';
import { TRAIN_FLAGS } from '../../src/train/config.js';

const FILE = join(import.meta.dirname, '..', '..', 'docs', 'config.md');
const text = readFileSync(FILE, 'utf8');

describe('docs/config.md', () => {
  it('its key section is the rendered key table (npm run docs:config)', () => {
    expect(withKeyTable(text)).toBe(text);
  });

  it('lists every key path and every option once', () => {
    const section = text.slice(text.indexOf(KEYS_BEGIN), text.indexOf(KEYS_END));
    const paths = [...section.matchAll(/^\| `([a-z_.0-9]+)` \|/gm)].map((m) => m[1]);
    for (const p of ['task', 'optimizer.lr', 'schedule.cycles', 'synthesizer.train_in_real', 'copy.sequences', 'on_nan']) {
      expect(paths.filter((x) => x === p)).toHaveLength(1);
    }
    for (const f of TRAIN_FLAGS) expect(section.split(`\`${f.spec.replace(/\|/g, '\\|')}\``)).toHaveLength(2);
  });

  it('a change to the table shows as drift', () => {
    const stale = text.replace('| `optimizer.lr` | a number > 0 | `0.003` |', '| `optimizer.lr` | a number > 0 | `0.01` |');
    expect(stale).not.toBe(text);
    expect(withKeyTable(stale)).not.toBe(stale);
    expect(renderKeyTable()).toContain('| `optimizer.lr` | a number > 0 | `0.003` |');
  });
});
