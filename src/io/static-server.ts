// A small static file server for the lab page: GET and HEAD only, a fixed list
// of folders and files, and the headers that make the page cross-origin
// isolated (SharedArrayBuffer needs COOP same-origin + COEP require-corp).
// Anything else is 404 (405 for other methods): a path that leaves its folder
// by "..", an encoded "..", a backslash, an empty segment or a symbolic link,
// a file of another type, a folder.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';

export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json',
  '.md': 'text/markdown; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** A folder served under a URL prefix; only files whose names end in one of `ext`. */
export interface Mount {
  /** '/src/train/': starts and ends with '/' */
  url: string;
  dir: string;
  ext: readonly string[];
}

export interface StaticSite {
  mounts: readonly Mount[];
  /** single files by URL path */
  files: Readonly<Record<string, string>>;
  /** what '/' serves (a URL path of the site) */
  index: string;
}

/** The file a request path names, or null (then the answer is 404). `rawPath` is the request target as sent. */
export function resolveRequest(site: StaticSite, rawPath: string): string | null {
  if (!rawPath.startsWith('/')) return null; // absolute-form and authority-form targets
  let p: string;
  try {
    p = decodeURIComponent(rawPath.split(/[?#]/, 1)[0]!);
  } catch {
    return null;
  }
  if (p === '/') p = site.index;
  if (/[\0\\]/.test(p)) return null;
  const segments = p.split('/').slice(1);
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return null;
  if (Object.hasOwn(site.files, p)) return site.files[p]!;
  for (const m of site.mounts) {
    if (!p.startsWith(m.url) || !m.ext.some((e) => p.endsWith(e))) continue;
    const file = path.join(m.dir, ...p.slice(m.url.length).split('/'));
    return insideFolder(file, m.dir) ? file : null;
  }
  return null;
}

/** Whether `file` is a regular file whose real path (links followed) lies inside `dir`'s. */
function insideFolder(file: string, dir: string): boolean {
  try {
    const real = fs.realpathSync(file), root = fs.realpathSync(dir);
    return real.startsWith(root + path.sep) && fs.statSync(real).isFile();
  } catch {
    return false;
  }
}

/** Every file the site serves, by URL path (for copying it to another host). */
export function siteFiles(site: StaticSite): Map<string, string> {
  const out = new Map<string, string>(Object.entries(site.files));
  for (const m of site.mounts) {
    const walk = (dir: string, url: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const u = url + e.name;
        if (e.isDirectory()) walk(path.join(dir, e.name), `${u}/`);
        else if (resolveRequest(site, u) !== null) out.set(u, path.join(dir, e.name));
      }
    };
    if (fs.existsSync(m.dir)) walk(m.dir, m.url);
  }
  return out;
}

export function createStaticServer(site: StaticSite): http.Server {
  return http.createServer((req, res) => {
    const headers = { ...ISOLATION_HEADERS, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const file = resolveRequest(site, req.url ?? '');
    let body: Buffer | null = null;
    try {
      if (file !== null) body = fs.readFileSync(file);
    } catch {
      body = null;
    }
    if (body === null) {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const type = TYPES[path.extname(file!)] ?? 'application/octet-stream';
    res.writeHead(200, { ...headers, 'content-type': type, 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
}
