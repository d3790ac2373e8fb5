// The messages between the training thread and the WebGPU worker (worker.ts).
//
// WebGPU is asynchronous, the Backend interface is not. So the kernels run in a
// worker and the training thread blocks on Atomics.wait until the worker says
// the call is done:
//   1. the training thread copies the inputs into the arena (a SharedArrayBuffer
//      of f32) and posts one message that names the op and where each operand is;
//   2. it waits on `control[STATE]`;
//   3. the worker runs the op, writes the outputs into the arena, sets
//      `control[STATE]` to DONE (or FAILED with the error text in `errorText`) and
//      notifies; the training thread copies the outputs out of the arena.
// A Float32Array in an op is sent as `{ $f: [offset, length] }` (in f32 elements)
// and becomes a view of the arena in the worker.

export const STATE = 0;
export const ERROR_LENGTH = 1;
export const PENDING = 0;
export const DONE = 1;
export const FAILED = 2;
export const CONTROL_INTS = 4;
export const ERROR_BYTES = 16384;

/** Where a Float32Array lives in the arena. */
export interface ArenaRef {
  $f: [number, number];
}

export interface InitMessage {
  type: 'init';
  control: SharedArrayBuffer;
  errorText: SharedArrayBuffer;
  powerPreference?: GPUPowerPreference;
  dawnOptions?: string[];
}

/** The worker's answer to `init` (a plain message: creating the backend is asynchronous anyway). */
/** The device's buffer limits in bytes, so that a run can be refused before it allocates. */
export interface DeviceLimits { maxBufferSize: number; maxStorageBufferBindingSize: number }

export type InitReply = { type: 'ready'; adapterName: string; software: boolean; limits: DeviceLimits } | { type: 'unavailable'; reason: string };

export interface CallMessage {
  type: 'call';
  op: 'matmul' | 'lstmForward' | 'lstmBackward';
  /** the op's arguments, Float32Arrays replaced by ArenaRefs */
  args: unknown;
  /** device copies to free first */
  drops: number[];
  /** a new, larger arena (the old one is no longer used) */
  arena?: SharedArrayBuffer;
}

export function isArenaRef(v: unknown): v is ArenaRef {
  return typeof v === 'object' && v !== null && Array.isArray((v as ArenaRef).$f);
}

/** Replaces every ArenaRef in `v` by a view of `arena`. */
export function resolveArenaRefs(v: unknown, arena: SharedArrayBuffer): unknown {
  if (isArenaRef(v)) return new Float32Array(arena, v.$f[0] * 4, v.$f[1]);
  if (Array.isArray(v)) return v.map((x) => resolveArenaRefs(x, arena));
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = resolveArenaRefs(x, arena);
    return out;
  }
  return v;
}
