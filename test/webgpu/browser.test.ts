// The engine in a web page: headless Chromium (WebGPU on SwiftShader) loads the
// compiled ES modules from a local server, trains a few DNI steps in a Web Worker
// on the CPU backend and then on the WebGPU backend, and posts the losses back.
// Nothing is bundled: the page imports dist-style modules directly, which also
// checks that the core has no Node-only imports. Skipped without /usr/bin/chromium
// (or CHROMIUM=path).
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileSources, removeCompiled } from './helpers.js';
import { CHROMIUM, openInChromium } from '../../examples/chromium.js';

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

interface PageResult { cpu?: number[]; web?: number[]; adapter?: string; deviceCalls?: number; backendAfter?: string; error?: string }

/** Serves `root` (cross-origin isolated) with PAGE at /, opens it in headless Chromium on SwiftShader's WebGPU. */
async function runPage(root: string, timeoutMs: number): Promise<{ result: PageResult; stderr: string }> {
  const { body, stderr } = await openInChromium({
    root, url: '/', pages: { '/': PAGE }, timeoutMs,
    args: ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader'],
  });
  return { result: JSON.parse(body) as PageResult, stderr };
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
