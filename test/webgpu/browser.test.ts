// The engine in a web page: headless Chromium (WebGPU on SwiftShader) loads the
// compiled ES modules from a local server, trains a few DNI steps in a Web Worker
// on the CPU backend and then on the WebGPU backend, and posts the losses back.
// Nothing is bundled: the page imports dist-style modules directly, which also
// checks that the core has no Node-only imports. Skipped without /usr/bin/chromium
// (or CHROMIUM=path).
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { compileSources, removeCompiled } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
const STEPS = 6;

/** The training Web Worker: builds a tiny charlm run from a string (no file system) and trains it twice. */
const TRAIN_WORKER = `
import { setBackend, backend } from './src/backends/backend.js';
import { createWebGpuBackend } from './src/backends/webgpu/index.js';
import { resolveConfig } from './src/train/config.js';
import { buildCharCorpus } from './src/data/char-corpus.js';
import { batchify } from './src/data/batch.js';
import { LstmLm } from './src/models/lstm-lm.js';
import { createSynthesizer } from './src/models/synthesizers.js';
import { Trainer } from './src/train/trainer.js';
import { lmChunkSource } from './src/train/lm-source.js';
import { Rng } from './src/tensor/rng.js';

const text = 'the cat sat on the mat and the dog ran to it. it was good, not so bad. '.repeat(20);
const cfg = resolveConfig({ task: 'charlm', data: 'page.txt', split: null, embed: 8, hidden: [16], batch: 3, bptt: 6, steps: ${STEPS},
  policy: { name: 'dni' }, synthesizer: { kind: 'linear', scale: 0.5 } }, { baseDir: '/', source: 'page' });

function train() {
  const corpus = buildCharCorpus(text, null, null, { train: 'page.txt' });
  const rng = new Rng(cfg.seed);
  const lm = new LstmLm({ vocab: corpus.vocab.length, embed: cfg.embed, hidden: cfg.hidden, tied: cfg.tied });
  lm.params.initUniform(rng, cfg.init_range);
  const synth = createSynthesizer(cfg.synthesizer, lm.stateSize, rng, cfg.init_range);
  synth.params.initUniform(new Rng(99), 0.3);
  const t = new Trainer(cfg, lmChunkSource(lm, batchify(corpus.train, cfg.batch), cfg.bptt), synth, rng);
  return Array.from({ length: ${STEPS} }, () => t.stepOnce().loss);
}

try {
  const cpu = train();
  const gpu = await createWebGpuBackend({ workerUrl: new URL('./src/backends/webgpu/worker.js', import.meta.url), minMatmulWork: 0 });
  const previous = setBackend(gpu);
  const web = train();
  setBackend(previous);
  postMessage({ cpu, web, adapter: gpu.adapterName, deviceCalls: gpu.calls.device, backendAfter: backend().name });
  gpu.dispose();
} catch (e) {
  postMessage({ error: String(e && e.stack || e) });
}
`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>synthgrad webgpu</title>
<script type="module">
const report = (r) => fetch('/result', { method: 'POST', body: JSON.stringify(r) });
if (!crossOriginIsolated) report({ error: 'the page is not cross-origin isolated' });
else {
  const w = new Worker('./train-worker.js', { type: 'module' });
  w.onmessage = (e) => report(e.data);
  w.onerror = (e) => report({ error: 'worker: ' + e.message });
}
</script>`;

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html', '.json': 'application/json' };

interface PageResult { cpu?: number[]; web?: number[]; adapter?: string; deviceCalls?: number; backendAfter?: string; error?: string }

/** Serves `root` (cross-origin isolated), opens the page in headless Chromium, resolves with what it posts. */
function runPage(root: string, timeoutMs: number): Promise<{ result: PageResult; stderr: string }> {
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
      const headers = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cache-control': 'no-store' };
      if (req.method === 'POST' && req.url === '/result') {
        let body = '';
        req.on('data', (d) => (body += d));
        req.on('end', () => {
          res.writeHead(200, headers).end('ok');
          done(() => resolve({ result: JSON.parse(body) as PageResult, stderr }));
        });
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/') {
        res.writeHead(200, { ...headers, 'content-type': 'text/html' }).end(PAGE);
        return;
      }
      const file = path.join(root, path.normalize(decodeURIComponent(url.pathname)));
      if (!file.startsWith(root) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
        res.writeHead(404, headers).end('not found');
        return;
      }
      res.writeHead(200, { ...headers, 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(fs.readFileSync(file));
    });
    const timer = setTimeout(() => done(() => reject(new Error(`the page did not report within ${timeoutMs} ms; chromium said:\n${stderr.slice(-4000)}`))), timeoutMs);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      child = spawn(CHROMIUM, [
        '--headless', '--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan',
        '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader',
        '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
        '--no-default-browser-check', `--user-data-dir=${userDir}`, `http://127.0.0.1:${port}/`,
      ], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', (e) => done(() => reject(e)));
    });
  });
}

describe.skipIf(!haveChromium)('in a web page (headless Chromium, WebGPU)', () => {
  const compiled = haveChromium ? compileSources() : '';
  afterAll(() => {
    if (compiled) removeCompiled(compiled);
  });

  it(`trains ${STEPS} DNI steps in a Web Worker on WebGPU with the CPU run's losses`, async () => {
    fs.writeFileSync(path.join(compiled, 'train-worker.js'), TRAIN_WORKER);
    const { result } = await runPage(compiled, 100_000);
    if (result.error) throw new Error(`the page failed: ${result.error}`);
    expect(result.cpu).toHaveLength(STEPS);
    expect(result.web).toHaveLength(STEPS);
    expect(result.deviceCalls).toBeGreaterThan(STEPS * 4);
    expect(result.backendAfter).toBe('cpu');
    result.web!.forEach((l, i) => expect(Math.abs(l - result.cpu![i]!) / Math.abs(result.cpu![i]!)).toBeLessThan(1e-4));
    console.log(`page: ${result.adapter}; losses ${result.web!.map((l) => l.toFixed(4)).join(' ')}`);
  }, 120_000);
});
