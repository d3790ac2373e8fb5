// The lab page: the configuration form, the training worker, the live charts,
// the step-through of §4, downloads in the command line's formats, and CLI run
// directories opened by drag and drop.
import { ConfigError, resolveConfig } from '../train/config.js';
import { drawChart } from './charts.js';
import { buildConfigForm } from './form.js';
import { parseMetrics, RunView } from './run-view.js';
import { algorithmSteps, drawBitGrid, drawHeatMaps, renderStages } from './views.js';
import type { CorpusText, FromWorker, ToWorker } from './protocol.js';

type Obj = Record<string, unknown>;

/** Presets: a first run that shows something within a minute on a laptop. */
const PRESETS: Record<string, Obj> = {
  'copy · dni': { task: 'copy', hidden: 64, batch: 16, bptt: 4, steps: 3000, policy: { name: 'dni' }, synthesizer: { kind: 'linear', scale: 0.1 } },
  'repeat-copy · alternating': {
    task: 'repeat-copy', hidden: 64, batch: 16, bptt: 4, steps: 4000, policy: { name: 'alternating' },
    synthesizer: { kind: 'linear', scale: 0.1 }, schedule: { t0: 500, unit: 'step' },
  },
  'charlm · alternating': {
    task: 'charlm', split: { valid: 0.05, test: 0.05 }, embed: 32, hidden: 128, batch: 16, bptt: 16, steps: 3000,
    optimizer: { lr: 3e-3 }, clip: 1, policy: { name: 'alternating' }, synthesizer: { kind: 'linear', scale: 0.1 },
    schedule: { t0: 500, unit: 'step' }, eval: { every: 500 },
  },
};
const BUILTIN = { url: 'data/tinyshakespeare.txt', name: 'tinyshakespeare.txt' };

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const button = (id: string) => $<HTMLButtonElement>(id);

let worker: Worker | null = null;
let view = new RunView();
let records: string[] = [];
let configJson: object | null = null;
let total = 0;
let state: 'idle' | 'starting' | 'running' | 'paused' | 'done' | 'viewing' = 'idle';
let dirty = false;
let algorithm = new Map<number, string>();
let droppedText: CorpusText | null = null;

function notice(text: string, kind: 'info' | 'warn' | 'error' = 'info'): void {
  const p = document.createElement('p');
  p.className = kind;
  p.textContent = text;
  $('notices').append(p);
}

function status(text: string): void {
  $('status').textContent = text;
}

const form = buildConfigForm($('config-form'), (raw) => {
  showJson(raw);
  validate(raw);
});

function showJson(raw: Obj): void {
  $<HTMLTextAreaElement>('config-json').value = JSON.stringify(raw, null, 2);
}

/** The configuration the page would run, or null with the reason shown. */
function validate(raw: Obj): boolean {
  try {
    resolveConfig(withData(raw), { baseDir: '.', source: 'the page' });
    $('config-error').textContent = '';
    return true;
  } catch (e) {
    $('config-error').textContent = e instanceof Error ? e.message : String(e);
    return false;
  }
}

/** charlm reads the chosen text; `data` names it (the page has no file system). */
function withData(raw: Obj): Obj {
  if (raw.task !== 'charlm') {
    const { data: _, ...rest } = raw;
    return rest;
  }
  return { ...raw, data: corpusChoice() === 'builtin' ? BUILTIN.name : droppedText?.name ?? 'pasted.txt' };
}

function corpusChoice(): 'builtin' | 'text' {
  return $<HTMLSelectElement>('corpus').value === 'text' ? 'text' : 'builtin';
}

async function corpusText(): Promise<CorpusText> {
  if (corpusChoice() === 'builtin') {
    const r = await fetch(BUILTIN.url);
    if (!r.ok) throw new Error(`the built-in corpus ${BUILTIN.url} could not be loaded (${r.status})`);
    return { name: BUILTIN.name, text: await r.text() };
  }
  const pasted = $<HTMLTextAreaElement>('corpus-text').value;
  if (droppedText && pasted === droppedText.text) return droppedText;
  if (!pasted) throw new Error('choose a text file, drop one on the page, or paste text into the box');
  return { name: 'pasted.txt', text: pasted };
}

function setState(s: typeof state): void {
  state = s;
  button('start').disabled = s === 'starting' || s === 'running' || s === 'paused';
  button('pause').disabled = s !== 'running';
  button('resume').disabled = s !== 'paused';
  button('step-once').disabled = s !== 'paused';
  button('reset').disabled = s === 'idle';
  const live = s === 'running' || s === 'paused' || s === 'done';
  button('dl-metrics').disabled = !(live || s === 'viewing');
  button('dl-config').disabled = !live;
  button('dl-checkpoint').disabled = !live;
  document.body.dataset.state = s;
}

async function start(): Promise<void> {
  const raw = form.raw();
  if (!validate(raw)) return;
  reset();
  setState('starting');
  status('starting…');
  try {
    const corpus = raw.task === 'charlm' ? await corpusText() : null;
    const named = typeof raw.data === 'string' ? raw.data.split(/[\\/]/).pop() : undefined;
    if (corpus && named && named !== corpus.name) notice(`the configuration names the data ${raw.data}; the page trains on ${corpus.name} (choose the text under "Corpus")`, 'warn');
    const backend = $<HTMLSelectElement>('backend').value === 'webgpu' ? 'webgpu' : 'cpu';
    worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<FromWorker>) => onWorker(e.data);
    worker.onerror = (e) => fail(`the training worker failed: ${e.message}`);
    send({ type: 'start', raw: withData(raw), corpus, backend });
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
}

function send(m: ToWorker): void {
  worker?.postMessage(m);
}

function fail(message: string): void {
  status(`stopped: ${message}`);
  notice(message, 'error');
  worker?.terminate();
  worker = null;
  setState(records.length > 0 ? 'done' : 'idle');
}

function reset(): void {
  worker?.terminate();
  worker = null;
  view = new RunView();
  records = [];
  configJson = null;
  total = 0;
  $('step').textContent = '0';
  $('total').textContent = '–';
  $('rate').textContent = '';
  $('sample').textContent = '';
  $('stage-list').replaceChildren();
  $('run-title').textContent = 'no run yet';
  status('ready');
  setState('idle');
  dirty = true;
}

function onWorker(m: FromWorker): void {
  switch (m.type) {
    case 'started':
      total = m.total;
      configJson = m.configJson;
      $('total').textContent = String(total);
      $('run-title').textContent = runTitle(m.configJson as Obj) + ` · ${m.backend}${m.adapter ? ` (${m.adapter})` : ''}`;
      setState('running');
      status('training');
      break;
    case 'progress':
      for (const r of m.records) records.push(JSON.stringify(r) + '\n');
      view.add(m.records);
      if (m.copy) {
        view.best.x.push(m.step);
        view.best.y.push(m.copy.bestN);
        $('copy-summary').textContent = `N ${m.copy.N}${m.copy.R > 1 ? `, R ${m.copy.R}` : ''} · largest solved N ${m.copy.bestN} · recent bit errors per sequence ${Number.isNaN(m.copy.recentError) ? '–' : m.copy.recentError.toFixed(3)}`;
      }
      $('step').textContent = String(m.step);
      $('rate').textContent = m.state === 'running' ? `${m.rate.toFixed(0)} steps/s` : '';
      if (m.state !== state && state !== 'starting') setState(m.state);
      status(m.state === 'done' ? 'done' : m.state === 'paused' ? 'paused' : 'training');
      dirty = true;
      break;
    case 'grid':
      drawBitGrid($<HTMLCanvasElement>('bits'), m.grid, $('bits-box').clientWidth || 600);
      break;
    case 'sample':
      $('sample').textContent = `step ${m.step}:\n${m.text}`;
      break;
    case 'stages':
      $('stage-step').textContent = `step ${m.step + 1} (${m.mode} mode, λ = ${m.lambda})`;
      renderStages($('stage-list'), m.stages, algorithm);
      drawHeatMaps($<HTMLCanvasElement>('heat'), [{ title: 'ĝ_k (seed on s_k, before λ)', map: m.ghat }, { title: 'δ_{k−1} (arrived at s_{k−1})', map: m.delta }]);
      break;
    case 'checkpoint':
      download('checkpoint.safetensors', new Blob([m.bytes as BlobPart], { type: 'application/octet-stream' }));
      break;
    case 'log':
      notice(m.line);
      break;
    case 'error':
      fail(m.message);
      break;
  }
}

function runTitle(cfg: Obj): string {
  const policy = (cfg.policy as Obj | undefined)?.name ?? 'bptt';
  const synth = (cfg.synthesizer as Obj | null | undefined)?.kind;
  return `${String(cfg.task)} · ${String(policy)}${synth ? ` · ${String(synth)} synthesizer` : ''}`;
}

function draw(): void {
  if (dirty) {
    dirty = false;
    drawChart($<HTMLCanvasElement>('chart-loss'), view.lossChart());
    drawChart($<HTMLCanvasElement>('chart-norms'), view.normChart());
    $('cos-box').hidden = view.cos.size === 0;
    if (view.cos.size > 0) drawChart($<HTMLCanvasElement>('chart-cos'), view.cosChart());
    $('copy-box').hidden = !view.isCopy;
    if (view.isCopy) drawChart($<HTMLCanvasElement>('chart-copy'), view.copyChart());
    $('sample-box').hidden = $('sample').textContent === '';
  }
  requestAnimationFrame(draw);
}

function download(name: string, blob: Blob): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** A CLI run directory's config.json and metrics.jsonl (or either), or a text for charlm, or a config to edit. */
async function openFiles(files: File[]): Promise<void> {
  const metrics = files.find((f) => f.name.endsWith('.jsonl'));
  const config = files.find((f) => f.name.endsWith('.json'));
  const text = files.find((f) => f.name.endsWith('.txt'));
  try {
    if (metrics) {
      reset();
      const recs = parseMetrics(await metrics.text(), metrics.name);
      view.add(recs);
      records = recs.map((r) => JSON.stringify(r) + '\n');
      const cfg = config ? (JSON.parse(await config.text()) as Obj) : null;
      if (cfg) {
        form.set(cfg);
        showJson(cfg);
      }
      const last = recs.filter((r) => !('split' in r)).pop();
      $('step').textContent = String(last ? last.step + 1 : 0);
      $('run-title').textContent = `${cfg ? runTitle(cfg) : 'a run'} · opened from ${files.map((f) => f.name).join(', ')}`;
      status(`viewing ${recs.length} records`);
      setState('viewing');
      dirty = true;
    } else if (config) {
      const cfg = JSON.parse(await config.text()) as Obj;
      form.set(cfg);
      showJson(cfg);
      validate(cfg);
      notice(`configuration loaded from ${config.name}`);
    }
    if (text) {
      droppedText = { name: text.name, text: await text.text() };
      $<HTMLSelectElement>('corpus').value = 'text';
      $<HTMLTextAreaElement>('corpus-text').value = droppedText.text;
      notice(`${text.name} (${droppedText.text.length} characters) will be the charlm corpus`);
    }
    if (!metrics && !config && !text) notice(`nothing to open in ${files.map((f) => f.name).join(', ')}: drop config.json and metrics.jsonl of a run, a config.json, or a .txt corpus`, 'warn');
  } catch (e) {
    notice(`could not open ${files.map((f) => f.name).join(', ')}: ${e instanceof Error ? e.message : String(e)}`, 'error');
  }
}

function shareLink(): string {
  const u = new URL(location.href);
  u.search = '';
  u.searchParams.set('config', JSON.stringify(form.raw()));
  return `${u.toString()}&autostart`;
}

function init(): void {
  if (!crossOriginIsolated) {
    notice('SharedArrayBuffer is unavailable: the page is not cross-origin isolated. Training on the CPU works; WebGPU needs the server to send Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp (`synthgrad lab` does).', 'warn');
  }
  const gpuOption = $<HTMLOptionElement>('backend-webgpu');
  if (!('gpu' in navigator) || !crossOriginIsolated) {
    gpuOption.disabled = true;
    gpuOption.textContent = `WebGPU (unavailable: ${!('gpu' in navigator) ? 'this browser has no navigator.gpu' : 'needs SharedArrayBuffer'})`;
  }
  const presets = $<HTMLSelectElement>('preset');
  for (const name of Object.keys(PRESETS)) presets.append(Object.assign(document.createElement('option'), { value: name, textContent: name }));
  presets.addEventListener('change', () => {
    const p = PRESETS[presets.value];
    if (!p) return;
    form.set(p);
    showJson(p);
    validate(p);
  });
  const params = new URLSearchParams(location.search);
  let raw = PRESETS['copy · dni']!;
  const given = params.get('config');
  if (given !== null) {
    try {
      raw = JSON.parse(given) as Obj;
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('not a JSON object');
    } catch (e) {
      notice(`?config= is not a configuration: ${e instanceof Error ? e.message : String(e)}; the default is shown`, 'error');
      raw = PRESETS['copy · dni']!;
    }
  }
  form.set(raw);
  showJson(raw);
  validate(raw);
  button('apply-json').addEventListener('click', () => {
    try {
      const r = JSON.parse($<HTMLTextAreaElement>('config-json').value) as Obj;
      form.set(r);
      validate(r);
    } catch (e) {
      $('config-error').textContent = `the JSON does not parse: ${e instanceof Error ? e.message : String(e)}`;
    }
  });
  button('start').addEventListener('click', () => void start());
  button('pause').addEventListener('click', () => send({ type: 'pause' }));
  button('resume').addEventListener('click', () => {
    send({ type: 'resume' });
    setState('running');
  });
  button('step-once').addEventListener('click', () => send({ type: 'step' }));
  button('reset').addEventListener('click', reset);
  button('dl-config').addEventListener('click', () => configJson && download('config.json', new Blob([JSON.stringify(configJson, null, 2) + '\n'], { type: 'application/json' })));
  button('dl-metrics').addEventListener('click', () => download('metrics.jsonl', new Blob(records, { type: 'application/x-ndjson' })));
  button('dl-checkpoint').addEventListener('click', () => send({ type: 'checkpoint' }));
  button('share').addEventListener('click', () => {
    const link = shareLink();
    $<HTMLInputElement>('share-link').value = link;
    void navigator.clipboard?.writeText(link).then(() => status('link copied'), () => {});
  });
  $<HTMLInputElement>('open-run').addEventListener('change', (e) => void openFiles([...((e.target as HTMLInputElement).files ?? [])]));
  $<HTMLInputElement>('corpus-file').addEventListener('change', (e) => void openFiles([...((e.target as HTMLInputElement).files ?? [])]));
  document.addEventListener('dragover', (e) => {
    e.preventDefault();
    document.body.classList.add('dropping');
  });
  document.addEventListener('dragleave', () => document.body.classList.remove('dropping'));
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    document.body.classList.remove('dropping');
    void openFiles([...(e.dataTransfer?.files ?? [])]);
  });
  document.addEventListener('keydown', (e) => {
    const t = e.target as HTMLElement;
    if (e.ctrlKey || e.metaKey || e.altKey || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName)) return;
    const key: Record<string, string> = { s: 'start', p: state === 'paused' ? 'resume' : 'pause', n: 'step-once', r: 'reset' };
    const id = key[e.key];
    if (id && !button(id).disabled) {
      e.preventDefault();
      button(id).click();
    }
  });
  fetch('docs/algorithm.md').then((r) => (r.ok ? r.text() : '')).then((t) => (algorithm = algorithmSteps(t)), () => {});
  window.addEventListener('resize', () => (dirty = true));
  reset();
  requestAnimationFrame(draw);
  if (params.has('autostart')) void start();
}

init();
