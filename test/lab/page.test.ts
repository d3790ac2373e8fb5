// The lab page in headless Chromium (over the DevTools protocol, test/lab/cdp.ts):
// a run started from the URL trains in the page, pauses, steps once through §4,
// resumes, and its downloaded metrics.jsonl and checkpoint are byte for byte those
// of `synthgrad train` with the same configuration; a CLI run directory opened
// in the page shows its curves; on WebGPU (SwiftShader) a run has the CPU's
// losses within 1e-3. Uses the built CLI and modules (dist/, as
// `npm test` builds them); skipped without /usr/bin/chromium (or CHROMIUM=path).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Server } from 'node:http';
import { allowDownloads, Browser, CHROMIUM, type Page } from './cdp.js';
import { startLab } from '../../src/cli/lab-command.js';

const haveChromium = fs.existsSync(CHROMIUM);
const DIST = path.resolve('dist/src');
const CLI = path.join(DIST, 'cli', 'main.js');

/**
 * The V8 flag that gives Node 20 the relaxed SIMD that Chromium (and Node 22+) have by default, so
 * that the CLI runs the page's kernel variant (src/backends/wasm/variant.ts: fused where the CPU fuses).
 */
const RELAXED_SIMD = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];

/** `synthgrad train --config` into a fresh run directory; returns it. (`threads: 1` in the configs: the page has one thread, and config.json records it.) */
function cliRun(dir: string, name: string, cfg: object): string {
  const file = path.join(dir, `${name}.json`), out = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(cfg));
  const r = spawnSync(process.execPath, [...RELAXED_SIMD, CLI, 'train', '--config', file, '--out', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`synthgrad train failed (${r.status}): ${r.stderr}`);
  return out;
}

/** Metrics text without timing fields (none today; a record that gains one still compares). */
function untimed(text: string): string {
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.stringify(JSON.parse(l) as object, (k, v: unknown) => (/(^|_)(time|seconds|ms|elapsed)($|_)/.test(k) ? undefined : v))).join('\n');
}

const text = (id: string) => `document.getElementById('${id}').textContent`;
const stepOf = async (page: Page) => Number(await page.eval<string>(text('step')));
const click = (page: Page, id: string) => page.eval(`document.getElementById('${id}').click()`);
const enabled = (id: string) => `!document.getElementById('${id}').disabled`;

describe.skipIf(!haveChromium)('the lab page (headless Chromium)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synthgrad-lab-page-'));
  const downloads = path.join(tmp, 'downloads');
  let server: Server, url: string, browser: Browser;
  let nextDownload: (timeoutMs?: number) => Promise<string>;

  beforeAll(async () => {
    expect(fs.existsSync(path.join(DIST, 'lab', 'page.js')), 'run `npm run build` first (npm test does)').toBe(true);
    ({ server, url } = await startLab({ port: 0, modulesDir: DIST }));
    // WebGPU on SwiftShader, as in test/webgpu/browser.test.ts
    browser = Browser.launch(['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader']);
    fs.mkdirSync(downloads);
    nextDownload = await allowDownloads(browser, downloads);
  });
  afterAll(() => {
    browser?.close();
    server?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const open = (cfg: object) => browser.open(`${url}?config=${encodeURIComponent(JSON.stringify(cfg))}&autostart`);

  it('trains from ?config=&autostart, pauses, steps once through §4, resumes, and downloads the CLI\'s metrics and checkpoint bit for bit', async () => {
    // T = 2: an N = 1 episode (3 steps) has a chunk with a future, so ĝ is used
    const cfg = { task: 'copy', hidden: 24, batch: 8, bptt: 2, steps: 3000, seed: 7, threads: 1, policy: { name: 'dni' }, synthesizer: { kind: 'linear', scale: 0.1 } };
    const page = await open(cfg);
    await page.waitFor(`Number(${text('step')}) >= 200`, '200 steps');
    expect(await page.eval<string>(text('total'))).toBe('3000');
    const drawn = await page.eval<number>("Number(document.getElementById('chart-loss').dataset.points)");
    expect(drawn).toBeGreaterThanOrEqual(100);
    // the chart has ink on it, not only a canvas
    const inked = await page.eval<number>(`(() => { const c = document.getElementById('chart-loss'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; })()`);
    expect(inked).toBeGreaterThan(1000);

    await click(page, 'pause');
    await page.waitFor(enabled('resume'), 'the run to pause');
    const paused = await stepOf(page);
    expect(paused).toBeLessThan(3000);
    await new Promise((r) => setTimeout(r, 400));
    expect(await stepOf(page)).toBe(paused);
    expect(await page.eval<boolean>(enabled('step-once'))).toBe(true);

    await click(page, 'step-once');
    await page.waitFor(`Number(${text('step')}) === ${paused + 1} && document.querySelectorAll('#stage-list li').length > 0`, 'one step');
    const stages = await page.eval<string[]>("[...document.querySelectorAll('#stage-list li strong')].map((e) => e.textContent)");
    expect(stages.map((s) => s.split(' ')[0])).toEqual(['forward', 'ĝ_k', 'one', 'δ_{k−1}', 'the', 'clip', 'the']);
    const values = await page.eval<string>(text('stage-list'));
    expect(values).toMatch(/‖δ_\{k−1\}‖ = \d/);
    expect(values).toMatch(/§4, step 5: one step of the synthesizer's own optimizer/); // quoted from docs/algorithm.md
    expect(await page.eval<string>(text('stage-step'))).toContain(`step ${paused + 1}`);
    await new Promise((r) => setTimeout(r, 300));
    expect(await stepOf(page)).toBe(paused + 1);

    await click(page, 'resume');
    await page.waitFor(`${text('status')} === 'done'`, 'the end of the run', 60_000);
    expect(await stepOf(page)).toBe(3000);
    expect(page.errors).toEqual([]);

    const cli = cliRun(tmp, 'copy', cfg);
    await click(page, 'dl-metrics');
    const metrics = fs.readFileSync(await nextDownload(), 'utf8');
    const expected = fs.readFileSync(path.join(cli, 'metrics.jsonl'), 'utf8');
    expect(metrics.split('\n').length).toBe(3001);
    expect(untimed(metrics)).toBe(untimed(expected));
    expect(metrics).toBe(expected);

    await click(page, 'dl-checkpoint');
    const ckpt = fs.readFileSync(await nextDownload());
    expect(Buffer.compare(ckpt, fs.readFileSync(path.join(cli, 'checkpoint.safetensors')))).toBe(0);

    await click(page, 'dl-config');
    const pageConfig = JSON.parse(fs.readFileSync(await nextDownload(), 'utf8')) as Record<string, unknown>;
    const cliConfig = JSON.parse(fs.readFileSync(path.join(cli, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(pageConfig).toEqual(cliConfig);
  }, 120_000);

  it('a charlm run on the built-in corpus gives the CLI\'s metrics, evaluations included; a CLI run directory opens and shows its curves', async () => {
    const cfg = {
      task: 'charlm', data: path.resolve('data/tinyshakespeare.txt'), split: { valid: 0.02, test: 0.02 }, embed: 8, hidden: 16, batch: 4, bptt: 8,
      steps: 60, eval: { every: 20 }, threads: 1, policy: { name: 'alternating' }, synthesizer: { kind: 'linear', scale: 0.1 }, schedule: { t0: 15, unit: 'step' },
    };
    const cli = cliRun(tmp, 'charlm', cfg);
    const expected = fs.readFileSync(path.join(cli, 'metrics.jsonl'), 'utf8');
    const page = await open(cfg);
    await page.waitFor(`${text('status')} === 'done'`, 'the end of the charlm run', 60_000);
    await click(page, 'dl-metrics');
    expect(fs.readFileSync(await nextDownload(), 'utf8')).toBe(expected);

    const recs = expected.trim().split('\n').map((l) => JSON.parse(l) as { split?: string });
    const steps = recs.filter((r) => !r.split).length, evals = recs.filter((r) => r.split).length;
    expect(evals).toBeGreaterThanOrEqual(4);
    const viewer = await browser.open(url);
    await viewer.waitFor(`document.body.dataset.state === 'idle'`, 'the page');
    await viewer.setFiles('#open-run', [path.join(cli, 'config.json'), path.join(cli, 'metrics.jsonl')]);
    await viewer.waitFor(`document.body.dataset.state === 'viewing'`, 'the run directory to open');
    expect(await viewer.eval<string>(text('run-title'))).toMatch(/^charlm · alternating · linear synthesizer · opened from config\.json, metrics\.jsonl/);
    // the loss chart holds every step's loss, its smoothed line, and the evaluations as dots
    await viewer.waitFor(`document.getElementById('chart-loss').dataset.points === '${2 * steps + evals}'`, 'the curves');
    expect(await viewer.eval<string>("document.getElementById('opt-task').value")).toBe('charlm');

    // the copy run's metrics dropped on the page, with a diagnostic field added to every record
    const copyMetrics = fs.readFileSync(path.join(tmp, 'copy', 'metrics.jsonl'), 'utf8').trim().split('\n')
      .map((l, i) => JSON.stringify({ ...(JSON.parse(l) as object), sg_true_cos: Math.cos(i / 100) })).join('\n') + '\n';
    await viewer.eval(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([${JSON.stringify(copyMetrics)}], 'metrics.jsonl'));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    })()`);
    await viewer.waitFor(`document.getElementById('chart-loss').dataset.points === '6000'`, 'the dropped curves');
    expect(await viewer.eval<boolean>("document.getElementById('copy-box').hidden")).toBe(false);
    expect(await viewer.eval<boolean>("document.getElementById('cos-box').hidden")).toBe(false);
    // both cosines: the added sg_true_cos on every record, and sg_fit_cos where the synthesizer was fitted
    const fitted = copyMetrics.trim().split('\n').filter((l) => (JSON.parse(l) as { sg_fit_cos?: number | null }).sg_fit_cos != null).length;
    expect(fitted).toBeGreaterThan(0);
    expect(await viewer.eval<string>("document.getElementById('chart-cos').dataset.points")).toBe(String(3000 + fitted));
    expect(viewer.errors).toEqual([]);
  }, 120_000);

  it('trains on WebGPU when the browser has it, with the CPU run\'s losses within 1e-3', async (ctx) => {
    const cfg = { task: 'copy', hidden: 16, batch: 4, bptt: 2, steps: 40, seed: 3, threads: 1, policy: { name: 'dni' }, synthesizer: { kind: 'linear', scale: 0.1 } };
    const page = await browser.open(`${url}?config=${encodeURIComponent(JSON.stringify(cfg))}`);
    await page.waitFor(`document.body.dataset.state === 'idle'`, 'the page');
    const option = await page.eval<{ disabled: boolean; text: string }>("(() => { const o = document.getElementById('backend-webgpu'); return { disabled: o.disabled, text: o.textContent }; })()");
    if (option.disabled) {
      console.warn(`lab WebGPU test skipped: ${option.text}`);
      ctx.skip();
    }
    await page.eval("(() => { document.getElementById('backend').value = 'webgpu'; document.getElementById('start').click(); })()");
    await page.waitFor(`${text('status')} === 'done' || ${text('status')}.startsWith('stopped')`, 'the WebGPU run', 60_000);
    const status = await page.eval<string>(text('status'));
    if (/WebGPU|adapter/.test(status)) {
      console.warn(`lab WebGPU test skipped: ${status}`);
      ctx.skip();
    }
    expect(status).toBe('done');
    expect(await page.eval<string>(text('run-title'))).toContain('· webgpu');
    await click(page, 'dl-metrics');
    const got = fs.readFileSync(await nextDownload(), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { loss: number; mode: string });
    const want = fs.readFileSync(path.join(cliRun(tmp, 'gpu', cfg), 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { loss: number; mode: string });
    expect(got.length).toBe(40);
    got.forEach((r, i) => {
      expect(r.mode).toBe(want[i]!.mode);
      // an input-phase chunk has no scored output: loss 0 on both
      expect(Math.abs(r.loss - want[i]!.loss)).toBeLessThanOrEqual(1e-3 * Math.abs(want[i]!.loss));
    });
    expect(page.errors).toEqual([]);
  }, 90_000);
});
