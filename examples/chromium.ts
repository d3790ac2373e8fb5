// Opening a page in headless Chromium from a local server and waiting for what
// it reports: the page POSTs its result to /result. Used by run-all.ts (the
// browser example) and test/webgpu/browser.test.ts. The server sends the
// cross-origin isolation headers, so that pages may use SharedArrayBuffer.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export interface PageRun {
  /** The folder served at / */
  root: string;
  /** What Chromium opens: a path with its query, e.g. /examples/05-browser.html?report */
  url: string;
  /** Documents served at these paths instead of files (path → HTML) */
  pages?: Record<string, string>;
  /** Chromium options besides the headless basics */
  args?: string[];
  timeoutMs: number;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html', '.json': 'application/json', '.txt': 'text/plain' };
const HEADERS = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cache-control': 'no-store' };

/** Resolves with the body the page POSTs to /result, and Chromium's stderr so far. */
export function openInChromium(run: PageRun): Promise<{ body: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess | null = null;
    let stderr = '';
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthgrad-chromium-'));
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
          res.writeHead(200, HEADERS).end('ok');
          done(() => resolve({ body, stderr }));
        });
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      const page = run.pages?.[url.pathname];
      if (page !== undefined) {
        res.writeHead(200, { ...HEADERS, 'content-type': 'text/html' }).end(page);
        return;
      }
      const file = path.join(run.root, path.normalize(decodeURIComponent(url.pathname)));
      if (!file.startsWith(run.root) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
        res.writeHead(404, HEADERS).end('not found');
        return;
      }
      res.writeHead(200, { ...HEADERS, 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(fs.readFileSync(file));
    });
    const timer = setTimeout(() => done(() => reject(new Error(`${run.url} did not report within ${run.timeoutMs} ms; chromium said:\n${stderr.slice(-4000)}`))), run.timeoutMs);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      // Chromium puts its singleton socket folder under TMPDIR: inside userDir it goes with userDir,
      // which a SIGKILLed Chromium cannot clean up itself
      child = spawn(CHROMIUM, [
        '--headless', '--no-sandbox', ...(run.args ?? []),
        '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
        '--no-default-browser-check', `--user-data-dir=${userDir}`, `http://127.0.0.1:${port}${run.url}`,
      ], { stdio: ['ignore', 'ignore', 'pipe'], detached: true, env: { ...process.env, TMPDIR: userDir } });
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', (e) => done(() => reject(e)));
    });
  });
}
