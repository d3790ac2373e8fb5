// The threaded CPU backend: the CPU kernels with large products and the LSTM
// chunk passes split across a pool of worker_threads (./pool.ts) over shared
// memory. Operands are copied into the pool's shared arena, every thread runs its
// share of the same kernels (./jobs.ts), results are copied back. Small products,
// float64, and everything on a backend created without SIMD, run on the main
// thread in the CPU backend's kernels: the shares run the SIMD kernel, and a split
// must compute exactly what the whole would. The kernels it does not split
// (embeddings, the sigmoid cross-entropy) are the CPU backend's, and so are its scratch buffers and parameter
// storage, on SharedArrayBuffers.
//
//   const b = await createThreadedBackend(2);
//   setBackend(b);   …   b.dispose();
//
// Node only (worker_threads); the workers do not keep the process alive.
import type { AdamArgs, Backend, LstmBackwardArgs, LstmForwardArgs, SoftmaxCeArgs } from '../backend.js';
import { allFloat32, type FloatArray } from '../../tensor/dtype.js';
import { SIMD_MIN_MACS } from '../cpu/matmul.js';
import { pinWhh, projectInChunk } from '../cpu/lstm.js';
import { createCpuBackend, resolveKernels, type CpuBackend } from '../cpu/index.js';
import type { Kernels } from '../wasm/variant.js';
import { ArenaLayout } from '../arena-layout.js';
import { allocateShared } from '../../tensor/dtype.js';
import { ADAM, ADAM_F, JOB, LSTM, LSTM_OPERANDS, MM, SCE, writeRef, type LstmOperand, type OperandRef } from './jobs.js';
import { CONTROL_BYTES, ERROR_BYTES, spinMsFor, ThreadPool, type WorkerInit } from './pool.js';

/** The CPU kernels split over worker threads (Node); setBackend it, and `close()` it when done. */
export interface ThreadedBackend extends Backend {
  readonly threads: number;
  /** The kernel variant every thread runs (../wasm/variant.ts). */
  readonly kernels: Kernels;
  /** Whether the SIMD kernels run (without them nothing is split). */
  readonly simd: boolean;
  /** The pool (tests run jobs on it directly). */
  readonly pool: ThreadPool;
  /** Calls that ran split across the threads, and on the main thread alone. */
  readonly calls: { split: number; single: number };
  /** Stops the workers; the backend cannot be used afterwards. */
  dispose(): void;
}

/** Options of createThreadedBackend. */
export interface ThreadedBackendOptions {
  /** The kernel variant, as createCpuBackend's option (default: SYNTHGRAD_SIMD's, else the fastest); 'ts' splits nothing. */
  kernels?: Kernels;
  /** Shorthand when `kernels` is not given, as createCpuBackend's; without SIMD nothing is split. */
  simd?: boolean;
  /** The compiled worker module (default: ./worker.js next to this module, or the build's when running from sources). */
  workerUrl?: string | URL;
  /** Products with fewer multiply-adds run on one thread (default 2^18). */
  minMatmulWork?: number;
  /** LSTM chunks with fewer multiply-adds (T·B·4H·(D+H)) run on one thread (default 2^19). */
  minLstmWork?: number;
  /** Adam updates of fewer elements run on one thread (default 2^15). */
  minAdamWork?: number;
  /** Softmax cross-entropies of fewer logits (N·V) run on one thread (default 2^15). */
  minSoftmaxWork?: number;
}

/**
 * Where a job's operands are: an array on a registered SharedArrayBuffer is used in
 * place; any other is given room in the arena (copied in before the job, out after).
 */
class OperandPlan {
  readonly layout = new ArenaLayout(16); // 64-byte aligned operands

  constructor(private readonly pool: ThreadPool) {
    pool.trimRegistry();
  }

  /** Room for n floats of scratch in the arena. */
  place(n: number): OperandRef {
    return { id: 0, off: this.layout.place(n) };
  }
  in(src: Float32Array, n: number): OperandRef {
    return this.inPlace(src) ?? { id: 0, off: this.layout.in(src, n) };
  }
  out(dst: Float32Array, n: number): OperandRef {
    return this.inPlace(dst) ?? { id: 0, off: this.layout.out(dst, n) };
  }
  inout(x: Float32Array, n: number): OperandRef {
    return this.inPlace(x) ?? { id: 0, off: this.layout.inout(x, n) };
  }
  private inPlace(x: Float32Array): OperandRef | null {
    return x.buffer instanceof SharedArrayBuffer ? { id: this.pool.bufferId(x.buffer), off: x.byteOffset / 4 } : null;
  }
}

class Threaded implements ThreadedBackend {
  readonly name = 'cpu-threads';
  readonly calls = { split: 0, single: 0 };
  /** the kernels of the calls that are not split, on SharedArrayBuffers */
  private readonly cpu: CpuBackend;
  /** an LSTM's gates and cell states on SharedArrayBuffers: the jobs use them in place (no copies through the arena) */
  readonly scratch: CpuBackend['scratch'];
  readonly allocate: CpuBackend['allocate'];
  readonly embeddingGather: CpuBackend['embeddingGather'];
  readonly embeddingScatterAdd: CpuBackend['embeddingScatterAdd'];
  readonly sigmoidBce: CpuBackend['sigmoidBce'];
  readonly sigmoidBceBackward: CpuBackend['sigmoidBceBackward'];
  private readonly minMatmul: number;
  private readonly minLstm: number;
  private readonly minAdam: number;
  private readonly minSoftmax: number;

  constructor(readonly pool: ThreadPool, opts: ThreadedBackendOptions) {
    this.cpu = createCpuBackend({ kernels: pool.kernels, allocate: allocateShared });
    ({ scratch: this.scratch, allocate: this.allocate, embeddingGather: this.embeddingGather, embeddingScatterAdd: this.embeddingScatterAdd, sigmoidBce: this.sigmoidBce, sigmoidBceBackward: this.sigmoidBceBackward } = this.cpu);
    this.minMatmul = opts.minMatmulWork ?? 1 << 18;
    this.minLstm = opts.minLstmWork ?? 1 << 19;
    this.minAdam = opts.minAdamWork ?? 1 << 15;
    this.minSoftmax = opts.minSoftmaxWork ?? 1 << 15;
    this.matmul = this.matmul.bind(this);
    this.lstmForward = this.lstmForward.bind(this);
    this.lstmBackward = this.lstmBackward.bind(this);
    this.adam = this.adam.bind(this);
    this.softmaxCrossEntropy = this.softmaxCrossEntropy.bind(this);
  }

  get simd(): boolean {
    return this.cpu.simd;
  }

  get kernels(): Kernels {
    return this.cpu.kernels;
  }

  get threads(): number {
    return this.pool.threads;
  }

  matmul(a: FloatArray, b: FloatArray, c: FloatArray, M: number, K: number, N: number, transA: boolean, transB: boolean, accumulate: boolean): void {
    // a product that one thread would run in the TypeScript kernel (tiny, float64, no SIMD) is not split
    const work = M * K * N;
    if (work < this.minMatmul || work < SIMD_MIN_MACS || !this.cpu.simd || !allFloat32(a, b, c)) {
      this.calls.single++;
      this.cpu.matmul(a, b, c, M, K, N, transA, transB, accumulate);
      return;
    }
    this.calls.split++;
    const plan = new OperandPlan(this.pool);
    const p = this.pool.params;
    p[MM.M] = M, p[MM.K] = K, p[MM.N] = N;
    p[MM.transA] = transA ? 1 : 0, p[MM.transB] = transB ? 1 : 0, p[MM.accumulate] = accumulate ? 1 : 0;
    writeRef(p, MM.a, plan.in(a as Float32Array, M * K));
    writeRef(p, MM.b, plan.in(b as Float32Array, K * N));
    writeRef(p, MM.c, accumulate ? plan.inout(c as Float32Array, M * N) : plan.out(c as Float32Array, M * N));
    // split C by columns when it is wider than tall: every thread packs all of op(A) and its
    // share of op(B), so the larger operand is the one divided (by rows: all of op(B), a share of op(A))
    p[MM.byColumns] = N > M ? 1 : 0;
    this.runPlan(JOB.matmul, plan);
  }

  lstmForward(f: LstmForwardArgs): void {
    const { T, B, D, H } = f;
    if (!this.lstmSplits(f, T, B, D, H) || !allFloat32(f.x, f.h0, f.c0, f.wih, f.whh, f.bih, f.bhh, f.gates, f.cs, f.hs)) {
      this.calls.single++;
      this.cpu.lstmForward(f);
      return;
    }
    this.calls.split++;
    const G = 4 * H, BH = B * H, rows = T * B;
    const plan = new OperandPlan(this.pool);
    const ops: Partial<Record<LstmOperand, OperandRef>> = {
      x: plan.in(f.x as Float32Array, rows * D), h0: plan.in(f.h0 as Float32Array, BH), c0: plan.in(f.c0 as Float32Array, BH),
      wih: plan.in(f.wih as Float32Array, G * D), whh: plan.in(f.whh as Float32Array, G * H),
      bih: plan.in(f.bih as Float32Array, G), bhh: plan.in(f.bhh as Float32Array, G),
      gates: plan.out(f.gates as Float32Array, rows * G), cs: plan.out(f.cs as Float32Array, rows * H), hs: plan.out(f.hs as Float32Array, rows * H),
    };
    // the input rows in the recurrence job: each thread projects its batch rows where its steps read them
    const project = projectInChunk(f, true, this.cpu.kernels);
    this.lstmParams(T, B, D, H, ops, project);
    this.runPlan(project ? [JOB.lstmRecurrence] : [JOB.lstmInput, JOB.lstmRecurrence], plan);
  }

  lstmBackward(g: LstmBackwardArgs): void {
    const { T, B, D, H } = g;
    if (!this.lstmSplits(g, T, B, D, H) || !allFloat32(g.x, g.h0, g.c0, g.wih, g.whh, g.gates, g.cs, g.hs, g.dhs, g.dcT, g.dx, g.dh0, g.dc0, g.dwih, g.dwhh, g.dbih, g.dbhh)) {
      this.calls.single++;
      this.cpu.lstmBackward(g);
      return;
    }
    this.calls.split++;
    const G = 4 * H, BH = B * H, rows = T * B;
    const plan = new OperandPlan(this.pool);
    const f32 = (x: FloatArray) => x as Float32Array;
    const ops: Partial<Record<LstmOperand, OperandRef>> = {
      x: plan.in(f32(g.x), rows * D), h0: plan.in(f32(g.h0), BH), c0: plan.in(f32(g.c0), BH),
      wih: plan.in(f32(g.wih), G * D), whh: plan.in(f32(g.whh), G * H),
      gates: plan.in(f32(g.gates), rows * G), cs: plan.in(f32(g.cs), rows * H), hs: plan.in(f32(g.hs), rows * H),
      dhs: plan.in(f32(g.dhs), rows * H), dcT: plan.in(f32(g.dcT), BH), dZ: plan.place(rows * G),
    };
    if (g.dx) ops.dx = plan.out(f32(g.dx), rows * D);
    if (g.dh0) ops.dh0 = plan.out(f32(g.dh0), BH);
    if (g.dc0) ops.dc0 = plan.out(f32(g.dc0), BH);
    if (g.dwih) ops.dwih = plan.inout(f32(g.dwih), G * D);
    if (g.dwhh) ops.dwhh = plan.inout(f32(g.dwhh), G * H);
    if (g.dbih) ops.dbih = plan.inout(f32(g.dbih), G);
    if (g.dbhh) ops.dbhh = plan.inout(f32(g.dbhh), G);
    this.lstmParams(T, B, D, H, ops);
    this.runPlan([JOB.lstmBackRecurrence, JOB.lstmBackWeights], plan);
  }

  /**
   * Split across the threads when the four buffers are float32 views of
   * SharedArrayBuffers (ParamSets built for this backend, and the Adam moments
   * made for them): every thread updates its elements in place.
   */
  adam(a: AdamArgs): void {
    const arrays = [a.p, a.g, a.m, a.v];
    const shared = arrays.every((x) => x instanceof Float32Array && x.buffer instanceof SharedArrayBuffer);
    if (!shared || a.p.length < this.minAdam) {
      this.calls.single++;
      this.cpu.adam(a);
      return;
    }
    this.calls.split++;
    this.pool.trimRegistry();
    const p = this.pool.params, f = this.pool.paramsF64;
    [ADAM.p, ADAM.g, ADAM.m, ADAM.v].forEach((k, i) => {
      const x = arrays[i]!;
      p[k] = this.pool.bufferId(x.buffer as SharedArrayBuffer);
      p[k + 1] = x.byteOffset / 4;
    });
    p[ADAM.n] = a.p.length;
    f[ADAM_F.beta1] = a.beta1, f[ADAM_F.beta2] = a.beta2, f[ADAM_F.eps] = a.eps;
    f[ADAM_F.weightDecay] = a.weightDecay, f[ADAM_F.stepSize] = a.stepSize, f[ADAM_F.sqrtBc2] = a.sqrtBc2;
    this.pool.wake();
    this.pool.run(JOB.adam);
  }

  /** Split by rows; the targets and the per-row losses travel through the arena (as int32 and float64). */
  softmaxCrossEntropy(a: SoftmaxCeArgs): void {
    const { N, V } = a;
    if (N * V < this.minSoftmax || !allFloat32(a.logits, a.probs)) {
      this.calls.single++;
      this.cpu.softmaxCrossEntropy(a);
      return;
    }
    this.calls.split++;
    const plan = new OperandPlan(this.pool);
    const p = this.pool.params;
    p[SCE.N] = N, p[SCE.V] = V;
    writeRef(p, SCE.logits, plan.in(a.logits as Float32Array, N * V));
    writeRef(p, SCE.probs, plan.out(a.probs as Float32Array, N * V));
    const targets = plan.place(N).off, losses = plan.place(2 * N).off; // 16-float aligned: float64-aligned
    p[SCE.targets] = targets, p[SCE.losses] = losses;
    // sized here (runPlan then finds it large enough: the same buffer), so the targets can go in first
    const arena = this.pool.arena(plan.layout.size);
    const ints = new Int32Array(arena.buffer, arena.byteOffset + targets * 4, N);
    for (let r = 0; r < N; r++) ints[r] = a.targets[r]!;
    this.runPlan(JOB.softmaxCe, plan);
    a.losses.set(new Float64Array(arena.buffer, arena.byteOffset + losses * 4, N));
  }

  dispose(): void {
    this.pool.close();
  }

  /**
   * Whether an LSTM chunk is split: large enough, and every product of it runs in
   * the SIMD kernel on one thread too (W_hh pinned; the input and bias-sum products not tiny).
   */
  private lstmSplits(a: { whh: FloatArray }, T: number, B: number, D: number, H: number): boolean {
    const G = 4 * H;
    return this.cpu.simd && T * B * G * (D + H) >= this.minLstm && pinWhh(a.whh, B, H, this.cpu.kernels) && T * B * D * G >= SIMD_MIN_MACS && B * G * H >= SIMD_MIN_MACS && T * B * G >= SIMD_MIN_MACS;
  }

  private lstmParams(T: number, B: number, D: number, H: number, ops: Partial<Record<LstmOperand, OperandRef>>, project = false): void {
    const p = this.pool.params;
    p[LSTM.T] = T, p[LSTM.B] = B, p[LSTM.D] = D, p[LSTM.H] = H;
    p[LSTM.pinned] = 1;
    p[LSTM.project] = project ? 1 : 0;
    LSTM_OPERANDS.forEach((k, i) => writeRef(p, LSTM.operands + 2 * i, ops[k] ?? null));
  }

  private runPlan(jobs: number | number[], plan: OperandPlan): void {
    const arena = this.pool.arena(plan.layout.size);
    this.pool.wake(); // while the operands are copied in
    plan.layout.copyIn(arena);
    for (const job of Array.isArray(jobs) ? jobs : [jobs]) this.pool.run(job);
    plan.layout.copyOut(arena);
  }
}

function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  // from the TypeScript sources (tests), the build's worker: Node runs no .ts in a worker
  return /\.[cm]?ts$/.test(here) ? new URL('../../../dist/src/backends/threads/worker.js', here) : new URL('./worker.js', here);
}

/** Starts `threads − 1` workers (the main thread is the first thread) and resolves once they run. */
export async function createThreadedBackend(threads: number, opts: ThreadedBackendOptions = {}): Promise<ThreadedBackend> {
  if (!Number.isInteger(threads) || threads < 2) throw new RangeError(`createThreadedBackend: threads must be an integer ≥ 2 (got ${threads}); one thread is the plain CPU backend`);
  const spec = 'node:worker_threads'; // a variable: bundlers for the browser leave it alone
  const wt = (await import(/* @vite-ignore */ spec)) as typeof import('node:worker_threads');
  const url = opts.workerUrl ?? defaultWorkerUrl();
  const os = (await import(/* @vite-ignore */ 'node:os')) as typeof import('node:os');
  const spinMs = spinMsFor(threads, os.availableParallelism());
  const kernels = resolveKernels(opts);
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const errors = new SharedArrayBuffer(ERROR_BYTES);
  const workers: import('node:worker_threads').Worker[] = [];
  const ports: import('node:worker_threads').MessagePort[] = [];
  try {
    for (let index = 1; index < threads; index++) {
      const { port1, port2 } = new wt.MessageChannel();
      const init: WorkerInit = { spinMs, control, errors, port: port2, index, threads, kernels };
      const w = new wt.Worker(typeof url === 'string' && !url.startsWith('file:') ? url : new URL(url), { workerData: init, transferList: [port2] });
      workers.push(w);
      ports.push(port1);
      await new Promise<void>((resolve, reject) => {
        w.once('online', resolve);
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`the thread pool's worker ${index} exited (code ${code}) before it started`)));
      });
      w.unref(); // idle workers do not keep the process alive
      port1.unref();
    }
  } catch (e) {
    for (const w of workers) void w.terminate();
    throw new Error(`threads: could not start ${threads - 1} worker thread(s) from ${String(url)}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return new Threaded(new ThreadPool(kernels, threads, spinMs, workers, ports, control, errors), opts);
}
