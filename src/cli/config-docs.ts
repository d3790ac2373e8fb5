// `node dist/src/cli/config-docs.js [file]` (npm run docs:config): rewrites the
// key section of docs/config.md from the configuration key table.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withKeyTable } from '../train/config/docs.js';

const file = process.argv[2] ?? fileURLToPath(new URL('../../../docs/config.md', import.meta.url));
const before = readFileSync(file, 'utf8');
const after = withKeyTable(before);
if (after !== before) writeFileSync(file, after);
process.stdout.write(`${file}: ${after === before ? 'up to date' : 'key section rewritten'}\n`);
