// The WebGPU backend: a Backend (synchronous, as autograd calls it) whose matmul
// and LSTM kernels run on a WebGPU device.
//
//   import { setBackend } from 'synthgrad/backends/backend';
//   setBackend(await createWebGpuBackend());   // throws WebGpuUnavailableError when there is no adapter
//
// How a synchronous call runs an asynchronous API: the device lives in a worker
// (worker.ts) and each kernel call blocks the calling thread with Atomics.wait
// until the worker is done (protocol.ts). Operands travel through a
// SharedArrayBuffer; parameters and an LSTM forward's saved activations stay on
// the device between calls (residency.ts), so a chunk's backward uploads little.
//
// Node: the worker is a worker_thread; the device comes from the optional `webgpu`
// package. Browser: the worker is a module Web Worker, the device comes from
// navigator.gpu. Atomics.wait is not allowed on a page's main thread, so train in a
// Web Worker (which creates the backend, and the backend its own worker), and
// serve the page cross-origin isolated (Cross-Origin-Opener-Policy: same-origin,
// Cross-Origin-Embedder-Policy: require-corp) so that SharedArrayBuffer exists.
// Either way the worker script is the compiled worker.js next to this module
// (pass `workerUrl` when running from the TypeScript sources or a bundle).
//
// Float64 data (gradient checks) and matmuls smaller than `minMatmulWork` run on
// the CPU backend: for those a round trip to the device costs more than the work.
// The kernels it does not run on the device (Adam, the losses, embeddings) are
// the CPU backend's. Its scratch never reuses a buffer: the residency tracks an
// LSTM forward's saved activations by the arrays themselves.
import type { Backend, LstmBackwardArgs, LstmForwardArgs } from '../backend.js';
import { cpuBackend } from '../cpu/index.js';
import { NO_REUSE } from '../scratch.js';
import { ArenaLayout } from '../arena-layout.js';
import { allFloat32, type FloatArray } from '../../tensor/dtype.js';
import { isNode } from './device.js';
import { HostResidency, type Operand, type ResidencyOptions } from './residency.js';
import { CONTROL_INTS, DONE, ERROR_BYTES, ERROR_LENGTH, FAILED, PENDING, STATE, type ArenaRef, type CallMessage, type InitMessage, type InitReply, type DeviceLimits } from './protocol.js';

export { requestWebGpuDevice, adapterNameOf, noAdapterHint, isSoftwareAdapter } from './device.js';
export { WebGpuKernels } from './kernels.js';

/** No WebGPU adapter (or device) could be opened; `reason` says why and how to get one. */
export class WebGpuUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`WebGPU is not available: ${reason}`);
    this.name = 'WebGpuUnavailableError';
  }
}

/** Options of createWebGpuBackend. */
export interface WebGpuBackendOptions extends ResidencyOptions {
  /** The compiled worker script (default: worker.js next to this module). */
  workerUrl?: string | URL;
  /** Matmuls with M·K·N below this run on the CPU (default 65536; 0: all on the device). */
  minMatmulWork?: number;
  /** Longest wait for one kernel call before giving up (default 10 minutes). */
  timeoutMs?: number;
  powerPreference?: GPUPowerPreference;
  /** Options for Dawn's create() in Node (the `webgpu` package), e.g. ["backend=vulkan"]. */
  dawnOptions?: string[];
}

/** The matmul and LSTM kernels on a WebGPU device (in a browser, or in Node with the optional `webgpu` package); `dispose()` it when done. */
export interface WebGpuBackend extends Backend {
  readonly name: 'webgpu';
  /** The adapter's name, as config.json records it. */
  readonly adapterName: string;
  /** The adapter is a CPU implementation (SwiftShader, llvmpipe, …): correct, but slower than the CPU backend. */
  readonly softwareAdapter: boolean;
  /** The device's buffer limits (bytes): a run whose largest buffer exceeds them is refused before it starts. */
  readonly limits: DeviceLimits;
  /** What is kept on the device (see residency.ts). */
  readonly residency: HostResidency;
  /** Kernel calls that ran on the device and on the CPU (float64, small matmuls). */
  readonly calls: { device: number; cpu: number };
  /** Treat `array` as a parameter: kept on the device while its values do not change. */
  keepResident(array: FloatArray): void;
  /** Forget the device copy of `array` (changes are detected anyway; this forces an upload). */
  invalidate(array: FloatArray): void;
  /** Stops the worker and releases the device; the backend cannot be used afterwards. */
  dispose(): void;
}

interface WorkerHandle {
  post(m: InitMessage | CallMessage): void;
  onMessage(f: (m: InitReply) => void): void;
  onError(f: (e: unknown) => void): void;
  terminate(): void;
}

async function startWorker(url: string | URL): Promise<WorkerHandle> {
  if (isNode()) {
    const spec = 'node:worker_threads'; // a variable: bundlers for the browser leave it alone
    const wt = (await import(/* @vite-ignore */ spec)) as typeof import('node:worker_threads');
    const w = new wt.Worker(typeof url === 'string' && !url.startsWith('file:') ? url : new URL(url));
    w.unref(); // an idle backend does not keep the process alive
    return {
      post: (m) => w.postMessage(m),
      onMessage: (f) => w.on('message', f),
      onError: (f) => {
        w.on('error', f);
        w.on('exit', (code) => f(new Error(`the WebGPU worker exited (code ${code})`)));
      },
      terminate: () => void w.terminate(),
    };
  }
  const W = (globalThis as { Worker?: new (u: string | URL, o: { type: 'module' }) => Worker }).Worker;
  if (!W) throw new WebGpuUnavailableError('this environment has no Worker: the WebGPU backend runs its device in a worker');
  const w = new W(url, { type: 'module' });
  return {
    post: (m) => w.postMessage(m),
    onMessage: (f) => w.addEventListener('message', (e) => f(e.data as InitReply)),
    onError: (f) => w.addEventListener('error', (e) => f(new Error(e.message || 'the WebGPU worker failed to load'))),
    terminate: () => w.terminate(),
  };
}

function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  if (/\.[cm]?ts$/.test(here)) {
    throw new WebGpuUnavailableError('the backend runs from its TypeScript sources, but its worker must be compiled JavaScript: ' +
      'build (npm run build) and import from dist/, or pass { workerUrl } (the compiled src/backends/webgpu/worker.js)');
  }
  return new URL('./worker.js', here);
}

/** The call's operands in the shared arena, as the references the worker reads ({ $f: [offset, length] }). */
class ArenaPlan {
  readonly layout = new ArenaLayout();

  in(src: Float32Array, n: number): ArenaRef {
    return { $f: [this.layout.in(src, n), n] };
  }
  out(dst: Float32Array, n: number): ArenaRef {
    return { $f: [this.layout.out(dst, n), n] };
  }
  inout(a: Float32Array, n: number): ArenaRef {
    return { $f: [this.layout.inout(a, n), n] };
  }
  operand(o: Operand, n: number): unknown {
    return 'id' in o ? { id: o.id } : { data: this.in(o.data, n), ...(o.keepAs !== undefined ? { keepAs: o.keepAs } : {}) };
  }
}

class SyncWebGpuBackend implements WebGpuBackend {
  readonly name = 'webgpu' as const;
  readonly residency: HostResidency;
  readonly calls = { device: 0, cpu: 0 };
  private arena: SharedArrayBuffer | null = null;
  private arenaView: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private readonly control: Int32Array;
  private readonly errorText: Uint8Array;
  private broken: string | null = null;
  readonly adam = cpuBackend.adam;
  readonly softmaxCrossEntropy = cpuBackend.softmaxCrossEntropy;
  readonly embeddingGather = cpuBackend.embeddingGather;
  readonly embeddingScatterAdd = cpuBackend.embeddingScatterAdd;
  readonly sigmoidBce = cpuBackend.sigmoidBce;
  readonly sigmoidBceBackward = cpuBackend.sigmoidBceBackward;
  readonly allocate = cpuBackend.allocate;
  readonly scratch = NO_REUSE;

  constructor(
    readonly adapterName: string,
    readonly softwareAdapter: boolean,
    readonly limits: DeviceLimits,
    private readonly worker: WorkerHandle,
    controlBuffer: SharedArrayBuffer,
    errorBuffer: SharedArrayBuffer,
    private readonly opts: WebGpuBackendOptions,
  ) {
    this.control = new Int32Array(controlBuffer, 0, CONTROL_INTS);
    this.errorText = new Uint8Array(errorBuffer, 0, ERROR_BYTES);
    this.residency = new HostResidency(opts);
    this.matmul = this.matmul.bind(this);
    this.lstmForward = this.lstmForward.bind(this);
    this.lstmBackward = this.lstmBackward.bind(this);
  }

  matmul(a: FloatArray, b: FloatArray, c: FloatArray, M: number, K: number, N: number, transA: boolean, transB: boolean, accumulate: boolean): void {
    if (!allFloat32(a, b, c) || M * K * N < (this.opts.minMatmulWork ?? 65536) || M === 0 || N === 0) {
      this.calls.cpu++;
      cpuBackend.matmul(a, b, c, M, K, N, transA, transB, accumulate);
      return;
    }
    const h = this.residency, p = new ArenaPlan();
    const [a32, b32, c32] = [a, b, c] as Float32Array[];
    const acc = accumulate && !h.allZero(c32!, M * N);
    const args = {
      M, K, N, transA, transB,
      a: p.operand(h.operand(a32!, M * K), M * K),
      b: p.operand(h.operand(b32!, K * N), K * N),
      c: { into: acc ? p.inout(c32!, M * N) : p.out(c32!, M * N), accumulate: acc },
    };
    this.call('matmul', args, p);
  }

  lstmForward(f: LstmForwardArgs): void {
    if (!allFloat32(f.x, f.h0, f.c0, f.wih, f.whh, f.bih, f.bhh, f.gates, f.cs, f.hs)) {
      this.calls.cpu++;
      cpuBackend.lstmForward(f);
      return;
    }
    const { T, B, D, H } = f;
    const G = 4 * H, h = this.residency, p = new ArenaPlan();
    const x = f.x as Float32Array, gates = f.gates as Float32Array, cs = f.cs as Float32Array, hs = f.hs as Float32Array;
    const args = {
      T, B, D, H,
      x: p.operand(h.operand(x, T * B * D), T * B * D),
      wih: p.operand(h.parameter(f.wih as Float32Array, G * D), G * D),
      whh: p.operand(h.parameter(f.whh as Float32Array, G * H), G * H),
      bih: p.operand(h.parameter(f.bih as Float32Array, G), G),
      bhh: p.operand(h.parameter(f.bhh as Float32Array, G), G),
      h0: p.in(f.h0 as Float32Array, B * H),
      c0: p.in(f.c0 as Float32Array, B * H),
      gates: p.out(gates, T * B * G),
      cs: p.out(cs, T * B * H),
      hs: p.out(hs, T * B * H),
      saveAs: h.saveForward(gates, cs, hs, f),
    };
    this.call('lstmForward', args, p);
  }

  lstmBackward(a: LstmBackwardArgs): void {
    if (!allFloat32(a.x, a.h0, a.c0, a.wih, a.whh, a.gates, a.cs, a.hs, a.dhs, a.dcT, a.dx, a.dh0, a.dc0, a.dwih, a.dwhh, a.dbih, a.dbhh)) {
      this.calls.cpu++;
      cpuBackend.lstmBackward(a);
      return;
    }
    const { T, B, D, H } = a;
    const G = 4 * H, BH = B * H, h = this.residency, p = new ArenaPlan();
    const saved = h.takeSaved(a.gates as Float32Array, a);
    const kept = <X>(v: () => X): X | null => (saved === null ? v() : null);
    const acc = (o: FloatArray | null, n: number) => {
      if (!o) return null;
      const accumulate = !h.allZero(o as Float32Array, n);
      return { into: accumulate ? p.inout(o as Float32Array, n) : p.out(o as Float32Array, n), accumulate };
    };
    const args = {
      T, B, D, H,
      x: p.operand(h.operand(a.x as Float32Array, T * B * D), T * B * D),
      wih: p.operand(h.parameter(a.wih as Float32Array, G * D), G * D),
      whh: p.operand(h.parameter(a.whh as Float32Array, G * H), G * H),
      saved,
      h0: kept(() => p.in(a.h0 as Float32Array, BH)),
      c0: kept(() => p.in(a.c0 as Float32Array, BH)),
      gates: kept(() => p.in(a.gates as Float32Array, T * B * G)),
      cs: kept(() => p.in(a.cs as Float32Array, T * BH)),
      hs: kept(() => p.in(a.hs as Float32Array, T * BH)),
      dhs: p.in(a.dhs as Float32Array, T * BH),
      dcT: p.in(a.dcT as Float32Array, BH),
      dx: a.dx ? p.out(a.dx as Float32Array, T * B * D) : null,
      dh0: a.dh0 ? p.out(a.dh0 as Float32Array, BH) : null,
      dc0: a.dc0 ? p.out(a.dc0 as Float32Array, BH) : null,
      dwih: acc(a.dwih, G * D),
      dwhh: acc(a.dwhh, G * H),
      dbih: acc(a.dbih, G),
      dbhh: acc(a.dbhh, G),
    };
    this.call('lstmBackward', args, p);
  }

  keepResident(array: FloatArray): void {
    this.residency.keepResident(array);
  }

  invalidate(array: FloatArray): void {
    this.residency.invalidate(array);
  }

  dispose(): void {
    this.broken ??= 'the WebGPU backend was disposed';
    this.worker.terminate();
  }

  /** Posts one op and blocks until the worker has run it; copies the outputs out. */
  private call(op: CallMessage['op'], args: unknown, plan: ArenaPlan): void {
    if (this.broken) throw new Error(this.broken);
    const msg: CallMessage = { type: 'call', op, args, drops: this.residency.takeDrops() };
    if (this.arenaView.length < plan.layout.size) {
      const floats = Math.max(plan.layout.size, Math.ceil(this.arenaView.length * 1.5), 1 << 16);
      this.arena = new SharedArrayBuffer(floats * 4);
      this.arenaView = new Float32Array(this.arena);
      msg.arena = this.arena;
    }
    const view = this.arenaView;
    plan.layout.copyIn(view);
    Atomics.store(this.control, STATE, PENDING);
    this.worker.post(msg);
    const timeout = this.opts.timeoutMs ?? 600_000;
    const r = Atomics.wait(this.control, STATE, PENDING, timeout);
    if (r === 'timed-out') {
      this.broken = `the WebGPU worker did not finish ${op} within ${timeout} ms`;
      this.worker.terminate();
      throw new Error(this.broken);
    }
    const state = Atomics.load(this.control, STATE);
    if (state === FAILED) {
      const n = this.control[ERROR_LENGTH]!;
      const text = new TextDecoder().decode(this.errorText.slice(0, n));
      // the device state is unknown after a failure: later calls fail fast
      this.broken = `WebGPU ${op} failed: ${text}`;
      throw new Error(this.broken);
    }
    if (state !== DONE) throw new Error(`WebGPU ${op}: unexpected worker state ${state}`);
    this.calls.device++;
    plan.layout.copyOut(view);
  }
}

/**
 * Opens a WebGPU device in a worker and returns a Backend whose calls block until
 * the device is done. Rejects with WebGpuUnavailableError (its `reason` says how to
 * get an adapter) when there is none.
 */
export async function createWebGpuBackend(opts: WebGpuBackendOptions = {}): Promise<WebGpuBackend> {
  if (typeof SharedArrayBuffer === 'undefined') {
    throw new WebGpuUnavailableError('SharedArrayBuffer is not available (in a browser, serve the page with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)');
  }
  const url = opts.workerUrl ?? defaultWorkerUrl();
  const worker = await startWorker(url);
  const control = new SharedArrayBuffer(CONTROL_INTS * 4);
  const errorText = new SharedArrayBuffer(ERROR_BYTES);
  const reply = await new Promise<InitReply>((resolve, reject) => {
    worker.onMessage(resolve);
    worker.onError(reject);
    worker.post({ type: 'init', control, errorText, ...(opts.powerPreference ? { powerPreference: opts.powerPreference } : {}), ...(opts.dawnOptions ? { dawnOptions: opts.dawnOptions } : {}) });
  }).catch((e: unknown) => {
    worker.terminate();
    throw e instanceof WebGpuUnavailableError ? e : new WebGpuUnavailableError(`the WebGPU worker failed to start: ${e instanceof Error ? e.message : String(e)}`);
  });
  if (reply.type === 'unavailable') {
    worker.terminate();
    throw new WebGpuUnavailableError(reply.reason);
  }
  return new SyncWebGpuBackend(reply.adapterName, reply.software, reply.limits, worker, control, errorText, opts);
}
