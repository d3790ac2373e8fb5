// `synthgrad lab`: serves the lab page (lab/index.html, the compiled engine
// modules it imports, the built-in corpus, docs/algorithm.md) on 127.0.0.1 with the headers that
// SharedArrayBuffer needs; `--export DIR` writes the same files to a folder
// for any static host that sends those headers (README, "The lab").
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import type { Command } from 'commander';
import { ConfigError } from '../train/config.js';
import { BUILTIN_CORPUS, builtinCorpusPath, findPackageRoot } from '../data/builtin.js';
import { createStaticServer, siteFiles, type StaticSite } from '../io/static-server.js';

/** The engine's folders the page imports from (compiled); the command line's are not served. */
const MODULE_FOLDERS = ['tensor', 'autograd', 'backends', 'models', 'data', 'train', 'io', 'lab'];

export const DEFAULT_PORT = 8420;

export interface LabOptions {
  port?: number;
  host?: string;
  /** the compiled src/ folder (default: the one this module was compiled into) */
  modulesDir?: string;
  /** the folder with index.html and lab.css (default: <package root>/lab) */
  pageDir?: string;
  /** the built-in corpus (default: builtinCorpusPath()) */
  corpus?: string;
  /** docs/algorithm.md, whose §4 the step-through quotes (default: the package's) */
  algorithm?: string;
}

/** The files of the lab: the page at /, the modules under /src/, the corpus under /data/. */
export function labSite(opts: LabOptions = {}): StaticSite {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const modulesDir = opts.modulesDir ?? path.resolve(here, '..');
  if (!fs.existsSync(path.join(modulesDir, 'lab', 'page.js'))) {
    throw new ConfigError(`the lab's compiled modules are missing (${path.join(modulesDir, 'lab', 'page.js')}): run \`npm run build\` first`);
  }
  const root = findPackageRoot(here) ?? path.resolve(here, '../../..');
  const pageDir = opts.pageDir ?? path.join(root, 'lab');
  return {
    mounts: [
      ...MODULE_FOLDERS.map((f) => ({ url: `/src/${f}/`, dir: path.join(modulesDir, f), ext: ['.js'] })),
      { url: '/', dir: pageDir, ext: ['.html', '.css'] },
    ],
    files: { [`/${BUILTIN_CORPUS}`]: opts.corpus ?? builtinCorpusPath(here), '/docs/algorithm.md': opts.algorithm ?? path.join(root, 'docs', 'algorithm.md') },
    index: '/index.html',
  };
}

/** Starts the server; resolves once it listens. */
export async function startLab(opts: LabOptions = {}): Promise<{ server: Server; url: string }> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? DEFAULT_PORT;
  const server = createStaticServer(labSite(opts));
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new ConfigError(`option --port: port ${port} on ${host} is in use; pick another (--port 0: any free port)`, undefined, '--port'));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') reject(new ConfigError(`option --host: cannot listen on ${host} (${e.code})`, undefined, '--host'));
      else reject(e);
    });
    server.listen(port, host, () => {
      const a = server.address() as { address: string; port: number };
      const shown = a.address.includes(':') ? `[${a.address}]` : a.address;
      resolve({ server, url: `http://${shown}:${a.port}/` });
    });
  });
}

/** Copies the lab's files to `dir` in the layout the server uses. */
export function exportLab(dir: string, opts: LabOptions = {}): number {
  const files = siteFiles(labSite(opts));
  for (const [url, file] of files) {
    const to = path.join(dir, ...url.split('/').slice(1));
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(file, to);
  }
  return files.size;
}

function parsePort(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new ConfigError(`option --port: ${JSON.stringify(text)} is not a port number (0–65535)`, undefined, '--port');
  return n;
}

function openBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`could not start a browser (${cmd}); open ${url} yourself\n`));
  child.unref();
}

export function labCommand(cmd: Command): Command {
  cmd
    .description('serve the lab: a web page that trains a run and shows the synthetic gradients as they learn')
    .option('--port <n>', `port [${DEFAULT_PORT}; 0: any free port]`)
    .option('--host <host>', 'address to listen on [127.0.0.1]; another address exposes the page to the network')
    .option('--open', 'open the page in the default browser')
    .option('--export <dir>', 'write the page and its modules to <dir> instead of serving them (for a static host; README)')
    .action(async (o: { port?: string; host?: string; open?: boolean; export?: string }) => {
      if (o.export) {
        const n = exportLab(o.export);
        process.stdout.write(`wrote ${n} files to ${o.export}; serve them with the headers\n  Cross-Origin-Opener-Policy: same-origin\n  Cross-Origin-Embedder-Policy: require-corp\n`);
        return;
      }
      const { url } = await startLab({ port: o.port === undefined ? undefined : parsePort(o.port), host: o.host });
      process.stdout.write(`the lab: ${url}  (Ctrl-C to stop)\n`);
      if (o.open) openBrowser(url);
    });
  return cmd;
}
