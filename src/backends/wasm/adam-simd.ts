// Adam in WebAssembly SIMD, on arrays that live in a WebAssembly memory: a CPU
// backend created with `wasmParams` allocates float32 parameters, their gradients
// and (through the ParamSet) the optimizer's moments there (allocateInArena), so the
// update reads and writes them in place, with no copy in or out. On the AMD EPYC VMs
// it ran at the TypeScript loop's speed (both wait on the double-precision divider:
// two divisions and a square root an element), on an Intel Xeon 1.3–1.9× faster
// (docs/performance.md); the backends do not use it by default, as its arena is never freed.
//
// Bits: ../cpu/adam.ts computes each element in doubles and rounds m, v and p to
// float32 when it stores them. The kernel does the same IEEE operations in the same
// order on f64x2 lanes (promote the float32 inputs, which is exact; multiply, add,
// sqrt and divide, each correctly rounded in both; demote, which rounds to nearest
// even as a Float32Array store does), so it gives the same bits (the test checks it
// against adamCpu). Nothing is fused: WebAssembly has no f64 multiply-add that an
// engine could contract to.
//
// The memory is shared (a SharedArrayBuffer): growing it leaves the views already
// handed out valid, where an ordinary memory's grow would detach them. It is a bump
// arena, never freed: a process allocates its models' parameters once; past
// ARENA_PAGES, or where shared memory is not available (a page that is not
// cross-origin isolated), allocation falls back to ordinary arrays and Adam to the
// TypeScript loop.
import type { AdamArgs } from '../backend.js';
import { adamCpu } from '../cpu/adam.js';
import { buildModule, Code, F64, I32, V128 } from './wasm-builder.js';
import { simdAvailable } from './variant.js';

/** The arena's largest size in 64 KiB pages (256 MiB: ~16 M parameters with their gradients and moments). */
const ARENA_PAGES = 4096;

const P = { p: 0, g: 1, m: 2, v: 3, n: 4, b1: 5, b2: 6, c1: 7, c2: 8, eps: 9, wd: 10, step: 11, sbc2: 12 };

/** Emits `adam(p, g, m, v, n, β1, β2, 1−β1, 1−β2, ε, wd, step, √bc2)` over n elements (a multiple of 4), four at a time. */
export function emitAdam(): Code {
  const c = new Code([I32, I32, I32, I32, I32, F64, F64, F64, F64, F64, F64, F64, F64]);
  const i = c.local(I32);
  const k: Record<'b1' | 'b2' | 'c1' | 'c2' | 'eps' | 'wd' | 'step' | 'sbc2', number> = { b1: 0, b2: 0, c1: 0, c2: 0, eps: 0, wd: 0, step: 0, sbc2: 0 };
  for (const name of Object.keys(k) as (keyof typeof k)[]) {
    k[name] = c.local(V128);
    c.get(P[name]).f64x2Splat().set(k[name]);
  }
  const [pv, gv, mv, vv] = [c.local(V128), c.local(V128), c.local(V128), c.local(V128)];
  const [pd, gd, md, vd, gi, mi, vi] = [c.local(V128), c.local(V128), c.local(V128), c.local(V128), c.local(V128), c.local(V128), c.local(V128)];
  const out = [[c.local(V128), c.local(V128), c.local(V128)], [c.local(V128), c.local(V128), c.local(V128)]] as const; // per half: p, m, v demoted
  const half = (h: 0 | 1) => {
    // lanes 2h, 2h+1 of the loaded vectors, widened
    const widen = (x: number, d: number) => (h === 0 ? c.get(x) : c.get(x).get(x).shuffle32([2, 3, 2, 3])).f64x2PromoteLowF32x4().set(d);
    widen(pv, pd), widen(gv, gd), widen(mv, md), widen(vv, vd);
    const [po, mo, vo] = out[h];
    c.get(gd).get(k.wd).get(pd).f64x2Mul().f64x2Add().set(gi); // g + wd·p
    c.get(k.b1).get(md).f64x2Mul().get(k.c1).get(gi).f64x2Mul().f64x2Add().f32x4DemoteF64x2Zero().tee(mo).f64x2PromoteLowF32x4().set(mi);
    c.get(k.b2).get(vd).f64x2Mul().get(k.c2).get(gi).f64x2Mul().get(gi).f64x2Mul().f64x2Add().f32x4DemoteF64x2Zero().tee(vo).f64x2PromoteLowF32x4().set(vi);
    // p − (step·m) / (√v / √bc2 + ε)
    c.get(pd).get(k.step).get(mi).f64x2Mul().get(vi).f64x2Sqrt().get(k.sbc2).f64x2Div().get(k.eps).f64x2Add().f64x2Div().f64x2Sub().f32x4DemoteF64x2Zero().set(po);
  };
  c.i32(0).set(i);
  c.block().loop(); // for (i = 0; i < n; i += 4)
  c.get(i).get(P.n).geU().brIf(1);
  c.get(P.p).v128Load(0).set(pv);
  c.get(P.g).v128Load(0).set(gv);
  c.get(P.m).v128Load(0).set(mv);
  c.get(P.v).v128Load(0).set(vv);
  half(0), half(1);
  for (const [j, at] of [[0, P.p], [1, P.m], [2, P.v]] as const) c.get(at).get(out[0][j]).get(out[1][j]).shuffle32([0, 1, 4, 5]).v128Store(0);
  for (const at of [P.p, P.g, P.m, P.v]) c.get(at).i32(16).add().set(at);
  c.get(i).i32(4).add().set(i).br(0);
  c.end().end();
  return c;
}

export function adamModuleBytes(): Uint8Array<ArrayBuffer> {
  return buildModule({ module: 'env', field: 'mem', min: 1, max: ARENA_PAGES, shared: true }, [
    { name: 'adam', params: [I32, I32, I32, I32, I32, F64, F64, F64, F64, F64, F64, F64, F64], results: [], code: emitAdam() },
  ]);
}

type AdamFn = (p: number, g: number, m: number, v: number, n: number, b1: number, b2: number, c1: number, c2: number, eps: number, wd: number, step: number, sbc2: number) => void;

interface Arena {
  memory: WebAssembly.Memory;
  adam: AdamFn;
  /** next free byte */
  top: number;
  /** every SharedArrayBuffer object the memory has had (one per grow): the views on them are in the arena */
  buffers: WeakSet<object>;
}

let arena: Arena | null | undefined;

function getArena(): Arena | null {
  if (arena !== undefined) return arena;
  try {
    if (!simdAvailable()) throw new Error('no SIMD');
    const memory = new WebAssembly.Memory({ initial: 1, maximum: ARENA_PAGES, shared: true });
    const adam = new WebAssembly.Instance(new WebAssembly.Module(adamModuleBytes()), { env: { mem: memory } }).exports.adam as AdamFn;
    arena = { memory, adam, top: 0, buffers: new WeakSet([memory.buffer]) };
  } catch {
    arena = null; // no shared memory here (or no SIMD): ordinary arrays, the TypeScript Adam
  }
  return arena;
}

/** A zeroed float32 array of n elements in the arena (64-byte aligned), or null when it does not fit or there is none. */
export function allocateInArena(n: number): Float32Array | null {
  const a = getArena();
  if (!a || n === 0) return null;
  const start = a.top, end = start + ((n * 4 + 63) & ~63);
  const have = a.memory.buffer.byteLength;
  if (end > have) {
    if (end > ARENA_PAGES * 65536) return null;
    a.memory.grow(Math.ceil((end - have) / 65536));
    a.buffers.add(a.memory.buffer);
  }
  a.top = end;
  return new Float32Array(a.memory.buffer, start, n);
}

/** Whether x is a float32 array in the arena. */
function inArena(a: Arena, x: unknown): x is Float32Array {
  return x instanceof Float32Array && a.buffers.has(x.buffer);
}

/** Elements i0..i1 of adamCpu's update in the SIMD kernel when p, g, m and v all live in the arena (else adamCpu). */
export function adamSimd(args: AdamArgs, i0 = 0, i1 = args.p.length): void {
  const a = arena;
  const { p, g, m, v } = args;
  if (!a || !inArena(a, p) || !inArena(a, g) || !inArena(a, m) || !inArena(a, v)) return adamCpu(args, i0, i1);
  const n4 = (i1 - i0) & ~3;
  const { beta1: b1, beta2: b2 } = args;
  const at = (x: Float32Array) => x.byteOffset + i0 * 4;
  if (n4 > 0) a.adam(at(p), at(g), at(m), at(v), n4, b1, b2, 1 - b1, 1 - b2, args.eps, args.weightDecay, args.stepSize, args.sqrtBc2);
  if (i0 + n4 < i1) adamCpu(args, i0 + n4, i1);
}
