// The LSTM gate nonlinearities in WebAssembly SIMD (f32x4), emitted by
// ./wasm-builder.ts: four hidden units per instruction where the TypeScript loops
// (src/backends/cpu/lstm.ts gateStep / gateBackStep) call Math.exp and Math.tanh
// once per unit and gate.
//
// Forward, per row r and hidden unit j (z: the row's 4H pre-activations, i f g o):
//   i, f, o = σ(z_i), σ(z_f), σ(z_o);  g = tanh(z_g)
//   c = f·c_prev + i·g;   h = o·tanh(c)
// Backward, from the saved activated gates (dh = dhs + dhNext):
//   tc = tanh(c);  dc = dcNext + dh·o·(1 − tc²)
//   dz_i = dc·g·i(1−i);  dz_f = dc·c_prev·f(1−f);  dz_g = dc·i(1−g²);  dz_o = dh·tc·o(1−o)
//   dcNext ← dc·f
//
// exp and tanh are Cephes' single-precision ones (expf, tanhf: about 1–2 float32
// ulps), in float32 arithmetic as torch's vectorised CPU kernels are; the
// TypeScript loops compute in doubles and round once, so the two paths differ by a
// few float32 ulps (the tests bound it). exp: clamp x to [−87.3, 88.3], n =
// round(x·log2 e), r = x − n·ln 2 (in two parts, Cody–Waite), a degree-5
// polynomial for e^r on [−ln2/2, ln2/2], times 2^n built in the exponent bits.
// tanh: an odd polynomial below |x| = 0.625, 1 − 2/(e^{2|x|} + 1) above, sign restored.
// The fused variant (./variant.ts) evaluates the polynomials' steps and the cell
// update's multiply-adds with relaxed_madd (one rounding each); the rest is the same.
//
// The operands are copied into this module's own memory, rows × H (H a multiple
// of 4), and the results copied back: a few µs per step against the ~0.5 ms the
// scalar loops take at B 32, H 256.
import { buildModule, Code, I32, V128 } from './wasm-builder.js';
import { simdAvailable } from './variant.js';

/** Nothing to push: the operand is already on the stack. */
const onStack = (): void => {};

/** Emits code leaving exp(x) (f32x4) in `out`; `t` are three scratch v128 locals; `fused`: relaxed_madd. */
function emitExp(c: Code, x: number, out: number, t: [number, number, number], fused: boolean): void {
  const [xc, fx, r] = t;
  c.get(x).f32x4Const(88.3762626647949).f32x4Min().f32x4Const(-87.3365478515625).f32x4Max().set(xc);
  c.get(xc).f32x4Const(1.44269504088896341).f32x4Mul().f32x4Nearest().set(fx);
  // r = x − fx·C1 − fx·C2, C1 + C2 = ln 2 with C1 exact in few bits
  c.get(xc).get(fx).f32x4Const(0.693359375).f32x4Mul().f32x4Sub().get(fx).f32x4Const(-2.12194440e-4).f32x4Mul().f32x4Sub().set(r);
  // y = ((((p0 r + p1) r + p2) r + p3) r + p4) r + p5, then y·r² + r + 1
  c.mulAdd(fused, () => c.f32x4Const(1.9875691500e-4), () => c.get(r), () => c.f32x4Const(1.3981999507e-3));
  for (const p of [8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1]) c.mulAdd(fused, onStack, () => c.get(r), () => c.f32x4Const(p));
  c.mulAdd(fused, onStack, () => c.get(r).get(r).f32x4Mul(), () => c.get(r)).f32x4Const(1).f32x4Add().set(out);
  // × 2^n: (n + 127) << 23 is 2^n's bit pattern
  c.get(out).get(fx).i32x4TruncSatF32x4S().i32x4Const(127).i32x4Add().i32(23).i32x4Shl().f32x4Mul().set(out);
}

/** Emits σ(x) = 1 / (1 + e^{−x}) into `out`. */
function emitSigmoid(c: Code, x: number, out: number, t: [number, number, number, number], fused: boolean): void {
  c.get(x).f32x4Neg().set(t[3]);
  emitExp(c, t[3], out, [t[0], t[1], t[2]], fused);
  c.f32x4Const(1).f32x4Const(1).get(out).f32x4Add().f32x4Div().set(out);
}

/** Emits tanh(x) into `out`; t: five scratch v128 locals. */
function emitTanh(c: Code, x: number, out: number, t: [number, number, number, number, number], fused: boolean): void {
  const [a, e, z] = [t[3], t[4], t[2]];
  c.get(x).f32x4Abs().set(a);
  // large |x|: 1 − 2/(e^{2|x|} + 1), with x's sign
  c.get(a).get(a).f32x4Add().set(z);
  emitExp(c, z, e, [t[0], t[1], t[2]], fused);
  c.f32x4Const(1).f32x4Const(2).get(e).f32x4Const(1).f32x4Add().f32x4Div().f32x4Sub().set(e);
  c.get(e).f32x4Neg().get(e).get(x).v128Zero().f32x4Lt().v128Bitselect().set(e);
  // small |x|: x + x·z·P(z), z = x²
  c.get(x).get(x).f32x4Mul().set(z);
  c.mulAdd(fused, () => c.f32x4Const(-5.70498872745e-3), () => c.get(z), () => c.f32x4Const(2.06390887954e-2));
  for (const p of [-5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1]) c.mulAdd(fused, onStack, () => c.get(z), () => c.f32x4Const(p));
  c.get(z).f32x4Mul();
  c.mulAdd(fused, onStack, () => c.get(x), () => c.get(x));
  // select: the polynomial where |x| < 0.625
  c.get(e).get(a).f32x4Const(0.625).f32x4Lt().v128Bitselect().set(out);
}

/**
 * Emits `for (row = 0; row < rows; row++) for (j = 0; j < hb; j += 16) body()`: every
 * row, four hidden units (16 bytes) at a time. `rows` is a parameter, `hb` H in bytes.
 */
function emitRowsByFourUnits(c: Code, rows: number, hb: number, row: number, j: number, body: () => void): void {
  c.i32(0).set(row);
  c.block().loop();
  c.get(row).get(rows).geU().brIf(1);
  c.i32(0).set(j);
  c.block().loop();
  c.get(j).get(hb).geU().brIf(1);
  body();
  c.get(j).i32(16).add().set(j).br(0);
  c.end().end();
  c.get(row).i32(1).add().set(row).br(0);
  c.end().end();
}

/** Emits loads of the four gate vectors of one unit group: at `base`, base + hb, + 2hb, + 3hb (hb: H in bytes). */
function emitLoadGates(c: Code, base: number, hb: number, into: readonly [number, number, number, number]): void {
  into.forEach((v, q) => {
    c.get(base);
    if (q > 0) c.get(hb).i32(q).mul().add();
    c.v128Load(0).set(v);
  });
}

/**
 * `gatesForward(z, cp, cOut, hOut, rows, H)` (byte addresses, rows of 4H / H floats):
 * z becomes the activated gates; c and h are written.
 */
export function emitGatesForward(fused = false): Code {
  const P = { z: 0, cp: 1, c: 2, h: 3, rows: 4, H: 5 };
  const c = new Code([I32, I32, I32, I32, I32, I32]);
  const row = c.local(I32), j = c.local(I32), hb = c.local(I32);
  const zp = c.local(I32), sp = c.local(I32);
  const v = (): number => c.local(V128);
  const zi = v(), zf = v(), zg = v(), zo = v(), ig = v(), fg = v(), gg = v(), og = v(), cv = v();
  const t: [number, number, number, number, number] = [v(), v(), v(), v(), v()];
  const t4: [number, number, number, number] = [t[0], t[1], t[2], t[3]];
  c.get(P.H).i32(2).shl().set(hb); // H in bytes
  emitRowsByFourUnits(c, P.rows, hb, row, j, () => {
    // zp: this row's z at unit j; sp: this row's state at unit j (byte offsets)
    c.get(P.z).get(row).get(hb).i32(2).shl().mul().add().get(j).add().set(zp);
    c.get(row).get(hb).mul().get(j).add().set(sp);
    emitLoadGates(c, zp, hb, [zi, zf, zg, zo]);
    emitSigmoid(c, zi, ig, t4, fused);
    emitSigmoid(c, zf, fg, t4, fused);
    emitTanh(c, zg, gg, t, fused);
    emitSigmoid(c, zo, og, t4, fused);
    [ig, fg, gg, og].forEach((v, q) => {
      c.get(zp);
      if (q > 0) c.get(hb).i32(q).mul().add();
      c.get(v).v128Store(0);
    });
    // c = f·c_prev + i·g; h = o·tanh(c)
    c.mulAdd(fused, () => c.get(fg), () => c.get(P.cp).get(sp).add().v128Load(0), () => c.get(ig).get(gg).f32x4Mul()).set(cv);
    c.get(P.c).get(sp).add().get(cv).v128Store(0);
    emitTanh(c, cv, zi, t, fused);
    c.get(P.h).get(sp).add().get(og).get(zi).f32x4Mul().v128Store(0);
  });
  return c;
}

/**
 * `gatesBackward(gates, cs, cp, dhs, dh, dc, dz, rows, H)`: from the activated gates,
 * c_t and c_{t−1}, the gradient at h_t (dhs + dh), and dc (in: dcNext, out: dc·f),
 * writes dz (rows of 4H).
 */
export function emitGatesBackward(fused = false): Code {
  const P = { gates: 0, cs: 1, cp: 2, dhs: 3, dh: 4, dc: 5, dz: 6, rows: 7, H: 8 };
  const c = new Code([I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const row = c.local(I32), j = c.local(I32), hb = c.local(I32), zp = c.local(I32), sp = c.local(I32), dp = c.local(I32);
  const v = (): number => c.local(V128);
  const ig = v(), fg = v(), gg = v(), og = v(), tc = v(), dh = v(), dc = v(), cv = v();
  const t: [number, number, number, number, number] = [v(), v(), v(), v(), v()];
  const one = v();
  c.f32x4Const(1).set(one);
  c.get(P.H).i32(2).shl().set(hb);
  emitRowsByFourUnits(c, P.rows, hb, row, j, () => {
    // zp: offset of this row's unit j in the [rows, 4H] arrays; sp: in the [rows, H] ones
    c.get(row).get(hb).i32(2).shl().mul().get(j).add().set(zp);
    c.get(row).get(hb).mul().get(j).add().set(sp);
    c.get(P.gates).get(zp).add().set(dp);
    emitLoadGates(c, dp, hb, [ig, fg, gg, og]);
    c.get(P.cs).get(sp).add().v128Load(0).set(cv);
    emitTanh(c, cv, tc, t, fused);
    c.get(P.dhs).get(sp).add().v128Load(0).get(P.dh).get(sp).add().v128Load(0).f32x4Add().set(dh);
    // dc = dcNext + dh·o·(1 − tc²)
    c.mulAdd(fused, () => c.get(dh).get(og).f32x4Mul(), () => c.get(one).get(tc).get(tc).f32x4Mul().f32x4Sub(), () => c.get(P.dc).get(sp).add().v128Load(0)).set(dc);
    c.get(P.dz).get(zp).add().set(dp);
    // dz_i = dc·g·i(1−i)
    c.get(dp).get(dc).get(gg).f32x4Mul().get(ig).get(one).get(ig).f32x4Sub().f32x4Mul().f32x4Mul().v128Store(0);
    // dz_f = dc·c_prev·f(1−f)
    c.get(dp).get(hb).add().get(dc).get(P.cp).get(sp).add().v128Load(0).f32x4Mul().get(fg).get(one).get(fg).f32x4Sub().f32x4Mul().f32x4Mul().v128Store(0);
    // dz_g = dc·i(1−g²)
    c.get(dp).get(hb).get(hb).add().add().get(dc).get(ig).f32x4Mul().get(one).get(gg).get(gg).f32x4Mul().f32x4Sub().f32x4Mul().v128Store(0);
    // dz_o = dh·tc·o(1−o)
    c.get(dp).get(hb).i32(3).mul().add().get(dh).get(tc).f32x4Mul().get(og).get(one).get(og).f32x4Sub().f32x4Mul().f32x4Mul().v128Store(0);
    // dcNext ← dc·f
    c.get(P.dc).get(sp).add().get(dc).get(fg).f32x4Mul().v128Store(0);
  });
  return c;
}

/** The module's bytes; `fused`: the relaxed-SIMD variant (needs relaxed SIMD to validate). */
export function gatesModuleBytes(fused = false): Uint8Array<ArrayBuffer> {
  return buildModule({ module: 'env', field: 'mem', min: 1 }, [
    { name: 'gatesForward', params: [I32, I32, I32, I32, I32, I32], results: [], code: emitGatesForward(fused) },
    { name: 'gatesBackward', params: [I32, I32, I32, I32, I32, I32, I32, I32, I32], results: [], code: emitGatesBackward(fused) },
  ]);
}

type ForwardFn = (z: number, cp: number, c: number, h: number, rows: number, H: number) => void;
type BackwardFn = (gates: number, cs: number, cp: number, dhs: number, dh: number, dc: number, dz: number, rows: number, H: number) => void;

interface GatesInstance {
  memory: WebAssembly.Memory;
  f32: Float32Array;
  forward: ForwardFn;
  backward: BackwardFn;
}

/** One instance per variant (index: fused), each with its own memory. */
const instances: [GatesInstance | null, GatesInstance | null] = [null, null];

/** The compiled gate module of each variant (index: fused), compiled once whatever memories it runs on. */
const modules: [WebAssembly.Module | null, WebAssembly.Module | null] = [null, null];

function instantiate(memory: WebAssembly.Memory, fused: boolean): GatesInstance {
  const module = (modules[fused ? 1 : 0] ??= new WebAssembly.Module(gatesModuleBytes(fused)));
  const ex = new WebAssembly.Instance(module, { env: { mem: memory } }).exports;
  return { memory, f32: new Float32Array(memory.buffer), forward: ex.gatesForward as ForwardFn, backward: ex.gatesBackward as BackwardFn };
}

function getInstance(fused: boolean): GatesInstance {
  return (instances[fused ? 1 : 0] ??= instantiate(new WebAssembly.Memory({ initial: 1 }), fused));
}

/** The gate kernels on another module's memory (the product's: ./lstm-chunk-simd.ts), one instance per memory and variant. */
const onMemory = new WeakMap<WebAssembly.Memory, [GatesInstance | null, GatesInstance | null]>();

export function gatesOn(memory: WebAssembly.Memory, fused: boolean): { forward: ForwardFn; backward: BackwardFn } {
  let pair = onMemory.get(memory);
  if (!pair) onMemory.set(memory, (pair = [null, null]));
  return (pair[fused ? 1 : 0] ??= instantiate(memory, fused));
}

function ensureFloats(inst: GatesInstance, floats: number): Float32Array {
  const have = inst.memory.buffer.byteLength;
  if (have < floats * 4) inst.memory.grow(Math.ceil((floats * 4 - have) / 65536));
  if (inst.f32.buffer !== inst.memory.buffer) inst.f32 = new Float32Array(inst.memory.buffer);
  return inst.f32;
}

/** Whether the SIMD gate kernels apply: SIMD available, and H a multiple of 4 (whole vectors). */
export function simdGatesFit(H: number): boolean {
  return H % 4 === 0 && simdAvailable();
}

/**
 * The forward gates of `rows` rows, as gateStep: z (rows × 4H at zOff) becomes the
 * activated gates, c_t and h_t (rows × H) are written at `out`; c_{t−1} is read at pOff.
 */
export function gatesForwardSimd(z: Float32Array, zOff: number, cPrev: Float32Array, pOff: number, cs: Float32Array, hs: Float32Array, out: number, rows: number, H: number, fused = false): void {
  const inst = getInstance(fused);
  const nz = rows * 4 * H, ns = rows * H;
  const mem = ensureFloats(inst, nz + 3 * ns);
  const oz = 0, op = nz, oc = nz + ns, oh = nz + 2 * ns;
  mem.set(z.subarray(zOff, zOff + nz), oz);
  mem.set(cPrev.subarray(pOff, pOff + ns), op);
  inst.forward(oz * 4, op * 4, oc * 4, oh * 4, rows, H);
  z.set(mem.subarray(oz, oz + nz), zOff);
  cs.set(mem.subarray(oc, oc + ns), out);
  hs.set(mem.subarray(oh, oh + ns), out);
}

/**
 * The backward gates of rows zRow/B… (t·B + b0 … + rows), as gateBackStep: dZ's rows
 * written, dcNext's rows (at sOff) replaced by dc·f. `row` is the first row of the
 * [T·B, ·] arrays, `pOff` the first float of c_{t−1}'s rows, `sOff` of dhNext/dcNext's.
 */
export function gatesBackwardSimd(row: number, rows: number, H: number, gates: Float32Array, cs: Float32Array, cPrev: Float32Array, pOff: number, dhs: Float32Array, dhNext: Float32Array, dcNext: Float32Array, sOff: number, dZ: Float32Array, fused = false): void {
  const inst = getInstance(fused);
  const nz = rows * 4 * H, ns = rows * H;
  const mem = ensureFloats(inst, 2 * nz + 5 * ns);
  const og = 0, oz = nz, oc = 2 * nz, op = oc + ns, odhs = op + ns, odh = odhs + ns, odc = odh + ns;
  mem.set(gates.subarray(row * 4 * H, row * 4 * H + nz), og);
  mem.set(cs.subarray(row * H, row * H + ns), oc);
  mem.set(cPrev.subarray(pOff, pOff + ns), op);
  mem.set(dhs.subarray(row * H, row * H + ns), odhs);
  mem.set(dhNext.subarray(sOff, sOff + ns), odh);
  mem.set(dcNext.subarray(sOff, sOff + ns), odc);
  inst.backward(og * 4, oc * 4, op * 4, odhs * 4, odh * 4, odc * 4, oz * 4, rows, H);
  dZ.set(mem.subarray(oz, oz + nz), row * 4 * H);
  dcNext.set(mem.subarray(odc, odc + ns), sOff);
}
