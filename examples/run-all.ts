// `npm run examples`: runs every example of this folder, compiled (dist/examples),
// and prints what each printed; 05-browser.html is opened in headless Chromium
// (/usr/bin/chromium, or CHROMIUM=path), or skipped with a note when there is none.
// test/examples.test.ts runs them through these same functions.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The repository root, above examples/ (the tests run this file from source) or dist/examples/. */
export const ROOT = path.resolve(HERE, path.basename(path.dirname(HERE)) === 'dist' ? '../..' : '..');
/** The programs run by Node, in order (the browser page is run separately). */
export const NODE_EXAMPLES = ['01-gradcheck', '02-dni-step', '03-custom-synthesizer', '04-copy-task'];
export const BROWSER_EXAMPLE = '05-browser.html';
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

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
export function runBrowserExample(timeoutMs = 90_000): Promise<string | null> {
  if (!fs.existsSync(CHROMIUM)) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    let child: ChildProcess | null = null;
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthgrad-example-chromium-'));
    const done = (f: () => void) => {
      clearTimeout(timer);
      server.close();
      if (child?.pid !== undefined && child.exitCode === null) {
        try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
      }
      fs.rmSync(userDir, { recursive: true, force: true });
      f();
    };
    const server = http.createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/result') {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => {
          res.writeHead(200).end('ok');
          done(() => resolve(body));
        });
        return;
      }
      const file = path.join(ROOT, path.normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
      if (!file.startsWith(ROOT + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
        res.writeHead(404).end('not found');
        return;
      }
      const type = { '.js': 'text/javascript', '.html': 'text/html', '.txt': 'text/plain' }[path.extname(file)];
      res.writeHead(200, { 'content-type': type ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(fs.readFileSync(file));
    });
    const timer = setTimeout(() => done(() => reject(new Error(`${BROWSER_EXAMPLE} did not report within ${timeoutMs} ms`))), timeoutMs);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      child = spawn(CHROMIUM, [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--no-default-browser-check', `--user-data-dir=${userDir}`,
        `http://127.0.0.1:${port}/examples/${BROWSER_EXAMPLE}?report`,
      ], { stdio: 'ignore', detached: true });
      child.on('error', (e) => done(() => reject(e)));
    });
  });
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
