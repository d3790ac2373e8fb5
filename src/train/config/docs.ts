// The key section of docs/config.md, rendered from the key table (keys.ts):
// `npm run docs:config` writes it, test/train/config-docs.test.ts fails when
// the file and the table differ.

import { positiveFlag, TRAIN_FLAGS } from './flags.js';
import type { Row } from './table.js';
import { ROWS } from './walk.js';

export const KEYS_BEGIN = '<!-- keys: generated from src/train/config/keys.ts by `npm run docs:config`; edit the table, not this section -->';
export const KEYS_END = '<!-- end of keys -->';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s: string) => `\`${s}\``;

function typeText(row: Row): string {
  if (!row.leaf) return row.nullable ? 'an object or null' : 'an object';
  return row.check.expected;
}

function defaultText(row: Row): string {
  if (!row.leaf) return row.nullable ? code('null') : 'its keys\' defaults';
  if (row.defaultText !== undefined) return row.defaultText;
  if (row.default === undefined) return 'required';
  if (typeof row.default === 'function') throw new Error('a computed default needs its defaultText');
  return code(JSON.stringify(row.default));
}

/** The markdown table of every key, in table order. */
export function renderKeyTable(): string {
  const lines = [
    '| key | type | default | applies to | option | meaning |',
    '|---|---|---|---|---|---|',
  ];
  for (const { path, row } of ROWS) {
    const flag = TRAIN_FLAGS.find((f) => f.key === path);
    const applies = row.leaf && row.applies ? row.applies.text : '';
    const positive = flag ? positiveFlag(flag) : null;
    const option = !flag ? '' : positive ? `${code(positive)}, ${code(flag.spec)}` : code(flag.spec);
    lines.push(`| ${[code(path), typeText(row), defaultText(row), applies, option, row.doc].map(cell).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** `markdown` with the text between the key markers replaced by the rendered table. */
export function withKeyTable(markdown: string): string {
  const a = markdown.indexOf(KEYS_BEGIN), b = markdown.indexOf(KEYS_END);
  if (a < 0 || b < a) throw new Error(`the key markers are missing: ${KEYS_BEGIN} … ${KEYS_END}`);
  return `${markdown.slice(0, a + KEYS_BEGIN.length)}\n\n${renderKeyTable()}\n\n${markdown.slice(b)}`;
}
