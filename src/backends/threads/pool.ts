// A pool of worker threads that run one job at a time together with the main
// thread, synchronously: the main thread writes the job's parameters into shared
// memory, wakes the workers (Atomics.notify), does its own share, and waits
// (Atomics.wait) until every worker has done its share. No message passing on
// the hot path; postMessage is only used to hand a grown arena to the workers.
//
// Shared control block (Int32Array over a SharedArrayBuffer):
//   SEQ    incremented once per job: workers wait on it
//   DONE   workers that finished the current job: the main thread waits on it
//   KIND   the job (./jobs.ts JOB)
//   GEN    shared buffers handed out so far (the arena, each time it grows, and
//          registered buffers): a worker that has taken fewer takes the others
//          from its port (receiveMessageOnPort) before it starts
//   FAILED 1 when a worker's share threw; its message is in the error bytes
//   then PARAM_INTS integers of parameters, then PARAM_DOUBLES doubles.
import type { Worker as NodeWorker, MessagePort } from 'node:worker_threads';
import { PARAM_DOUBLES, PARAM_INTS, runJob, type JobContext } from './jobs.js';
import type { Kernels } from '../wasm/variant.js';

export const CTL = { SEQ: 0, DONE: 1, KIND: 2, GEN: 3, FAILED: 4, PARAMS: 8 } as const;
export const CONTROL_INTS = CTL.PARAMS + PARAM_INTS;
/** Bytes of the control block: the integers, then the doubles (8-aligned). */
export const CONTROL_BYTES = CONTROL_INTS * 4 + PARAM_DOUBLES * 8;
export const ERROR_BYTES = 4096;
/**
 * How long a waiting thread spins before it sleeps in Atomics.wait (ms). Waking a
 * sleeping thread took 0.5 ms (median) to 8 ms (p90) on a 2-vCPU virtual machine,
 * against 12 µs for a spinning one; the serial part of a training step between two
 * jobs lasts up to ~15 ms. Intel's OpenMP spins 200 ms by default (KMP_BLOCKTIME).
 */
export const SPIN_MS = 50;

/**
 * The spin for a pool of `threads` on this machine: none when there are more
 * threads than logical CPUs (spinning threads would take the time slices of the
 * ones with work: 3 threads on 2 CPUs ran slower than 1).
 */
export function spinMsFor(threads: number, cpus: number): number {
  return threads > cpus ? 0 : SPIN_MS;
}

/** What a worker receives at start (workerData). */
export interface WorkerInit {
  /** how long to spin before sleeping (ms) */
  spinMs: number;
  control: SharedArrayBuffer;
  errors: SharedArrayBuffer;
  port: MessagePort;
  index: number;
  threads: number;
  /** the backend's kernel variant: every thread runs the same */
  kernels: Kernels;
}

/** A shared buffer handed to workers: the arena (id 0) when it grows, or a registered one; id -1 forgets the registered ones. */
export interface BufferMessage {
  /** how many messages have been handed out, this one included */
  gen: number;
  id: number;
  buffer: SharedArrayBuffer | null;
}

/** Registered buffers kept before all are forgotten (a long process that makes many models must not keep them all alive). */
const MAX_REGISTERED = 64;

export class ThreadPool {
  readonly control: Int32Array;
  /** this job's parameters (write them, then call run) */
  readonly params: Int32Array;
  readonly paramsF64: Float64Array;
  private readonly errors: Uint8Array;
  private buffer = new SharedArrayBuffer(0);
  /** views of the shared buffers by id; 0 is the arena */
  private readonly views: Float32Array[] = [new Float32Array(0)];
  private readonly ids = new Map<SharedArrayBuffer, number>();
  private gen = 0;
  private closed = false;

  constructor(
    readonly kernels: Kernels,
    readonly threads: number,
    private readonly spinMs: number,
    private readonly workers: NodeWorker[],
    private readonly ports: MessagePort[],
    controlBuffer: SharedArrayBuffer,
    errorBuffer: SharedArrayBuffer,
  ) {
    this.control = new Int32Array(controlBuffer, 0, CONTROL_INTS);
    this.params = new Int32Array(controlBuffer, CTL.PARAMS * 4, PARAM_INTS);
    this.paramsF64 = new Float64Array(controlBuffer, CONTROL_INTS * 4, PARAM_DOUBLES);
    this.errors = new Uint8Array(errorBuffer, 0, ERROR_BYTES);
  }

  /** The shared arena, at least `floats` long (a grown arena is a new buffer: views taken before are stale). */
  arena(floats: number): Float32Array {
    if (this.views[0]!.length >= floats) return this.views[0]!;
    const bytes = Math.max(floats * 4, Math.ceil(this.buffer.byteLength * 1.5), 1 << 20);
    this.buffer = new SharedArrayBuffer(Math.ceil(bytes / 64) * 64);
    this.handOut(0, this.buffer);
    return this.views[0]!;
  }

  /** The id under which jobs name `buffer` (a float32 SharedArrayBuffer); handed to the workers the first time. */
  bufferId(buffer: SharedArrayBuffer): number {
    let id = this.ids.get(buffer);
    if (id === undefined) {
      id = this.views.length;
      this.ids.set(buffer, id);
      this.handOut(id, buffer);
    }
    return id;
  }

  /**
   * Forgets the registered buffers when there are many (they are registered again
   * when used). Call it only between jobs' operand lists, never within one.
   */
  trimRegistry(): void {
    if (this.views.length <= MAX_REGISTERED) return;
    this.ids.clear();
    this.views.length = 1;
    this.gen++;
    const msg: BufferMessage = { gen: this.gen, id: -1, buffer: null };
    for (const port of this.ports) port.postMessage(msg);
    Atomics.store(this.control, CTL.GEN, this.gen);
  }

  private handOut(id: number, buffer: SharedArrayBuffer): void {
    this.views[id] = new Float32Array(buffer);
    this.gen++;
    const msg: BufferMessage = { gen: this.gen, id, buffer };
    for (const port of this.ports) port.postMessage(msg);
    Atomics.store(this.control, CTL.GEN, this.gen);
  }

  /**
   * Wakes sleeping workers without giving them a job, so that they spin (see
   * worker.ts) and start the next job at once: call it before work that precedes a
   * job, such as copying its operands in, to hide the time a sleeping thread takes to wake.
   */
  wake(): void {
    Atomics.notify(this.control, CTL.SEQ);
  }

  /** Runs job `kind` (its parameters already in `params`) on every thread; returns when all are done. */
  run(kind: number): void {
    if (this.closed) throw new Error('threads: the pool was closed');
    const ctl = this.control;
    const others = this.threads - 1;
    Atomics.store(ctl, CTL.KIND, kind);
    Atomics.store(ctl, CTL.DONE, 0);
    Atomics.store(ctl, CTL.FAILED, 0);
    Atomics.add(ctl, CTL.SEQ, 1);
    Atomics.notify(ctl, CTL.SEQ);
    let mine: unknown = null;
    try {
      const ctx: JobContext = { kernels: this.kernels, p: this.params, f: this.paramsF64, buffers: this.views };
      runJob(kind, ctx, 0, this.threads);
    } catch (e) {
      mine = e;
    }
    // the workers' shares: spin first (they usually finish about when we do)
    let done = Atomics.load(ctl, CTL.DONE);
    const until = performance.now() + this.spinMs;
    while (done < others && performance.now() < until) {
      for (let i = 0; i < 1000 && done < others; i++) done = Atomics.load(ctl, CTL.DONE);
    }
    while (done < others) {
      Atomics.wait(ctl, CTL.DONE, done, 1000);
      done = Atomics.load(ctl, CTL.DONE);
    }
    if (mine) throw mine;
    if (Atomics.load(ctl, CTL.FAILED) === 1) {
      const end = this.errors.indexOf(0);
      const text = new TextDecoder().decode(this.errors.slice(0, end < 0 ? ERROR_BYTES : end));
      throw new Error(`threads: a worker failed: ${text}`);
    }
  }

  /** Stops the workers. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.workers) void w.terminate();
  }
}
