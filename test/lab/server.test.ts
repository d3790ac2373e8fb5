// The lab's server: 127.0.0.1 by default, the page's own files with the
// cross-origin-isolation headers, and 404 / 405 for everything else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Server } from 'node:http';
import { exportLab, startLab } from '../../src/cli/lab-command.js';

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }

/** One request with the target sent exactly as given (no normalisation by a URL parser). */
function request(port: number, target: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, method }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('synthgrad lab: the server', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synthgrad-lab-'));
  const root = path.join(tmp, 'pkg');
  const modules = path.join(root, 'dist', 'src');
  const page = path.join(root, 'lab');
  const corpus = path.join(root, 'data', 'tinyshakespeare.txt');
  const algorithm = path.join(root, 'docs', 'algorithm.md');
  const outside = path.join(tmp, 'outside');
  let server: Server;
  let port: number;
  let url: string;

  beforeAll(async () => {
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    };
    write(path.join(root, 'package.json'), '{"name":"synthgrad","secret":"package"}');
    write(path.join(page, 'index.html'), '<!doctype html><title>lab</title>');
    write(path.join(page, 'lab.css'), 'body{}');
    write(path.join(page, 'notes.md'), 'not served');
    write(path.join(modules, 'lab', 'page.js'), 'export const page = 1;');
    write(path.join(modules, 'lab', 'page.ts'), 'source: not served');
    write(path.join(modules, 'train', 'run.js'), 'export const run = 1;');
    write(path.join(modules, 'cli', 'main.js'), 'the command line: not served');
    write(corpus, 'First Citizen:\n');
    write(algorithm, '## 4. DNI\n');
    write(path.join(outside, 'secret.js'), 'outside');
    fs.symlinkSync(path.join(outside, 'secret.js'), path.join(modules, 'lab', 'link.js'));
    fs.symlinkSync(outside, path.join(modules, 'lab', 'linkdir'));
    fs.symlinkSync(path.join(outside, 'secret.js'), path.join(page, 'out.html'));
    ({ server, url } = await startLab({ port: 0, modulesDir: modules, pageDir: page, corpus, algorithm }));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => {
    server?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 unless told otherwise', () => {
    expect((server.address() as { address: string }).address).toBe('127.0.0.1');
    expect(url).toBe(`http://127.0.0.1:${port}/`);
  });

  it('serves the page, its modules and the corpus, cross-origin isolated', async () => {
    for (const [target, text, type] of [
      ['/', '<title>lab</title>', 'text/html'],
      ['/index.html', '<title>lab</title>', 'text/html'],
      ['/lab.css', 'body{}', 'text/css'],
      ['/src/lab/page.js', 'export const page', 'text/javascript'],
      ['/src/train/run.js?v=2', 'export const run', 'text/javascript'],
      ['/data/tinyshakespeare.txt', 'First Citizen', 'text/plain'],
      ['/docs/algorithm.md', '## 4. DNI', 'text/markdown'],
    ] as const) {
      const r = await request(port, target);
      expect(r.status, target).toBe(200);
      expect(r.body, target).toContain(text);
      expect(r.headers['content-type'], target).toContain(type);
      expect(r.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(r.headers['cross-origin-embedder-policy']).toBe('require-corp');
    }
    const head = await request(port, '/src/lab/page.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('answers 404 to path traversal, absolute paths, links out of the folder and other files', async () => {
    const targets = [
      '/../package.json', '/../../package.json', '/src/../package.json', '/src/lab/../../../package.json',
      '/%2e%2e/package.json', '/%2e%2e%2fpackage.json', '/src/lab/%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json',
      '/src/lab/..%2f..%2f..%2fpackage.json', '/src/lab/%2E%2E/%2E%2E/%2E%2E/package.json', '/src/lab/..%5c..%5c..%5cpackage.json',
      '/src/lab/..\\..\\..\\package.json', '/src/lab/./page.js', '/src//lab/page.js',
      '//etc/passwd', '/%2fetc%2fpasswd', '/src/lab/%2fetc%2fpasswd.js', `/src/lab/${encodeURIComponent(path.join(outside, 'secret.js'))}`,
      `http://127.0.0.1:${port}/../package.json`, '*',
      '/src/lab/link.js', '/src/lab/linkdir/secret.js', '/out.html',
      '/package.json', '/notes.md', '/docs/config.md', '/data/../docs/algorithm.md', '/src/lab/page.ts', '/src/cli/main.js', '/src/lab/', '/src/lab', '/data/', '/data/other.txt',
      '/src/lab/page.js%00.js', '/src/lab/%ZZ.js',
    ];
    for (const target of targets) {
      const r = await request(port, target);
      expect(r.status, target).toBe(404);
      expect(r.body, target).not.toContain('secret');
      expect(r.body, target).not.toContain('outside');
    }
  });

  it('answers 405 to other methods', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const r = await request(port, '/index.html', method);
      expect(r.status, method).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD');
    }
  });

  it('--export writes the served files in the served layout, and nothing else', () => {
    const dir = path.join(tmp, 'site');
    exportLab(dir, { modulesDir: modules, pageDir: page, corpus, algorithm });
    const list = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? list(path.join(d, e.name)).map((f) => `${e.name}/${f}`) : [e.name]));
    expect(list(dir).sort()).toEqual(['data/tinyshakespeare.txt', 'docs/algorithm.md', 'index.html', 'lab.css', 'src/lab/page.js', 'src/train/run.js']);
  });

  it('says what to do when the port is taken or the modules are not built', async () => {
    await expect(startLab({ port, modulesDir: modules, pageDir: page, corpus, algorithm })).rejects.toThrow(/port \d+ on 127\.0\.0\.1 is in use/);
    await expect(startLab({ port: 0, modulesDir: path.join(tmp, 'nothing'), pageDir: page, corpus, algorithm })).rejects.toThrow(/npm run build/);
  });
});
