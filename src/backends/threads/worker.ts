// A pool worker (see ./pool.ts): waits for a job, runs its share, counts itself
// done, and waits again. Errors are reported through the shared error bytes, so
// the main thread, blocked in Atomics.wait, learns of them without an event loop.
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { CTL, CONTROL_INTS, ERROR_BYTES, type BufferMessage, type WorkerInit } from './pool.js';
import { PARAM_DOUBLES, PARAM_INTS, runJob, type JobContext } from './jobs.js';

const init = workerData as WorkerInit;
const ctl = new Int32Array(init.control, 0, CONTROL_INTS);
const errors = new Uint8Array(init.errors, 0, ERROR_BYTES);
const ctx: JobContext = {
  kernels: init.kernels,
  p: new Int32Array(init.control, CTL.PARAMS * 4, PARAM_INTS),
  f: new Float64Array(init.control, CONTROL_INTS * 4, PARAM_DOUBLES),
  buffers: [new Float32Array(0)],
};
let gen = 0;
let seen = 0; // the first job makes SEQ 1

/** Takes the buffers handed out up to `want` from the port (posted before the job was). */
function takeBuffers(want: number): void {
  while (gen !== want) {
    const m = receiveMessageOnPort(init.port);
    if (!m) continue; // posted, not yet visible: spin
    const msg = m.message as BufferMessage;
    gen = msg.gen;
    if (msg.id < 0) ctx.buffers.length = 1; // the registered buffers are forgotten
    else ctx.buffers[msg.id] = new Float32Array(msg.buffer!);
  }
}

for (;;) {
  // Spin a while before sleeping, as OpenMP runtimes do: the next job of a training
  // step usually comes within a few ms, and a sleeping thread (on a virtual machine
  // above all) can take as long to wake.
  let seq = Atomics.load(ctl, CTL.SEQ);
  const until = performance.now() + init.spinMs;
  while (seq === seen && performance.now() < until) {
    for (let i = 0; i < 1000 && seq === seen; i++) seq = Atomics.load(ctl, CTL.SEQ);
  }
  if (seq === seen) {
    Atomics.wait(ctl, CTL.SEQ, seen);
    seq = Atomics.load(ctl, CTL.SEQ);
  }
  if (seq === seen) continue;
  seen = seq;
  try {
    const want = Atomics.load(ctl, CTL.GEN);
    if (want !== gen) takeBuffers(want);
    runJob(Atomics.load(ctl, CTL.KIND), ctx, init.index, init.threads);
  } catch (e) {
    const text = new TextEncoder().encode(`thread ${init.index}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    errors.fill(0);
    errors.set(text.subarray(0, ERROR_BYTES - 1));
    Atomics.store(ctl, CTL.FAILED, 1);
  }
  Atomics.add(ctl, CTL.DONE, 1);
  Atomics.notify(ctl, CTL.DONE);
}
