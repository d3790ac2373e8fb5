// What `synthgrad bench` measures, per implementation: the shapes of its report.
export interface BenchOptions {
  quick: boolean;
  threads: number;
  /** progress lines (stderr in the CLI) */
  log?: (line: string) => void;
}

/** Results per implementation; null = not measured, with the reason in `notes`. */
export type Impl = 'ts' | 'simd' | 'threads' | 'tfjs-cpu' | 'tfjs-wasm';
export const IMPLS: readonly Impl[] = ['ts', 'simd', 'threads', 'tfjs-cpu', 'tfjs-wasm'];
export const IMPL_TITLES: Record<Impl, string> = { ts: 'synthgrad TS', simd: 'synthgrad SIMD', threads: 'SIMD N threads', 'tfjs-cpu': 'tfjs-cpu', 'tfjs-wasm': 'tfjs-wasm' };
export const emptyRow = (): Record<Impl, number | null> => ({ ts: null, simd: null, threads: null, 'tfjs-cpu': null, 'tfjs-wasm': null });

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
}

export interface BenchReport {
  machine: { cpu: string; cores: number; node: string; platform: string };
  command: string;
  threads: number;
  simd: boolean;
  timer: string;
  matmul: MatmulResult[];
  training: TrainResult[];
  notes: string[];
}
