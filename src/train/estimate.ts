// What a run will cost, worked out from the configuration before anything big
// is allocated: the parameter count, the memory (float32 throughout) and the
// tokens of an epoch. A run that cannot fit stops here, with the numbers,
// rather than in an "Array buffer allocation failed" halfway through setup.
import { lstmStackSpecs, stateSizeOf } from '../models/lstm-stack.js';
import type { ParamSpec } from '../models/params.js';
import { synthCondition, synthInputWidth } from '../models/synthesizers.js';
import { copyWidths } from '../data/copy-task.js';
import { ConfigError, type RunConfig } from './config.js';

const F32 = 4;

/** What the configuration alone does not say: the data's side of the sizes. */
export interface DataSizes {
  /** V: the vocabulary (language models); ignored by the copy tasks */
  vocab: number;
  /** tokens of the training stream (language models); 0 when not yet read */
  trainTokens: number;
}

export interface RunEstimate {
  params: number;
  synthParams: number;
  /** bytes, by part */
  memory: {
    /** parameters, their gradients and the optimizer's moments */
    model: number;
    /** the synthesizer's parameters, gradients and Adam moments (the ridge fit: its float64 statistics, their copies for the solve and float32 scratch instead of moments) */
    synth: number;
    /** one chunk's activations and their gradients: embeddings, LSTM gates and cells, logits */
    activations: number;
    /** the shared arena the worker threads copy a job's operands into */
    threads: number;
    /** the token streams */
    data: number;
  };
  total: number;
  /** the largest single array (the WebGPU device's buffer limit applies to it) */
  largestArray: number;
  /** tokens one epoch trains on (language models); null for the copy tasks */
  tokensPerEpoch: number | null;
}

const count = (specs: ParamSpec[]) => specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
const largest = (specs: ParamSpec[]) => specs.reduce((a, s) => Math.max(a, s.shape.reduce((x, y) => x * y, 1)), 0);

function modelSpecs(cfg: RunConfig, V: number): { specs: ParamSpec[]; inWidth: number; outWidth: number } {
  const hidden = cfg.hidden, top = hidden[hidden.length - 1]!;
  if (cfg.task === 'charlm' || cfg.task === 'wordlm') {
    const specs: ParamSpec[] = [{ name: 'encoder.weight', shape: [V, cfg.embed] }, ...lstmStackSpecs(cfg.embed, hidden)];
    if (!cfg.tied) specs.push({ name: 'decoder.weight', shape: [V, top] });
    specs.push({ name: 'decoder.bias', shape: [V] });
    return { specs, inWidth: cfg.embed, outWidth: V };
  }
  const { inWidth, outWidth } = copyWidths(cfg.task, cfg.copy.width);
  const specs = [...lstmStackSpecs(inWidth, hidden), { name: 'decoder.weight', shape: [outWidth, top] }, { name: 'decoder.bias', shape: [outWidth] }];
  return { specs, inWidth, outWidth };
}

function synthSpecs(cfg: RunConfig, V: number): ParamSpec[] {
  const sy = cfg.synthesizer;
  if (!sy) return [];
  if (sy.kind === 'elementwise') {
    const m = sy.units;
    return [{ name: 'gru', shape: [m + m + 3 * m * m * 2 + 6 * m + m + 1] }];
  }
  const S = stateSizeOf(cfg.hidden);
  const input = synthInputWidth(S, synthCondition(sy.condition, V));
  const widths = sy.kind === 'linear' ? [input, S] : [input, ...sy.hidden, S];
  return widths.slice(1).flatMap((w, i) => [{ name: `w${i}`, shape: [w, widths[i]!] }, { name: `b${i}`, shape: [w] }]);
}

/** The synthesizer's memory: parameters and gradients, and Adam's two moments or the ridge fit's A, C (F = input + 1 rows). */
function synthBytes(cfg: RunConfig, sSpecs: ParamSpec[], Ps: number): number {
  const sy = cfg.synthesizer;
  if (!sy || sy.fit !== 'ridge') return Ps * 4 * F32;
  const F = sSpecs[0]!.shape[1]! + 1, S = sSpecs[0]!.shape[0]!;
  return Ps * 2 * F32 + (F * F + F * S) * (2 * 8 + F32) + cfg.batch * F * F32;
}

export function estimateRun(cfg: RunConfig, data: DataSizes, threads: number): RunEstimate {
  const V = cfg.task === 'charlm' || cfg.task === 'wordlm' ? data.vocab : 0;
  const { specs, inWidth, outWidth } = modelSpecs(cfg, V);
  const sSpecs = synthSpecs(cfg, V);
  const P = count(specs), Ps = count(sSpecs);
  const o = cfg.optimizer;
  const moments = o.name === 'adam' ? 2 : o.momentum > 0 ? 1 : 0;
  const TB = cfg.batch * cfg.bptt;
  // per layer and step: 4H gates, c, tanh(c), h; each with its gradient
  const lstm = cfg.hidden.reduce((a, H) => a + TB * 7 * H, 0);
  // the input rows and the logits (values, softmax, gradient)
  const activations = 2 * (TB * inWidth + lstm) + 3 * TB * outWidth;
  const top = cfg.hidden[cfg.hidden.length - 1]!;
  const biggestMatmul = TB * top + outWidth * top + TB * outWidth;
  const memory = {
    model: P * (2 + moments) * F32,
    synth: synthBytes(cfg, sSpecs, Ps),
    activations: activations * F32,
    threads: threads > 1 ? Math.max(biggestMatmul, TB * 4 * Math.max(...cfg.hidden)) * F32 : 0,
    data: data.trainTokens * F32,
  };
  const total = Object.values(memory).reduce((a, b) => a + b, 0);
  const largestArray = Math.max(largest(specs), largest(sSpecs), TB * outWidth, TB * 4 * Math.max(...cfg.hidden)) * F32;
  const lm = cfg.task === 'charlm' || cfg.task === 'wordlm';
  // batchify keeps B columns of floor((n-1)/B) targets each
  const tokensPerEpoch = lm ? Math.floor(Math.max(data.trainTokens - 1, 0) / cfg.batch) * cfg.batch : null;
  return { params: P, synthParams: Ps, memory, total, largestArray, tokensPerEpoch };
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function formatCount(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)}G` : n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n);
}

function memoryParts(e: RunEstimate): string {
  const m = e.memory;
  const parts = [`model ${formatBytes(m.model)}`];
  if (m.synth) parts.push(`synthesizer ${formatBytes(m.synth)}`);
  parts.push(`activations ${formatBytes(m.activations)}`);
  if (m.threads) parts.push(`threads ${formatBytes(m.threads)}`);
  if (m.data) parts.push(`data ${formatBytes(m.data)}`);
  return parts.join(', ');
}

/** The one line printed before the first step. */
export function estimateLine(e: RunEstimate): string {
  const tokens = e.tokensPerEpoch === null ? '' : `; ${formatCount(e.tokensPerEpoch)} tokens/epoch`;
  return `estimate: ${formatCount(e.params)} parameters${e.synthParams ? ` + ${formatCount(e.synthParams)} synthesizer` : ''}; ` +
    `memory ~${formatBytes(e.total)} (${memoryParts(e)})${tokens}`;
}

export interface MemoryLimits {
  /** bytes the machine has (os.totalmem()) */
  total: number;
  /** the WebGPU device's largest buffer, when on WebGPU and known */
  maxBuffer?: number | null;
}

/** ConfigError (exit code 2) with the numbers when the run cannot fit. */
export function checkFits(e: RunEstimate, limits: MemoryLimits): void {
  const what = 'lower --hidden (or --embed, --batch, --bptt, --threads)';
  if (e.total > limits.total) {
    throw new ConfigError(`option --hidden: the run needs ~${formatBytes(e.total)} of memory (${formatCount(e.params)} parameters; ` +
      `${memoryParts(e)}) but this machine has ${formatBytes(limits.total)}; ${what}`, 'hidden', '--hidden');
  }
  if (limits.maxBuffer && e.largestArray > limits.maxBuffer) {
    throw new ConfigError(`option --hidden: the run's largest array is ${formatBytes(e.largestArray)} but the WebGPU device's ` +
      `largest buffer is ${formatBytes(limits.maxBuffer)}; ${what}, or use --backend cpu`, 'hidden', '--hidden');
  }
}

/** The second line, after the first steps: the measured speed and what an epoch will take. */
export function timingLine(secondsPerStep: number, tokensPerStep: number, stepsPerEpoch: number | null): string {
  const epoch = stepsPerEpoch === null ? '' : `; ~${formatDuration(secondsPerStep * stepsPerEpoch)} per epoch (${stepsPerEpoch} steps)`;
  return `timing: ${(secondsPerStep * 1000).toFixed(0)} ms/step, ${formatCount(Math.round(tokensPerStep / secondsPerStep))} tokens/s${epoch}`;
}

export function formatDuration(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
