// The key table (keys.ts) as a flat list of rows, in table order.

import { KEYS } from './keys.js';
import type { Fields, Row } from './table.js';

/** Keys written by the trainer into config.json, accepted and ignored on reading. */
export const RECORDED_KEYS: readonly string[] = ['backend_used', 'adapter', 'threads_used', 'kernels'];

export interface RowAt {
  /** The dotted key path: `optimizer.lr`. */
  path: string;
  /** The last part of it: `lr`. */
  key: string;
  /** The section's path, '' at the top. */
  parent: string;
  row: Row;
}

function flatten(fields: Fields, parent: string, out: RowAt[]): RowAt[] {
  for (const [key, row] of Object.entries(fields)) {
    const path = parent ? `${parent}.${key}` : key;
    out.push({ path, key, parent, row });
    if (!row.leaf) flatten(row.fields, path, out);
  }
  return out;
}

/** Every row, sections before their keys, in table order. */
export const ROWS: readonly RowAt[] = flatten(KEYS, '', []);

/** Every key path: the top-level ones first (for suggestions). */
export const ALL_PATHS: readonly string[] = [
  ...ROWS.filter((r) => r.parent === '').map((r) => r.path), ...RECORDED_KEYS,
  ...ROWS.filter((r) => r.parent !== '').map((r) => r.path),
];

/** The keys of a section ('' = the top level), recorded-only keys included at the top. */
export function knownKeys(section: string): readonly string[] {
  const keys = ROWS.filter((r) => r.parent === section).map((r) => r.key);
  return section === '' ? [...keys, ...RECORDED_KEYS] : keys;
}
