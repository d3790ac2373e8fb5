// What `synthgrad bench` measures, per implementation: the shapes of its report.
export interface BenchOptions {
  quick: boolean;
  threads: number;
  /** the char-LSTM widths (default: 256 with --quick, else 256 and 1024) */
  hiddens?: number[];
  /** a Python with torch: bench/torch_lstm.py runs before and after our steps of each H (null: no PyTorch column) */
  python?: string | null;
  /** progress lines (stderr in the CLI) */
  log?: (line: string) => void;
}

/**
 * Results per implementation; null = not measured, with the reason in `notes`.
 * Ours, by kernel variant (src/backends/wasm/variant.ts): ts, simd (wasm-simd), fma
 * (wasm-simd-fma, where the engine fuses), and threads (N threads, the fastest variant).
 */
export type Impl = 'ts' | 'simd' | 'fma' | 'threads' | 'tfjs-cpu' | 'tfjs-wasm';
export const IMPLS: readonly Impl[] = ['ts', 'simd', 'fma', 'threads', 'tfjs-cpu', 'tfjs-wasm'];
export const IMPL_TITLES: Record<Impl, string> = { ts: 'synthgrad TS', simd: 'synthgrad SIMD', fma: 'synthgrad FMA', threads: 'N threads', 'tfjs-cpu': 'tfjs-cpu', 'tfjs-wasm': 'tfjs-wasm' };
export const emptyRow = (): Record<Impl, number | null> => ({ ts: null, simd: null, fma: null, threads: null, 'tfjs-cpu': null, 'tfjs-wasm': null });
/** Ours on one thread with the fastest variant measured: fma where measured, else simd. */
export const bestOne = (row: Record<Impl, number | null>): Impl => (row.fma !== null ? 'fma' : 'simd');

export interface MatmulResult {
  M: number;
  K: number;
  N: number;
  gflops: Record<Impl, number | null>;
  notes: Partial<Record<Impl, string>>;
}

export interface TrainResult {
  policy: 'bptt' | 'dni';
  hidden: number;
  /** milliseconds per optimizer step (B·T tokens) */
  msPerStep: Record<Impl, number | null>;
  tokensPerSec: Record<Impl, number | null>;
  notes: Partial<Record<Impl, string>>;
  /** the PyTorch peer's ms per step (one thread), run before and after ours; empty without it */
  torchMs: number[];
}

export interface BenchReport {
  machine: { cpu: string; cores: number; node: string; platform: string };
  command: string;
  threads: number;
  simd: boolean;
  /** the kernel variant of the fastest CPU backend here (the threads column's) */
  kernels: string;
  timer: string;
  matmul: MatmulResult[];
  training: TrainResult[];
  /** the char-LSTM's PyTorch peer: e.g. "torch 1.13.0 (1 thread)", or why it did not run; null: not asked for */
  torch: string | null;
  notes: string[];
}
