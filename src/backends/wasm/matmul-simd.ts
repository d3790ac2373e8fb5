// The WebAssembly SIMD matrix product (float32), emitted by ./wasm-builder.ts.
//
// Work split between TypeScript and WebAssembly:
// - TypeScript (this file) owns the module's memory and lays the operands out in it.
//   op(A) is packed into panels of MR rows, k-major within each depth block of KC
//   (element (r, k) at k·MR + r), so the kernel reads MR consecutive floats per k.
//   op(B) is packed into panels of 8 columns, k-major within each depth block
//   (element (k, c) at k·8 + c): B is first copied in as row-major [K, N] (a plain
//   memcpy when it is not transposed) and the wasm `packB` rearranges it. Reading
//   B in place instead, with a row stride of N floats, is much slower: for N = 1024
//   every row of a panel maps to the same L1 cache set (4 KiB stride).
//   C is a row-major [Mpad, Npad] buffer (Npad a multiple of 8) copied back by rows.
// - The wasm `kernel` computes C[rows, cols] (+)= Ap·Bp for one depth block, tile by
//   tile. A tile is MR rows × 8 columns held in 2·MR f32x4 accumulators; per k it
//   does 2 v128 loads of B, MR broadcast loads of A (v128.load32_splat) and 2·MR
//   multiply-adds: f32x4 mul then add in baseline wasm SIMD, or f32x4.relaxed_madd
//   (relaxed SIMD: one fused instruction where the hardware has FMA) in the fused
//   variant (./variant.ts), whose module shares the memory and the packers. 4×8 uses
//   11 of the 16 xmm registers; 5×8 and 6×8 measured no faster at the LSTM's shapes.
// - The last column panel holds up to 7 columns past N (copied from the next row of
//   B, or from slack past its end); they only reach padding columns of C, which are
//   never copied back.
//
// Sums are float32 (as XNNPACK's and tfjs' kernels): each product is rounded to
// float32 before it is added (fused: not rounded), so the result differs from the
// double-accumulating TypeScript kernels by a few float32 ulps of Σ|a||b|.
//
// Nothing is allocated per call once the memory has grown to the largest problem.
import { buildModule, Code, I32, V128, type ValType } from './wasm-builder.js';

/** Rows of the register tile. */
export const MR = 4;
/** Columns of the register tile: two f32x4 vectors. */
export const NR = 8;
/** Depth of one block: one B panel (KC·8 floats = 8 KiB) stays in L1 across the A panels. */
const KC = 256;
/** Rows per block: MC·KC floats of A (64 KiB) stay in L2 across the B panels. */
const MC = 16 * MR;

/**
 * Emits `kernel(pa, pb, pc, kc, ldc, nA, nB, add)`: for every A panel ib < nA and
 * B panel jb < nB, the MR×8 tile of C at pc + ib·MR·ldc + jb·32 (bytes) gets
 * (add ? itself : 0) + Σ_{k<kc} Ap[ib][k, r] · Bp[jb][k, c], where Ap[ib] starts at
 * pa + ib·kc·MR·4 and Bp[jb] at pb + jb·kc·32. ldc is C's row stride in bytes.
 * `fused`: each multiply-add is one relaxed_madd.
 */
export function emitKernel(mr: number, fused = false): Code {
  const P = { pa: 0, pb: 1, pc: 2, kc: 3, ldc: 4, nA: 5, nB: 6, add: 7 };
  const c = new Code([I32, I32, I32, I32, I32, I32, I32, I32]);
  const jb = c.local(I32), ib = c.local(I32), k = c.local(I32);
  const ap = c.local(I32), bp = c.local(I32), cp = c.local(I32), row = c.local(I32), bPanel = c.local(I32);
  const acc: number[] = [];
  for (let i = 0; i < 2 * mr; i++) acc.push(c.local(V128)); // acc[2r + h]: row r, columns 4h..4h+3
  const av = c.local(V128), b0 = c.local(V128), b1 = c.local(V128);

  c.i32(0).set(jb);
  c.block().loop(); // for (jb = 0; jb < nB; jb++)
  c.get(jb).get(P.nB).geU().brIf(1);
  // bPanel = pb + jb·kc·32: this column panel of B
  c.get(P.pb).get(jb).get(P.kc).mul().i32(5).shl().add().set(bPanel);
  c.i32(0).set(ib);
  c.block().loop(); //   for (ib = 0; ib < nA; ib++)
  c.get(ib).get(P.nA).geU().brIf(1);
  // cp = pc + ib·MR·ldc + jb·32: the tile's first row in C
  c.get(P.pc).get(ib).i32(mr).mul().get(P.ldc).mul().add().get(jb).i32(5).shl().add().set(cp);
  // accumulators: C's current tile when adding, zero otherwise
  c.get(P.add).if();
  c.get(cp).set(row);
  for (let r = 0; r < mr; r++) {
    c.get(row).v128Load(0).set(acc[2 * r]!);
    c.get(row).v128Load(16).set(acc[2 * r + 1]!);
    if (r < mr - 1) c.get(row).get(P.ldc).add().set(row);
  }
  c.else();
  for (let i = 0; i < 2 * mr; i++) c.v128Zero().set(acc[i]!);
  c.end();
  // ap = pa + ib·kc·MR·4
  c.get(P.pa).get(ib).get(P.kc).mul().i32(mr * 4).mul().add().set(ap);
  c.get(bPanel).set(bp);
  c.get(P.kc).set(k);
  c.loop(); // do { … } while (--k): the caller guarantees kc ≥ 1
  c.get(bp).v128Load(0).set(b0);
  c.get(bp).v128Load(16).set(b1);
  for (let r = 0; r < mr; r++) {
    c.get(ap).v128Load32Splat(4 * r).set(av);
    for (const [h, b] of [[0, b0], [1, b1]] as const) {
      const x = acc[2 * r + h]!;
      c.mulAdd(fused, () => c.get(av), () => c.get(b), () => c.get(x)).set(x);
    }
  }
  c.get(ap).i32(mr * 4).add().set(ap);
  c.get(bp).i32(32).add().set(bp);
  c.get(k).i32(1).sub().tee(k).brIf(0);
  c.end();
  // store the tile
  c.get(cp).set(row);
  for (let r = 0; r < mr; r++) {
    c.get(row).get(acc[2 * r]!).v128Store(0);
    c.get(row).get(acc[2 * r + 1]!).v128Store(16);
    if (r < mr - 1) c.get(row).get(P.ldc).add().set(row);
  }
  c.get(ib).i32(1).add().set(ib).br(0);
  c.end().end();
  c.get(jb).i32(1).add().set(jb).br(0);
  c.end().end();
  return c;
}

/**
 * Emits `pack{w}(src, dst, kc, nP, lds, pstride)`, the packing of an operand stored
 * depth-major (row k of the stored matrix is depth k: B not transposed, or A
 * transposed): for each panel p < nP, copies the w floats at src + k·lds + p·4w
 * (bytes) for k < kc to dst + p·pstride + k·4w: w/4 v128 loads and stores per k.
 * (pstride > kc·4w when a depth block is packed a slab of rows at a time.)
 */
export function emitPack(w: 4 | 8): Code {
  const P = { src: 0, dst: 1, kc: 2, nP: 3, lds: 4, pstride: 5 };
  const c = new Code([I32, I32, I32, I32, I32, I32]);
  const p = c.local(I32), k = c.local(I32), s = c.local(I32), d = c.local(I32);
  c.i32(0).set(p);
  c.block().loop(); // for (p = 0; p < nP; p++)
  c.get(p).get(P.nP).geU().brIf(1);
  c.get(P.dst).get(p).get(P.pstride).mul().add().set(d);
  c.get(P.src).get(p).i32(4 * w).mul().add().set(s);
  c.get(P.kc).set(k);
  c.loop(); // do { copy one w-float piece } while (--k)
  for (let v = 0; v < w / 4; v++) c.get(d).get(s).v128Load(16 * v).v128Store(16 * v);
  c.get(d).i32(4 * w).add().set(d);
  c.get(s).get(P.lds).add().set(s);
  c.get(k).i32(1).sub().tee(k).brIf(0);
  c.end();
  c.get(p).i32(1).add().set(p).br(0);
  c.end().end();
  return c;
}

/**
 * Emits `pack{w}T(src, dst, kc, nP, ldk)`, the packing of an operand stored with depth
 * along its rows (B transposed, or A not transposed): for each panel p < nP and
 * k < kc, dst gets the w floats at src + (w·p + i)·ldk + 4k (bytes), i < w, panel
 * after panel. Four k at a time it loads 4 floats from each of the w rows and
 * transposes w/4 blocks of 4×4 with shuffles; the last kc mod 4 go float by float.
 */
export function emitPackT(w: 4 | 8): Code {
  const P = { src: 0, dst: 1, kc: 2, nP: 3, ldk: 4 };
  const c = new Code([I32, I32, I32, I32, I32]);
  const p = c.local(I32), k = c.local(I32), s = c.local(I32), d = c.local(I32), rp = c.local(I32);
  const r: number[] = [];
  for (let i = 0; i < w; i++) r.push(c.local(V128));
  const t: number[] = [];
  for (let i = 0; i < 4; i++) t.push(c.local(V128));
  c.i32(0).set(p);
  c.get(P.dst).set(d);
  c.block().loop(); // for (p = 0; p < nP; p++)
  c.get(p).get(P.nP).geU().brIf(1);
  // s = src + w·p·ldk: the panel's first row
  c.get(P.src).get(p).i32(w).mul().get(P.ldk).mul().add().set(s);
  c.get(P.kc).set(k);
  c.block().loop(); //   while (k >= 4)
  c.get(k).i32(4).ltU().brIf(1);
  c.get(s).set(rp);
  for (let i = 0; i < w; i++) {
    c.get(rp).v128Load(0).set(r[i]!); // r[i] = row w·p+i, depths k..k+3
    if (i < w - 1) c.get(rp).get(P.ldk).add().set(rp);
  }
  // 4×4 transposes: rows 4h..4h+3 give lanes 4h..4h+3 of the panel's rows at k..k+3
  for (let h = 0; h < w / 4; h++) {
    const [x0, x1, x2, x3] = [r[4 * h]!, r[4 * h + 1]!, r[4 * h + 2]!, r[4 * h + 3]!];
    c.get(x0).get(x1).shuffle32([0, 4, 1, 5]).set(t[0]!); // x0[0] x1[0] x0[1] x1[1]
    c.get(x2).get(x3).shuffle32([0, 4, 1, 5]).set(t[1]!); // x2[0] x3[0] x2[1] x3[1]
    c.get(x0).get(x1).shuffle32([2, 6, 3, 7]).set(t[2]!); // x0[2] x1[2] x0[3] x1[3]
    c.get(x2).get(x3).shuffle32([2, 6, 3, 7]).set(t[3]!); // x2[2] x3[2] x2[3] x3[3]
    // depth k+q, lanes 4h..4h+3, lands at d + q·4w + 16h (bytes)
    c.get(d).get(t[0]!).get(t[1]!).shuffle32([0, 1, 4, 5]).v128Store(16 * h);
    c.get(d).get(t[0]!).get(t[1]!).shuffle32([2, 3, 6, 7]).v128Store(4 * w + 16 * h);
    c.get(d).get(t[2]!).get(t[3]!).shuffle32([0, 1, 4, 5]).v128Store(8 * w + 16 * h);
    c.get(d).get(t[2]!).get(t[3]!).shuffle32([2, 3, 6, 7]).v128Store(12 * w + 16 * h);
  }
  c.get(d).i32(16 * w).add().set(d);
  c.get(s).i32(16).add().set(s);
  c.get(k).i32(4).sub().set(k);
  c.br(0);
  c.end().end();
  c.block().loop(); //   while (k > 0): one depth at a time
  c.get(k).eqz().brIf(1);
  c.get(s).set(rp);
  for (let i = 0; i < w; i++) {
    c.get(d).get(rp).f32Load(0).f32Store(4 * i);
    if (i < w - 1) c.get(rp).get(P.ldk).add().set(rp);
  }
  c.get(d).i32(4 * w).add().set(d);
  c.get(s).i32(4).add().set(s);
  c.get(k).i32(1).sub().set(k);
  c.br(0);
  c.end().end();
  c.get(p).i32(1).add().set(p).br(0);
  c.end().end();
  return c;
}

type KernelFn = (pa: number, pb: number, pc: number, kc: number, ldc: number, nA: number, nB: number, add: number) => void;
type PackFn = (src: number, dst: number, kc: number, nP: number, lds: number, pstride: number) => void;
type PackTFn = (src: number, dst: number, kc: number, nP: number, ldk: number) => void;

interface Instance {
  memory: WebAssembly.Memory;
  kernel: KernelFn;
  /** the fused kernel, from a second module on the same memory (instantiated when first used) */
  kernelFused: KernelFn | null;
  /** pack[w][transposing]: the four packing functions (w 4 for A, 8 for B) */
  pack4: PackFn;
  pack4T: PackTFn;
  pack8: PackFn;
  pack8T: PackTFn;
  /** A float32 view of the whole memory (renewed after each grow). */
  f32: Float32Array;
}

let instance: Instance | null = null;

const KERNEL_PARAMS: ValType[] = [I32, I32, I32, I32, I32, I32, I32, I32];

/** The module's bytes (exported for tests and for anyone curious). */
export function matmulModuleBytes(mr = MR): Uint8Array<ArrayBuffer> {
  return buildModule({ module: 'env', field: 'mem', min: 1 }, [
    { name: 'kernel', params: KERNEL_PARAMS, results: [], code: emitKernel(mr) },
    { name: 'pack4', params: [I32, I32, I32, I32, I32, I32], results: [], code: emitPack(4) },
    { name: 'pack4T', params: [I32, I32, I32, I32, I32], results: [], code: emitPackT(4) },
    { name: 'pack8', params: [I32, I32, I32, I32, I32, I32], results: [], code: emitPack(8) },
    { name: 'pack8T', params: [I32, I32, I32, I32, I32], results: [], code: emitPackT(8) },
  ]);
}

/** The fused kernel's module: the kernel alone, on the same memory as the packers (needs relaxed SIMD). */
export function matmulFusedModuleBytes(mr = MR): Uint8Array<ArrayBuffer> {
  return buildModule({ module: 'env', field: 'mem', min: 1 }, [{ name: 'kernel', params: KERNEL_PARAMS, results: [], code: emitKernel(mr, true) }]);
}

/** The kernel of the variant: the fused one is instantiated the first time it is asked for. */
function kernelOf(inst: Instance, fused: boolean): KernelFn {
  if (!fused) return inst.kernel;
  if (!inst.kernelFused) {
    const mod = new WebAssembly.Module(matmulFusedModuleBytes());
    inst.kernelFused = new WebAssembly.Instance(mod, { env: { mem: inst.memory } }).exports.kernel as KernelFn;
  }
  return inst.kernelFused;
}

function getInstance(): Instance {
  if (instance) return instance;
  const memory = new WebAssembly.Memory({ initial: 16 });
  const mod = new WebAssembly.Module(matmulModuleBytes());
  const ex = new WebAssembly.Instance(mod, { env: { mem: memory } }).exports;
  instance = {
    memory,
    kernel: ex.kernel as KernelFn,
    kernelFused: null,
    pack4: ex.pack4 as PackFn,
    pack4T: ex.pack4T as PackTFn,
    pack8: ex.pack8 as PackFn,
    pack8T: ex.pack8T as PackTFn,
    f32: new Float32Array(memory.buffer),
  };
  return instance;
}

/** Makes the memory at least `floats` floats long; returns the (possibly new) float32 view. */
function ensureFloats(inst: Instance, floats: number): Float32Array {
  const bytes = floats * 4;
  const have = inst.memory.buffer.byteLength;
  if (have < bytes) inst.memory.grow(Math.ceil((bytes - have) / 65536));
  if (inst.f32.buffer !== inst.memory.buffer) inst.f32 = new Float32Array(inst.memory.buffer);
  return inst.f32;
}

const align16 = (n: number) => (n + 15) & ~15; // in floats: 64-byte alignment
const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

/** Floats per slab when a depth-major operand is copied in: 64 KiB, so the copy stays in L2 for the packer. */
const SLAB = 16384;

// Packing. op(X), of depth K and width L (op(A)ᵀ: L = M, panels of W = MR; op(B):
// L = N, W = NR), is packed one depth block (p0..p0+kc) at a time into panels of W
// lanes: panel p at dst + p·kc·W, element (k, lane) at + k·W + lane. The wasm
// packers read a copy of x in the module's memory, at float offset `raw`:
// - x stored depth-major ([K, L]: B, or A transposed) is copied a slab of rows at
//   a time, each packed while it is in cache;
// - x stored [L, K] (B transposed, or A) is copied whole once (copyRowMajor), as
//   a block's rows are not contiguous in it, and each block is packed from there.

/** Copies `rows` rows of `len` floats, `ld` apart in x from row `r0`, to mem at `dst` back to back. */
function copyRows(mem: Float32Array, x: Float32Array, r0: number, rows: number, len: number, ld: number, dst: number): void {
  if (ld === len) {
    mem.set(x.subarray(r0 * ld, r0 * ld + rows * len), dst);
    return;
  }
  for (let r = 0; r < rows; r++) mem.set(x.subarray((r0 + r) * ld, (r0 + r) * ld + len), dst + r * len);
}

/**
 * Packs depth block p0..p0+kc of a depth-major x [K, L] (rows ld apart) at dst, through slabs at raw.
 * Rows further apart than L (a thread's block of columns) are copied with what lies
 * between them when that is at most 256 floats a row: one copy instead of one per row
 * (each makes a view and a call, which cost about as much as copying 1 KiB more),
 * packed with the stride. Longer gaps are skipped row by row.
 */
function packBlockDepthMajor(inst: Instance, x: Float32Array, L: number, ld: number, W: 4 | 8, p0: number, kc: number, raw: number, dst: number): void {
  const Lpad = roundUp(L, W);
  const span = ld - L <= 256 ? ld : L; // floats per row in the slab
  const rowsPerSlab = Math.max(1, Math.floor(SLAB / span));
  const mem = ensureFloats(inst, Math.max(raw + Math.min(kc, rowsPerSlab) * span + W, dst + kc * Lpad));
  const pack = W === 4 ? inst.pack4 : inst.pack8;
  for (let r0 = 0; r0 < kc; r0 += rowsPerSlab) {
    const rows = Math.min(rowsPerSlab, kc - r0);
    const first = (p0 + r0) * ld, end = (rows - 1) * span + L; // the slab's used floats
    if (span === ld) mem.set(x.subarray(first, first + end), raw);
    else copyRows(mem, x, p0 + r0, rows, L, ld, raw);
    mem.fill(0, raw + end, raw + end + W); // the last panel reads up to W−1 floats past the slab
    pack(raw * 4, (dst + r0 * W) * 4, rows, Lpad / W, span * 4, kc * W * 4);
  }
}

/** Copies x stored [L, K] (rows ld apart) to raw as [Lpad, K], the padding rows zeroed (the last panel reads them). */
function copyRowMajor(inst: Instance, x: Float32Array, K: number, L: number, ld: number, W: 4 | 8, raw: number): void {
  const mem = ensureFloats(inst, raw + roundUp(L, W) * K);
  copyRows(mem, x, 0, L, K, ld, raw);
  mem.fill(0, raw + K * L, raw + roundUp(L, W) * K);
}

/** Packs depth block p0..p0+kc from the [Lpad, K] copy at raw (see copyRowMajor) at dst. */
function packBlockRowMajor(inst: Instance, K: number, L: number, W: 4 | 8, p0: number, kc: number, raw: number, dst: number): void {
  const Lpad = roundUp(L, W);
  ensureFloats(inst, dst + kc * Lpad);
  (W === 4 ? inst.pack4T : inst.pack8T)((raw + p0) * 4, dst * 4, kc, Lpad / W, K * 4);
}

/** Packs all of op(X) (x's rows ld apart): depth block p0 at packed + p0·Lpad. */
function loadPanels(inst: Instance, x: Float32Array, K: number, L: number, ld: number, W: 4 | 8, depthMajor: boolean, raw: number, packed: number): void {
  const Lpad = roundUp(L, W);
  if (!depthMajor) copyRowMajor(inst, x, K, L, ld, W, raw);
  for (let p0 = 0; p0 < K; p0 += KC) {
    const kc = Math.min(KC, K - p0);
    if (depthMajor) packBlockDepthMajor(inst, x, L, ld, W, p0, kc, raw, packed + p0 * Lpad);
    else packBlockRowMajor(inst, K, L, W, p0, kc, raw, packed + p0 * Lpad);
  }
}

// The memory holds, from offset 0: the pinned, packed B (see simdPinB) in
// `pinCapacity` floats, then the scratch of one call.
let pinCapacity = 0;
let pinK = -1;
let pinN = -1;

/** First float of the per-call scratch: past the pinned B (a caller's own layout may start there; pin first: pinning may move it). */
export function scratchBase(): number {
  return align16(pinCapacity);
}

/** Where one product keeps its operands in the memory (floats): packed B's block, packed A, C, A's and B's copies. */
export interface Layout {
  offB: number;
  offA: number;
  offC: number;
  rawA: number;
  rawB: number;
}

/** The layout of a product whose scratch starts at offA: C after packed A, both copies after C (A is packed before B is copied). */
function layoutAfter(offB: number, offA: number, M: number, K: number, N: number): Layout {
  const offC = align16(offA + roundUp(M, MR) * K);
  const raw = align16(offC + roundUp(M, MR) * roundUp(N, NR));
  return { offB, offA, offC, rawA: raw, rawB: raw };
}

/**
 * The blocked product. op(A) is packed whole at `offA` (Mpad·K floats), C sits
 * after it ([Mpad, Npad]), raw copies after C. With `b` given, op(B) is packed one
 * depth block at a time into `offB` (KC·Npad floats) just before the kernel uses
 * it, so a large B goes through memory once (as the copy) and is packed and used
 * from cache; with b null, all of op(B) is already packed at offB (pinned).
 */
function run(inst: Instance, a: Float32Array | null, b: Float32Array | null, c: Float32Array | null, M: number, K: number, N: number, transA: boolean, transB: boolean, accumulate: boolean, at: Layout, ld: Strides, fused: boolean): void {
  const Mpad = roundUp(M, MR);
  const Npad = roundUp(N, NR);
  const { offB, offA, offC, rawA, rawB } = at;
  ensureFloats(inst, Math.max(offC + Mpad * Npad, rawA));
  // op(A)ᵀ is [K, M]: A stored [K, M] (transA) is depth-major; a null: already copied in at rawA
  if (a) loadPanels(inst, a, K, M, ld.a, MR, transA, rawA, offA);
  else for (let p0 = 0; p0 < K; p0 += KC) packBlockRowMajor(inst, K, M, MR, p0, Math.min(KC, K - p0), rawA, offA + p0 * Mpad);
  // then rawB holds B's copy (when B is stored transposed)
  if (b && transB) copyRowMajor(inst, b, K, N, ld.b, NR, rawB);
  if (accumulate && c) {
    const mem = inst.f32;
    if (Npad === N && ld.c === N) mem.set(c.subarray(0, M * N), offC);
    else for (let i = 0; i < M; i++) mem.set(c.subarray(i * ld.c, i * ld.c + N), offC + i * Npad);
  }

  const kernel = kernelOf(inst, fused);
  const ldc = Npad * 4;
  for (let p0 = 0; p0 < K; p0 += KC) {
    const kc = Math.min(KC, K - p0);
    let pb = offB + p0 * Npad;
    if (b) {
      pb = offB;
      if (transB) packBlockRowMajor(inst, K, N, NR, p0, kc, rawB, offB);
      else packBlockDepthMajor(inst, b, N, ld.b, NR, p0, kc, rawB, offB);
    }
    // the first depth block overwrites C (unless accumulating), later ones add
    const add = accumulate || p0 > 0 ? 1 : 0;
    for (let i0 = 0; i0 < Mpad; i0 += MC) {
      const mc = Math.min(MC, Mpad - i0);
      const pa = (offA + p0 * Mpad + i0 * kc) * 4;
      kernel(pa, pb * 4, (offC + i0 * Npad) * 4, kc, ldc, mc / MR, Npad / NR, add);
    }
  }

  const mem = inst.f32;
  if (!c) return; // the result stays in the memory at offC
  if (Npad === N && ld.c === N) c.set(mem.subarray(offC, offC + M * N));
  else for (let i = 0; i < M; i++) c.set(mem.subarray(offC + i * Npad, offC + i * Npad + N), i * ld.c);
}

function zeroK(c: Float32Array, M: number, N: number, ldc: number, accumulate: boolean): void {
  if (accumulate) return;
  if (ldc === N) c.fill(0, 0, M * N);
  else for (let i = 0; i < M; i++) c.fill(0, i * ldc, i * ldc + N);
}

/**
 * Row strides (leading dimensions, in floats) of the stored A, B and C, as BLAS's
 * lda/ldb/ldc: a block of a larger matrix is passed as a subarray starting at its
 * first element with the larger matrix's row length. The threaded backend splits
 * one product into such blocks (src/backends/threads).
 */
export interface Strides {
  a: number;
  b: number;
  c: number;
}

/** The strides of operands stored without gaps. */
export function denseStrides(M: number, K: number, N: number, transA: boolean, transB: boolean): Strides {
  return { a: transA ? M : K, b: transB ? K : N, c: N };
}

/**
 * C = op(A)·op(B) (C += … when accumulate) on float32 arrays, with the same
 * conventions as matmulTs. Requires simdAvailable(); `fused` (relaxed_madd)
 * requires fmaAvailable() (both in ./variant.ts).
 */
export function matmulSimd(a: Float32Array, b: Float32Array, c: Float32Array, M: number, K: number, N: number, transA: boolean, transB: boolean, accumulate: boolean, fused = false): void {
  matmulSimdStrided(a, b, c, M, K, N, transA, transB, accumulate, denseStrides(M, K, N, transA, transB), fused);
}

/** matmulSimd on blocks of larger matrices: rows of A, B and C are `ld` floats apart. */
export function matmulSimdStrided(a: Float32Array, b: Float32Array, c: Float32Array, M: number, K: number, N: number, transA: boolean, transB: boolean, accumulate: boolean, ld: Strides, fused = false): void {
  if (M === 0 || N === 0) return;
  if (K === 0) return zeroK(c, M, N, ld.c, accumulate);
  // scratch layout (floats): [one packed depth block of B: KC·Npad][packed A][C][raw copies]
  const offB = scratchBase();
  const offA = align16(offB + Math.min(K, KC) * roundUp(N, NR));
  run(getInstance(), a, b, c, M, K, N, transA, transB, accumulate, layoutAfter(offB, offA, M, K, N), ld, fused);
}

/**
 * Copies and packs op(B) [K,N] into the module's memory once, for a series of
 * products with the same right operand (an LSTM's W_hh over the steps of a chunk):
 * matmulSimdPinned then skips copying and packing B on every call.
 * One B is pinned at a time; pinning another replaces it. The pinned copy is a
 * snapshot: later changes to `b` are not seen.
 */
export function simdPinB(b: Float32Array, K: number, N: number, transB: boolean): void {
  const inst = getInstance();
  const packedLen = K * roundUp(N, NR);
  if (pinCapacity < packedLen) pinCapacity = packedLen;
  loadPanels(inst, b, K, N, transB ? K : N, NR, !transB, scratchBase(), 0);
  pinK = K;
  pinN = N;
}

/** C (+)= op(A)·B_pinned, with A [M,K] (stored [K,M] when transA) and the pinned B [K,N]. */
export function matmulSimdPinned(a: Float32Array, c: Float32Array, M: number, transA: boolean, accumulate: boolean, fused = false): void {
  if (pinK < 0) throw new Error('matmulSimdPinned: no B is pinned (call simdPinB first)');
  const K = pinK, N = pinN;
  if (M === 0 || N === 0) return;
  if (K === 0) return zeroK(c, M, N, N, accumulate);
  run(getInstance(), a, null, c, M, K, N, transA, false, accumulate, layoutAfter(0, scratchBase(), M, K, N), denseStrides(M, K, N, transA, false), fused);
}

/** The module's memory grown to at least `floats` floats, and its float32 view (valid until it grows again). */
export function simdMemory(floats: number): { memory: WebAssembly.Memory; f32: Float32Array } {
  const inst = getInstance();
  return { memory: inst.memory, f32: ensureFloats(inst, floats) };
}

/**
 * C (+)= A·op(B) on operands that stay in the memory (for kernels working there
 * between products, ./lstm-chunk-simd.ts): A row-major [roundUp(M, MR), K] at
 * at.rawA, its padding rows zero; C [roundUp(M, MR), roundUp(N, NR)] at at.offC,
 * left there. b null: the pinned B, [K, N]; else b is copied to at.rawB and packed
 * a depth block at a time at at.offB. Size the memory for the layout first
 * (simdMemory), so that no view of it is detached here.
 */
export function matmulSimdInMemory(b: Float32Array | null, M: number, K: number, N: number, transB: boolean, accumulate: boolean, at: Layout, fused: boolean): void {
  if (!b && (K !== pinK || N !== pinN)) throw new Error('matmulSimdInMemory: not the pinned B\'s shape');
  if (M === 0 || K === 0 || N === 0) throw new Error('matmulSimdInMemory: an empty product');
  run(getInstance(), null, b, null, M, K, N, false, transB, accumulate, at, denseStrides(M, K, N, false, transB), fused);
}
