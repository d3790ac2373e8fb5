// `npm run examples`: runs every example of this folder, compiled (dist/examples),
// and prints what each printed; 05-browser.html is opened in headless Chromium
// (/usr/bin/chromium, or CHROMIUM=path), or skipped with a note when there is none.
// test/examples.test.ts runs them through these same functions.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, openInChromium } from './chromium.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The repository root, above examples/ (the tests run this file from source) or dist/examples/. */
export const ROOT = path.resolve(HERE, path.basename(path.dirname(HERE)) === 'dist' ? '../..' : '..');
/** The programs run by Node, in order (the browser page is run separately). */
export const NODE_EXAMPLES = ['01-gradcheck', '02-dni-step', '03-custom-synthesizer', '04-copy-task'];
export const BROWSER_EXAMPLE = '05-browser.html';
export { CHROMIUM };

/** Runs dist/examples/<name>.js; throws with its output when it exits non-zero. */
export function runNodeExample(name: string, env: Record<string, string> = {}): string {
  const file = path.join(ROOT, 'dist', 'examples', `${name}.js`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  const r = spawnSync(process.execPath, [file], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${name} exited with ${r.status ?? r.signal}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/**
 * Serves the repository root, opens examples/05-browser.html?report in headless
 * Chromium and resolves with the lines the page reports; null without Chromium.
 */
export async function runBrowserExample(timeoutMs = 90_000): Promise<string | null> {
  if (!fs.existsSync(CHROMIUM)) return null;
  const { body } = await openInChromium({ root: ROOT, url: `/examples/${BROWSER_EXAMPLE}?report`, args: ['--disable-gpu'], timeoutMs });
  return body;
}

async function main(): Promise<void> {
  for (const name of NODE_EXAMPLES) {
    process.stdout.write(`\n=== examples/${name}.ts\n`);
    process.stdout.write(runNodeExample(name));
  }
  process.stdout.write(`\n=== examples/${BROWSER_EXAMPLE} (headless Chromium)\n`);
  const page = await runBrowserExample();
  process.stdout.write(page === null ? `skipped: no Chromium at ${CHROMIUM} (set CHROMIUM=path)\n` : `${page}\n`);
  if (page?.includes('error:')) process.exitCode = 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
