// Reports over run directories: runs grouped by the configuration keys that
// differ between them (seed apart), per-run summaries, and per-group
// statistics over seeds, written as Markdown tables, CSV and JSON.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MetricRecord, StepRecord } from './curves.js';
import { METRICS } from './run.js';
import { ConfigError } from './config.js';

type Obj = Record<string, unknown>;

export interface RunData {
  /** the run directory as given (or found inside a sweep directory) */
  dir: string;
  config: Obj;
  /** dotted key → value as text (arrays and objects as JSON) */
  flat: Map<string, string>;
  records: MetricRecord[];
}

/** Configuration keys that never make runs different experiments. */
const IGNORED_KEYS = /^(seed|threads|backend_used|adapter|threads_used|kernels|_.*|.*\._.*)$/;

/** A run directory holds config.json and metrics.jsonl; a sweep directory holds run directories. */
export function findRuns(dirs: string[]): string[] {
  const out: string[] = [];
  for (const d of dirs) {
    if (!fs.existsSync(d) || !fs.statSync(d).isDirectory()) throw new ConfigError(`${d}: no such directory (give run directories or sweep directories)`);
    if (fs.existsSync(path.join(d, 'config.json'))) { out.push(d); continue; }
    const subs = fs.readdirSync(d).sort()
      .map((e) => path.join(d, e))
      .filter((p) => fs.statSync(p).isDirectory() && fs.existsSync(path.join(p, 'config.json')));
    if (subs.length === 0) throw new ConfigError(`${d}: neither a run directory (config.json) nor a sweep directory (run directories inside)`);
    out.push(...subs);
  }
  return out;
}

export function flattenConfig(o: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (typeof o === 'object' && o !== null && !Array.isArray(o)) {
    for (const [k, v] of Object.entries(o)) flattenConfig(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix !== '') {
    out.set(prefix, typeof o === 'string' ? o : JSON.stringify(o));
  }
  return out;
}

/** Read a run directory; records that do not parse (a line cut by a kill) end the list. */
export function loadRun(dir: string): RunData {
  let config: Obj;
  try {
    config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Obj;
  } catch (e) {
    throw new ConfigError(`${path.join(dir, 'config.json')}: cannot read it as JSON (${(e as Error).message})`);
  }
  const records: MetricRecord[] = [];
  const file = path.join(dir, METRICS);
  if (fs.existsSync(file)) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try { records.push(JSON.parse(line) as MetricRecord); } catch { break; }
    }
  }
  return { dir, config, flat: flattenConfig(config), records };
}

// ------------------------------------------------------------------ statistics

export interface Stat { n: number; mean: number; sd: number | null; min: number; max: number }

/** Mean, sample standard deviation (n − 1; null for one value), min and max of the finite values. */
export function stat(values: (number | null)[]): Stat | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return null;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : null;
  return { n: v.length, mean, sd, min: Math.min(...v), max: Math.max(...v) };
}

export function median(values: number[]): number | null {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const isEval = (r: MetricRecord, split: string) => (r as { split?: unknown }).split === split;
const isStep = (r: MetricRecord): r is StepRecord => (r as { split?: unknown }).split === undefined && num(r.step) !== null;

/** The median ‖ĝ‖/‖δ‖ above which the synthetic gradient has outgrown the real one (stable runs: 0.1–0.7). */
const RUNAWAY_RATIO = 5;

/** The synthetic steps that have both ‖ĝ‖ and a non-zero ‖δ‖. */
function syntheticSteps(records: MetricRecord[]): StepRecord[] {
  return records.filter(isStep).filter((r) => r.mode === 'synthetic' && num(r.ghat_norm) !== null && (num(r.delta_norm) ?? 0) > 0);
}

/** The median ‖ĝ_k‖/‖δ_{k−1}‖ over those steps; null when there are none. */
function medianRatio(steps: StepRecord[]): number | null {
  return median(steps.map((r) => r.ghat_norm! / r.delta_norm));
}

/**
 * A synthetic gradient that outgrew the real one: the median ‖ĝ‖/‖δ‖, and the last ‖ĝ‖ and its step;
 * with `growth` (the last ‖ĝ‖ over its median in the run) when ĝ and its bootstrapped target grew together.
 */
export interface Runaway { ratio: number; ghat: number; step: number; growth?: number }

/** ‖ĝ‖ this many times its median over the run's synthetic steps is a runaway whatever ‖ĝ‖/‖δ‖ is. */
const RUNAWAY_GROWTH = 1000;

/**
 * Whether the synthetic gradient ran away just before a run stopped: the median ‖ĝ_k‖/‖δ_{k−1}‖
 * over (up to) the last 50 synthetic steps above 5 (stable runs sit at 0.1–0.7, runaways at 7–30,
 * docs/results.md), or the last ‖ĝ‖ more than 1000 times its median over all the run's synthetic
 * steps. The second is the runaway of a target discounted little (γ near 1): δ = ∂L/∂s + γ·Jᵀĝ
 * follows ĝ, so the ratio stays near 1–3 while both grow by orders of magnitude, in a hundred
 * steps or over thousands (docs/results.md, "The discount γ"). Null when neither, or nothing was
 * synthetic.
 */
export function syntheticRunaway(records: MetricRecord[]): Runaway | null {
  const all = syntheticSteps(records);
  const syn = all.slice(-50);
  const ratio = medianRatio(syn);
  if (ratio === null) return null;
  const last = syn.at(-1)!;
  if (ratio > RUNAWAY_RATIO) return { ratio, ghat: last.ghat_norm!, step: last.step };
  const growth = last.ghat_norm! / median(all.map((r) => r.ghat_norm!))!;
  if (growth > RUNAWAY_GROWTH) return { ratio, ghat: last.ghat_norm!, step: last.step, growth };
  return null;
}

/**
 * Whether the synthetic gradient outgrew the real one at any time in a run: the first block of
 * 50 consecutive synthetic steps whose median ‖ĝ_k‖/‖δ_{k−1}‖ is above 5 (as syntheticRunaway),
 * with the largest ‖ĝ‖ of the block and the step it started at. A run can finish with finite
 * numbers after such a runaway and still have been ruined by it (docs/results.md, "Averaged
 * synthesizer weights"). Null when no block did.
 */
export function syntheticOutgrew(records: MetricRecord[]): Runaway | null {
  const syn = syntheticSteps(records);
  for (let i = 0; i + 50 <= syn.length; i += 50) {
    const block = syn.slice(i, i + 50);
    const ratio = medianRatio(block)!;
    if (ratio > RUNAWAY_RATIO) return { ratio, ghat: Math.max(...block.map((r) => r.ghat_norm!)), step: block[0]!.step };
  }
  return null;
}

/** Steps at which a warm restart begins: the learning rate jumps up. */
export function restartSteps(records: MetricRecord[]): number[] {
  const steps = records.filter(isStep);
  const out: number[] = [];
  for (let i = 1; i < steps.length; i++) {
    const p = num(steps[i - 1]!.lr), c = num(steps[i]!.lr);
    if (p !== null && c !== null && c > p + Math.abs(p) * 1e-9) out.push(steps[i]!.step);
  }
  return out;
}

/** What copyProgress reads from a copy task's records. */
export interface CopyProgress {
  /** the largest N of a curriculum level left (solved); 0 when the run never left its first level, null without copy records */
  largestSolved: number | null;
  /** the levels left, counting each raise of N or (repeat-copy) R */
  levelsSolved: number;
  /** the last level left, as [N, R]; null when none was */
  lastSolved: [number, number] | null;
  /** the samples (else step) at which each N was first seen */
  reach: Map<number, number>;
}

/** Copy tasks: the curriculum levels a run solved (left), and when it reached each N. */
export function copyProgress(records: MetricRecord[]): CopyProgress {
  const steps = records.filter((r) => isStep(r) && num(r['copy_n']) !== null);
  const reach = new Map<number, number>();
  let largest = 0, levels = 0;
  let last: [number, number] | null = null;
  for (let i = 0; i < steps.length; i++) {
    const r = steps[i]!, N = r['copy_n'] as number;
    if (!reach.has(N)) reach.set(N, num(r['samples']) ?? r.step);
    const next = steps[i + 1];
    if (next && (next['copy_n'] !== N || next['copy_r'] !== r['copy_r'])) {
      largest = Math.max(largest, N);
      levels++;
      last = [N, num(r['copy_r']) ?? 1];
    }
  }
  return { largestSolved: steps.length > 0 ? largest : null, levelsSolved: levels, lastSolved: last, reach };
}

export interface RunRow {
  run: string;
  task: string;
  group: string;
  seed: number | null;
  steps: number;
  final_train_loss: number | null;
  final_valid_loss: number | null;
  best_valid_loss: number | null;
  final_bpc: number | null;
  best_bpc: number | null;
  final_ppl: number | null;
  best_ppl: number | null;
  time_s: number | null;
  tokens_per_s: number | null;
  restarts: number;
  largest_n_solved: number | null;
  sg_true_cos_median: number | null;
  /** the step from which ĝ had outgrown δ (syntheticOutgrew); null when it never did */
  sg_outgrew_step: number | null;
  /** with synthesizer.bound: the mean share of rows the bound scaled, over the steps that read it (`sg_bound_frac`); null without */
  sg_bound_frac_mean: number | null;
  /** `config.<key>`: the value of each key that differs between the task's runs */
  [key: string]: string | number | null;
}

/** The keys whose values differ between runs (seed, threads and recorded keys apart), sorted. */
export function varyingKeys(runs: RunData[]): string[] {
  const keys = new Set<string>();
  for (const r of runs) for (const k of r.flat.keys()) keys.add(k);
  return [...keys].filter((k) => !IGNORED_KEYS.test(k) && new Set(runs.map((r) => r.flat.get(k) ?? '(absent)')).size > 1).sort();
}

export function groupLabel(run: RunData, keys: string[]): string {
  const own = keys.filter((k) => k !== 'task');
  return own.length ? own.map((k) => `${k}=${run.flat.get(k) ?? '(absent)'}`).join(', ') : 'all runs';
}

export function summarizeRun(run: RunData, keys: string[]): RunRow {
  const recs = run.records;
  const steps = recs.filter(isStep);
  const valid = recs.filter((r) => isEval(r, 'valid') && num(r.loss) !== null) as (MetricRecord & { loss: number; bpc?: number; ppl?: number })[];
  const last = valid[valid.length - 1];
  const best = valid.reduce<(typeof valid)[number] | undefined>((b, r) => (b === undefined || r.loss < b.loss ? r : b), undefined);
  const times = recs.map((r) => num(r['time_s'])).filter((v): v is number => v !== null);
  const tps = steps.map((r) => num(r['tokens_per_s'])).filter((v): v is number => v !== null);
  const batch = num(run.config['batch']) ?? 1;
  const tokens = steps.reduce((a, r) => a + (num(r.chunk_len) ?? 0) * batch, 0);
  const time = times.length ? Math.max(...times) : null;
  const cos = recs.map((r) => num(r['sg_true_cos'])).filter((v): v is number => v !== null);
  const row: RunRow = {
    run: run.dir,
    task: String(run.config['task'] ?? '?'),
    group: groupLabel(run, keys),
    seed: num(run.config['seed']),
    steps: steps.length ? Math.max(...steps.map((r) => r.step)) + 1 : 0,
    final_train_loss: num(steps[steps.length - 1]?.loss),
    final_valid_loss: last ? last.loss : null,
    best_valid_loss: best ? best.loss : null,
    final_bpc: num(last?.bpc),
    best_bpc: valid.length ? Math.min(...valid.map((r) => num(r.bpc) ?? Infinity)) : null,
    final_ppl: num(last?.ppl),
    best_ppl: valid.length ? Math.min(...valid.map((r) => num(r.ppl) ?? Infinity)) : null,
    time_s: time,
    tokens_per_s: tps.length ? tps.reduce((a, b) => a + b, 0) / tps.length : time ? tokens / time : null,
    restarts: restartSteps(recs).length,
    largest_n_solved: copyProgress(recs).largestSolved,
    sg_true_cos_median: median(cos),
    sg_outgrew_step: syntheticOutgrew(recs)?.step ?? null,
    sg_bound_frac_mean: stat(steps.map((r) => num(r['sg_bound_frac'])))?.mean ?? null,
  };
  for (const k of ['best_bpc', 'best_ppl'] as const) if (row[k] === Infinity) row[k] = null;
  for (const k of keys) row[`config.${k}`] = run.flat.get(k) ?? null;
  return row;
}

export interface Group { task: string; label: string; runs: RunData[]; rows: RunRow[]; keys: string[] }

/** Runs grouped by task, then by the keys that differ between that task's runs, in the order first seen. */
export function groupRuns(runs: RunData[]): Group[] {
  const taskOf = (r: RunData) => String(r.config['task'] ?? '?');
  const keysOf = new Map<string, string[]>();
  for (const task of new Set(runs.map(taskOf))) keysOf.set(task, varyingKeys(runs.filter((r) => taskOf(r) === task)));
  const groups = new Map<string, Group>();
  for (const r of runs) {
    const keys = keysOf.get(taskOf(r))!;
    const row = summarizeRun(r, keys);
    const id = `${row.task}\u0000${row.group}`;
    if (!groups.has(id)) groups.set(id, { task: row.task, label: row.group, runs: [], rows: [], keys });
    groups.get(id)!.runs.push(r);
    groups.get(id)!.rows.push(row);
  }
  const all = [...groups.values()];
  for (const task of new Set(all.map((g) => g.task))) shortenLabels(all.filter((g) => g.task === task), runs.filter((r) => taskOf(r) === task));
  return all;
}

/**
 * Legends and table rows name a group by the keys whose values differ among the
 * runs that have them: a section that only some groups configure (a synthesizer
 * next to none) would otherwise list every key of it. Kept only when the short
 * labels still tell every group of the task apart.
 */
function shortenLabels(groups: Group[], runs: RunData[]): void {
  const short = groups.map((g) => {
    const run = g.runs[0]!;
    const parts = g.keys.filter((k) => k !== 'task' && run.flat.get(k) !== undefined).filter((k) => {
      const seen = new Set(runs.map((r) => r.flat.get(k)).filter((v) => v !== undefined));
      return seen.size > 1;
    });
    return parts.length ? parts.map((k) => `${k}=${run.flat.get(k)}`).join(', ') : g.label;
  });
  if (new Set(short).size !== groups.length) return;
  groups.forEach((g, i) => {
    g.label = short[i]!;
    for (const row of g.rows) row.group = short[i]!;
  });
}

// ------------------------------------------------------------------ output

/** `mean ± sd [min–max]`; one value alone; an em dash for none. */
export function fmtStat(s: Stat | null, digits: number): string {
  if (!s) return '—';
  const f = (v: number) => v.toFixed(digits);
  if (s.n === 1) return f(s.mean);
  return `${f(s.mean)} ± ${f(s.sd!)} [${f(s.min)}–${f(s.max)}]`;
}

const isCopy = (task: string) => task === 'copy' || task === 'repeat-copy';

export const TABLE_COLUMNS: [keyof RunRow, string, number][] = [
  ['final_valid_loss', 'final valid loss', 3], ['best_valid_loss', 'best valid loss', 3],
  ['final_bpc', 'final bpc', 3], ['best_bpc', 'best bpc', 3], ['final_ppl', 'final ppl', 2], ['best_ppl', 'best ppl', 2],
];

export function markdownReport(groups: Group[], plots: Map<string, string[]>): string {
  const out: string[] = ['# Report', ''];
  out.push(`${groups.reduce((a, g) => a + g.runs.length, 0)} runs in ${groups.length} groups.`);
  out.push('Cells: mean ± sd [min–max] over the runs of a group (sd with n − 1); a single run shows its value. Losses in nats, valid split.', '');
  for (const task of [...new Set(groups.map((g) => g.task))]) {
    const gs = groups.filter((g) => g.task === task);
    out.push(`## ${task}`, '', `Groups differ in: ${gs[0]!.keys.join(', ') || '(nothing)'}.`, '');
    const cols: [string, (g: Group) => string][] = [['group', (g) => g.label], ['runs', (g) => String(g.rows.length)],
      ['seeds', (g) => g.rows.map((r) => r.seed ?? '?').join(' ')]];
    if (!isCopy(task)) for (const [k, label, d] of TABLE_COLUMNS) cols.push([label, (g) => fmtStat(stat(g.rows.map((r) => r[k] as number | null)), d)]);
    if (isCopy(task) || gs.every((g) => g.rows.every((r) => r.final_valid_loss === null))) {
      cols.push(['final train loss', (g) => fmtStat(stat(g.rows.map((r) => r.final_train_loss)), 3)]);
    }
    if (isCopy(task)) cols.push(['largest N solved', (g) => fmtStat(stat(g.rows.map((r) => r.largest_n_solved)), 1)]);
    cols.push(['steps', (g) => fmtStat(stat(g.rows.map((r) => r.steps)), 0)],
      ['time (s)', (g) => fmtStat(stat(g.rows.map((r) => r.time_s)), 1)],
      ['tokens/s', (g) => fmtStat(stat(g.rows.map((r) => r.tokens_per_s)), 0)]);
    if (gs.some((g) => g.rows.some((r) => r.sg_true_cos_median !== null))) {
      cols.push(['median sg_true_cos', (g) => {
        const m = median(g.runs.flatMap((r) => r.records.map((x) => num(x['sg_true_cos'])).filter((v): v is number => v !== null)));
        return m === null ? '—' : m.toFixed(3);
      }]);
    }
    // a run can finish with finite numbers after ĝ ran away and still be ruined by it: say so beside its numbers
    if (gs.some((g) => g.runs.some((r) => r.records.some((x) => isStep(x) && x.mode === 'synthetic')))) {
      cols.push(['ĝ outgrew δ (runs)', (g) => `${g.rows.filter((r) => r.sg_outgrew_step !== null).length}/${g.rows.length}`]);
    }
    // a bound that binds on many rows holds ĝ at it, and that costs (docs/results.md, "The copy setting with DNI + Aux and the bound")
    if (gs.some((g) => g.rows.some((r) => r.sg_bound_frac_mean !== null))) {
      cols.push(['ĝ rows bounded (share)', (g) => fmtStat(stat(g.rows.map((r) => r.sg_bound_frac_mean)), 3)]);
    }
    out.push(`| ${cols.map((c) => c[0]).join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`);
    for (const g of gs) out.push(`| ${cols.map((c) => c[1](g).replace(/\|/g, '\\|')).join(' | ')} |`);
    out.push('');
    if (isCopy(task)) out.push(...copyReachTable(gs));
    for (const p of plots.get(task) ?? []) out.push(`![${p}](${p})`, '');
  }
  return out.join('\n');
}

/** Samples (steps where the records have no `samples`) at which each N was first reached, mean over the runs that reached it. */
function copyReachTable(gs: Group[]): string[] {
  const reach = gs.map((g) => g.runs.map((r) => copyProgress(r.records).reach));
  const Ns = [...new Set(reach.flatMap((rs) => rs.flatMap((m) => [...m.keys()])))].sort((a, b) => a - b).slice(1);
  if (Ns.length === 0) return [];
  const unit = gs.some((g) => g.runs.some((r) => r.records.some((x) => num(x['samples']) !== null))) ? 'samples' : 'steps';
  const out = [`${unit} to reach N (mean [min–max] over the runs that reached it; k/n = runs that reached it):`, '',
    `| group | ${Ns.map((N) => `N=${N}`).join(' | ')} |`, `|---|${Ns.map(() => '---').join('|')}|`];
  gs.forEach((g, i) => {
    const cells = Ns.map((N) => {
      const s = stat(reach[i]!.map((m) => m.get(N) ?? null));
      return s ? `${Math.round(s.mean)}${s.n > 1 ? ` [${s.min}–${s.max}]` : ''} (${s.n}/${g.runs.length})` : '—';
    });
    out.push(`| ${g.label} | ${cells.join(' | ')} |`);
  });
  out.push('');
  return out;
}

export function csvReport(rows: RunRow[]): string {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => k.startsWith('config.'))))].sort();
  const cols = ['run', 'task', 'group', 'seed', ...keys, 'steps', 'final_train_loss', 'final_valid_loss', 'best_valid_loss',
    'final_bpc', 'best_bpc', 'final_ppl', 'best_ppl', 'time_s', 'tokens_per_s', 'restarts', 'largest_n_solved', 'sg_true_cos_median', 'sg_outgrew_step',
    'sg_bound_frac_mean'];
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}
