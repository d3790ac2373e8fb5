// `synthgrad bench --stream-copy`: the shapes the copy experiments spend their time
// in (docs/algorithm.md §12: copy as a stream, one LSTM layer, B·T positions a step),
// bptt and dni with a linear synthesizer, our trainer next to the PyTorch peer
// bench/torch_stream_copy.py (the same model and step), run right before and right
// after our one-thread steps of each T when a Python is given.
import type { Backend } from '../../src/backends/backend.js';
import type { Trainer } from '../../src/train/trainer.js';
import { alternatingMedians } from './timing.js';
import { stepOn, trainerOn } from './char-lm.js';
import { TorchPeer } from './torch-peer.js';

/** The experiments' shape: H 256, B 256, T ∈ {2, 4, 8}; copy width 8 (9 input bits, 8 output bits). */
export const STREAM_COPY = { hidden: 256, batch: 256, bptt: [2, 4, 8] } as const;

export interface StreamCopyOptions {
  hidden: number;
  batch: number;
  bptt: readonly number[];
  /** our backends, each a column: [title, backend] (one thread with the default variant; N threads) */
  backends: [string, Backend][];
  /** the timing: at least minRounds alternating rounds, more while budgetMs lasts */
  budgetMs: number;
  minRounds: number;
  /** a Python with torch: bench/torch_stream_copy.py runs before and after ours (null: no PyTorch column) */
  python: string | null;
  log?: (line: string) => void;
}

/** One (T, policy): our ms per step per backend, and PyTorch's before and after ours (one thread). */
export interface StreamCopyRow {
  bptt: number;
  policy: 'bptt' | 'dni';
  msPerStep: Record<string, number>;
  torchMs: number[];
}

export interface StreamCopyReport {
  hidden: number;
  batch: number;
  backends: string[];
  rows: StreamCopyRow[];
  /** e.g. "torch 1.13.0 (1 thread)", or why there is no PyTorch column */
  torch: string;
}

/**
 * The trainer `synthgrad train --task copy --copy-stream --hidden H --batch B --bptt T
 * --policy P [--synth linear]` builds, with the experiments' settings (Adam 1e-3, no
 * clipping, every synthesizer key at its default), its parameters built for backend `b`.
 */
export function streamCopyTrainer(hidden: number, batch: number, T: number, policy: 'bptt' | 'dni', b: Backend): Trainer {
  const raw = {
    task: 'copy', hidden: [hidden], batch, bptt: T, steps: 1_000_000, seed: 1, threads: 1,
    optimizer: { name: 'adam', lr: 1e-3 }, clip: null, copy: { stream: true },
    policy: { name: policy }, synthesizer: policy === 'dni' ? { kind: 'linear' } : null,
  };
  return trainerOn(raw, process.cwd(), b);
}

/**
 * For each T: the PyTorch peer, our one-thread steps, the peer again, then our other
 * backends; each backend's bptt and dni steps alternate (a drifting load hits them alike).
 */
export function benchStreamCopy(o: StreamCopyOptions): StreamCopyReport {
  const log = o.log ?? (() => {});
  const peer = o.python ? new TorchPeer<{ bptt: number; policy: 'bptt' | 'dni'; msPerStep: number }>(o.python, 'torch_stream_copy.py') : null;
  // bench/torch_stream_copy.py at these shapes and the pair's T, timed as long as one of our backends
  const torch = (pair: StreamCopyRow[]) => {
    if (!peer || peer.failed) return;
    const T = pair[0]!.bptt;
    log(`stream copy H${o.hidden} B${o.batch} T${T}: PyTorch (${o.python})`);
    peer.runInto(['--hidden', String(o.hidden), '--batch', String(o.batch), '--bptt', String(T),
      '--steps', String(Math.max(3, o.minRounds)), '--seconds', String(o.budgetMs / o.backends.length / 1000)],
      pair, (row, x) => x.bptt === row.bptt && x.policy === row.policy);
  };
  const rows: StreamCopyRow[] = [];
  for (const T of o.bptt) {
    const pair: StreamCopyRow[] = (['bptt', 'dni'] as const).map((policy) => ({ bptt: T, policy, msPerStep: {}, torchMs: [] }));
    // one backend at a time: a threaded backend's workers spin for 50 ms after each job
    // and would take a core from one-thread steps timed after it
    o.backends.forEach(([title, b], i) => {
      if (i === 0) torch(pair);
      log(`stream copy H${o.hidden} B${o.batch} T${T} bptt and dni: ${title}`);
      const steps = pair.map((r) => stepOn(streamCopyTrainer(o.hidden, o.batch, T, r.policy, b), b));
      [pair[0]!.msPerStep[title], pair[1]!.msPerStep[title]] = alternatingMedians(steps, o.budgetMs / o.backends.length, o.minRounds, 2);
      if (i === 0) torch(pair);
    });
    rows.push(...pair);
  }
  const torchNote = peer ? peer.note ?? '' : 'no PyTorch (--torch PYTHON runs bench/torch_stream_copy.py)';
  return { hidden: o.hidden, batch: o.batch, backends: o.backends.map(([t]) => t), rows, torch: torchNote };
}

const pad = (rows: string[][]): string => {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(rows[0]!), w.map((x) => '-'.repeat(x)).join('  '), ...rows.slice(1).map(line)].join('\n');
};

/** positions/s of each column, ours / PyTorch (the mean of its two runs), and dni step / bptt step. */
export function formatStreamCopy(r: StreamCopyReport): string {
  const pps = (T: number, ms: number | undefined) => (ms === undefined ? '—' : ((r.batch * T * 1000) / ms).toFixed(0));
  const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined);
  const first = r.backends[0]!;
  const header = ['T / policy', ...r.backends, 'PyTorch (before, after)', 'ours / PyTorch', 'ours ms/step', 'dni / bptt step'];
  const body = r.rows.map((row) => {
    const bptt = r.rows.find((x) => x.bptt === row.bptt && x.policy === 'bptt')!;
    const torch = mean(row.torchMs);
    return [
      `T${row.bptt} ${row.policy}`,
      ...r.backends.map((b) => pps(row.bptt, row.msPerStep[b])),
      row.torchMs.length ? row.torchMs.map((ms) => pps(row.bptt, ms)).join(', ') : '—',
      torch === undefined ? '—' : `${(torch / row.msPerStep[first]!).toFixed(2)}x`,
      row.msPerStep[first]!.toFixed(1),
      row.policy === 'dni' ? (row.msPerStep[first]! / bptt.msPerStep[first]!).toFixed(2) : '—',
    ];
  });
  return [
    `copy as a stream, positions/s = B·T / step (H ${r.hidden}, B ${r.batch}, copy width 8, Adam, no clipping; dni: linear synthesizer; higher is better)`,
    `ours = ${first}, PyTorch: ${r.torch}, the mean of its runs`,
    pad([header, ...body]),
  ].join('\n');
}
