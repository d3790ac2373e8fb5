// The messages between the lab page and its training worker.
import type { MetricRecord } from '../train/curves.js';
import type { CopySummary } from '../train/copy-source.js';

/** A text the page read (the built-in corpus, a dropped file, pasted text) for a charlm run. */
export interface CorpusText {
  name: string;
  text: string;
}

export type ToWorker =
  | { type: 'start'; raw: object; corpus: CorpusText | null; backend: 'cpu' | 'webgpu' }
  | { type: 'pause' }
  | { type: 'resume' }
  /** one step while paused, reported stage by stage */
  | { type: 'step' }
  | { type: 'checkpoint' };

/** One stage of §4 as the step-through shows it. */
export interface StageView {
  /** 1–6: the item of docs/algorithm.md §4 the stage implements */
  item: number;
  title: string;
  /** name → value (norms, losses) */
  values: [string, number | null][];
}

/** A few batch rows × state coordinates of a [B, S] tensor, row-major. */
export interface HeatMap {
  rows: number;
  cols: number;
  data: Float32Array;
}

/** One episode of a copy task, batch row 0: input, target and output bits, [length × width] each. */
export interface BitGrid {
  length: number;
  inWidth: number;
  outWidth: number;
  input: Float32Array;
  target: Float32Array;
  /** σ(logit) of each output bit */
  output: Float32Array;
  /** time steps whose output is scored */
  scored: number[];
}

export type FromWorker =
  | { type: 'started'; total: number; configJson: object; backend: string; adapter: string | null }
  | {
    type: 'progress';
    records: MetricRecord[];
    step: number;
    state: 'running' | 'paused' | 'done';
    copy: CopySummary | null;
    /** steps per second over the last report */
    rate: number;
  }
  | { type: 'grid'; grid: BitGrid }
  | { type: 'sample'; step: number; text: string }
  | { type: 'stages'; step: number; mode: string; stages: StageView[]; ghat: HeatMap | null; delta: HeatMap; lambda: number }
  | { type: 'checkpoint'; bytes: Uint8Array }
  | { type: 'log'; line: string }
  | { type: 'error'; message: string };
