// The WebGPU worker of the synchronous backend (index.ts): a Node worker_thread
// or a browser Web Worker (module type). It opens the device, then runs one op per
// message and wakes the waiting training thread through Atomics (protocol.ts).
import { requestWebGpuDevice, isNode } from './device.js';
import { WebGpuKernels } from './kernels.js';
import type { LstmBackwardOp, LstmForwardOp, MatmulOp } from './ops.js';
import { CONTROL_INTS, DONE, ERROR_BYTES, ERROR_LENGTH, FAILED, STATE, resolveArenaRefs, type CallMessage, type InitMessage, type InitReply } from './protocol.js';

interface Port {
  post(m: InitReply): void;
  onMessage(f: (m: InitMessage | CallMessage) => void): void;
}

async function port(): Promise<Port> {
  if (isNode()) {
    const spec = 'node:worker_threads'; // a variable: bundlers for the browser leave it alone
    const wt = (await import(/* @vite-ignore */ spec)) as typeof import('node:worker_threads');
    const parent = wt.parentPort;
    if (!parent) throw new Error('worker.ts must run in a worker thread');
    return { post: (m) => parent.postMessage(m), onMessage: (f) => parent.on('message', f) };
  }
  const scope = globalThis as unknown as { postMessage(m: unknown): void; addEventListener(t: 'message', f: (e: MessageEvent) => void): void };
  return { post: (m) => scope.postMessage(m), onMessage: (f) => scope.addEventListener('message', (e) => f(e.data as InitMessage | CallMessage)) };
}

let kernels: WebGpuKernels | null = null;
let control: Int32Array | null = null;
let errorText: Uint8Array | null = null;
let arena: SharedArrayBuffer | null = null;

function signal(state: number, message?: string): void {
  if (!control || !errorText) return;
  if (message !== undefined) {
    const bytes = new TextEncoder().encode(message);
    const n = Math.min(bytes.length, ERROR_BYTES);
    errorText.set(bytes.subarray(0, n));
    control[ERROR_LENGTH] = n;
  }
  Atomics.store(control, STATE, state);
  Atomics.notify(control, STATE);
}

async function call(m: CallMessage): Promise<void> {
  try {
    if (!kernels) throw new Error('the WebGPU worker has no device');
    if (m.arena) arena = m.arena;
    if (!arena) throw new Error('the WebGPU worker has no arena');
    const args = resolveArenaRefs(m.args, arena);
    if (m.op === 'matmul') await kernels.runMatmul(args as MatmulOp, m.drops);
    else if (m.op === 'lstmForward') await kernels.runLstmForward(args as LstmForwardOp, m.drops);
    else if (m.op === 'lstmBackward') await kernels.runLstmBackward(args as LstmBackwardOp, m.drops);
    else throw new Error(`unknown op ${String(m.op)}`);
    signal(DONE);
  } catch (e) {
    signal(FAILED, e instanceof Error ? `${e.message}` : String(e));
  }
}

async function init(p: Port, m: InitMessage): Promise<void> {
  control = new Int32Array(m.control, 0, CONTROL_INTS);
  errorText = new Uint8Array(m.errorText, 0, ERROR_BYTES);
  const r = await requestWebGpuDevice({ ...(m.powerPreference ? { powerPreference: m.powerPreference } : {}), ...(m.dawnOptions ? { dawnOptions: m.dawnOptions } : {}) });
  if ('reason' in r) {
    p.post({ type: 'unavailable', reason: r.reason });
    return;
  }
  try {
    kernels = new WebGpuKernels(r.device, r.adapterName);
  } catch (e) {
    p.post({ type: 'unavailable', reason: `the WebGPU kernels could not be created on "${r.adapterName}": ${e instanceof Error ? e.message : String(e)}` });
    return;
  }
  p.post({ type: 'ready', adapterName: r.adapterName, software: r.software,
    limits: { maxBufferSize: r.device.limits.maxBufferSize, maxStorageBufferBindingSize: r.device.limits.maxStorageBufferBindingSize } });
}

const p = await port();
// Messages are handled one at a time: the training thread sends the next call only after this one signalled.
let tail: Promise<void> = Promise.resolve();
p.onMessage((m) => {
  tail = tail.then(() => (m.type === 'init' ? init(p, m) : call(m)));
});
// An error outside a call (e.g. the device lost) must not leave the training thread waiting forever.
if (isNode()) {
  const proc = (globalThis as unknown as { process: { on(e: string, f: (err: unknown) => void): void } }).process;
  proc.on('uncaughtException', (e) => signal(FAILED, `the WebGPU worker failed: ${e instanceof Error ? e.message : String(e)}`));
  proc.on('unhandledRejection', (e) => signal(FAILED, `the WebGPU worker failed: ${e instanceof Error ? e.message : String(e)}`));
}
