// A minimal WebAssembly module builder: just enough of the binary format
// (https://webassembly.github.io/spec/core/binary/) to emit the SIMD kernels of
// this backend from TypeScript, so the repository holds no binary blob and
// needs no toolchain. Every byte written is named here.
//
// What it supports: function types over i32/f32/f64/v128, one imported memory
// (optionally shared), functions with typed locals, exports, and the opcodes the
// kernels use (control flow, i32 arithmetic, f32 and v128 loads/stores, and the
// 0xFD-prefixed SIMD instructions for f32x4 and the few i32x4 ones that build
// powers of two for exp, and f32x4.relaxed_madd of the relaxed-SIMD proposal).

/** Value types (binary encoding). */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** Unsigned LEB128: 7 bits per byte, high bit set on all but the last. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32.const immediates): stop when the rest is all sign bits. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** A name: its UTF-8 length then bytes. */
function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

/** A section: id, byte length, contents. */
function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** A vector: element count, then the elements' bytes. */
function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/**
 * The body of one function: a list of instructions appended by the methods below,
 * each named like the instruction it emits. Locals are numbered parameters first.
 */
export class Code {
  readonly bytes: number[] = [];
  /** Declared locals beyond the parameters, in order. */
  readonly locals: ValType[] = [];
  constructor(readonly params: readonly ValType[]) {}

  /** Declares a new local of type `t`; returns its index. */
  local(t: ValType): number {
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }

  private op(...b: number[]): this {
    for (const x of b) this.bytes.push(x);
    return this;
  }
  /** 0xFD prefix + LEB128 sub-opcode: every SIMD instruction. */
  private simd(sub: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(sub), ...imm);
  }
  /** memarg: alignment exponent and byte offset. */
  private mem(align: number, offset: number): number[] {
    return [...uleb(align), ...uleb(offset)];
  }

  // -- control
  /** block with no result (0x40): `br` to it jumps to its end. */
  block(): this { return this.op(0x02, 0x40); }
  /** loop with no result: `br` to it jumps back to its start. */
  loop(): this { return this.op(0x03, 0x40); }
  if(): this { return this.op(0x04, 0x40); }
  else(): this { return this.op(0x05); }
  end(): this { return this.op(0x0b); }
  br(depth: number): this { return this.op(0x0c, ...uleb(depth)); }
  brIf(depth: number): this { return this.op(0x0d, ...uleb(depth)); }
  return(): this { return this.op(0x0f); }
  drop(): this { return this.op(0x1a); }

  // -- locals
  get(i: number): this { return this.op(0x20, ...uleb(i)); }
  set(i: number): this { return this.op(0x21, ...uleb(i)); }
  tee(i: number): this { return this.op(0x22, ...uleb(i)); }

  // -- i32
  i32(n: number): this { return this.op(0x41, ...sleb(n)); }
  eqz(): this { return this.op(0x45); }
  ltU(): this { return this.op(0x49); }
  geU(): this { return this.op(0x4f); }
  add(): this { return this.op(0x6a); }
  sub(): this { return this.op(0x6b); }
  mul(): this { return this.op(0x6c); }
  and(): this { return this.op(0x71); }
  shl(): this { return this.op(0x74); }

  // -- f32 scalar memory (align 2 = 4 bytes)
  f32Load(offset = 0): this { return this.op(0x2a, ...this.mem(2, offset)); }
  f64Load(offset = 0): this { return this.op(0x2b, ...this.mem(3, offset)); }
  f64Store(offset = 0): this { return this.op(0x39, ...this.mem(3, offset)); }
  f64Sub(): this { return this.op(0xa1); }
  f64Mul(): this { return this.op(0xa2); }
  f32Store(offset = 0): this { return this.op(0x38, ...this.mem(2, offset)); }
  f32Add(): this { return this.op(0x92); }
  f32Mul(): this { return this.op(0x94); }
  f32Const0(): this { return this.op(0x43, 0, 0, 0, 0); }

  // -- SIMD (align 4 = 16 bytes for v128; the address need not be aligned, the hint is)
  v128Load(offset = 0): this { return this.simd(0x00, ...this.mem(4, offset)); }
  /** Loads one f32 and broadcasts it to all four lanes. */
  v128Load32Splat(offset = 0): this { return this.simd(0x09, ...this.mem(2, offset)); }
  v128Store(offset = 0): this { return this.simd(0x0b, ...this.mem(4, offset)); }
  /** v128.const of sixteen zero bytes. */
  v128Zero(): this { return this.simd(0x0c, ...new Array<number>(16).fill(0)); }
  /**
   * i8x16.shuffle on two vectors, written here with f32 lane indices: result lane i
   * is lane lanes[i] of the concatenation (first operand lanes 0–3, second 4–7).
   */
  shuffle32(lanes: readonly [number, number, number, number]): this {
    const bytes: number[] = [];
    for (const l of lanes) bytes.push(4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3);
    return this.simd(0x0d, ...bytes);
  }
  /** v128.const with the float32 `v` in all four lanes (little-endian bytes). */
  f32x4Const(v: number): this {
    const b = new Uint8Array(new Float32Array([v, v, v, v]).buffer);
    return this.simd(0x0c, ...b);
  }
  /** v128.const with the int32 `v` in all four lanes. */
  i32x4Const(v: number): this {
    const b = new Uint8Array(new Int32Array([v, v, v, v]).buffer);
    return this.simd(0x0c, ...b);
  }
  /** (a, b, mask) → bits of a where mask is 1, of b where it is 0. */
  v128Bitselect(): this { return this.simd(0x52); }
  f32x4Splat(): this { return this.simd(0x13); }
  f32x4Lt(): this { return this.simd(0x43); }
  /** round to nearest, ties to even */
  f32x4Nearest(): this { return this.simd(0x6a); }
  f32x4Abs(): this { return this.simd(0xe0); }
  f32x4Neg(): this { return this.simd(0xe1); }
  f32x4Add(): this { return this.simd(0xe4); }
  f32x4Sub(): this { return this.simd(0xe5); }
  f32x4Mul(): this { return this.simd(0xe6); }
  f32x4Div(): this { return this.simd(0xe7); }
  f32x4Min(): this { return this.simd(0xe8); }
  f32x4Max(): this { return this.simd(0xe9); }
  f64x2Splat(): this { return this.simd(0x14); }
  /** the two low f32 lanes widened to f64 (exactly) */
  f64x2PromoteLowF32x4(): this { return this.simd(0x5f); }
  /** the two f64 lanes rounded to f32 (to nearest, ties to even) in lanes 0, 1; lanes 2, 3 zero */
  f32x4DemoteF64x2Zero(): this { return this.simd(0x5e); }
  f64x2Sqrt(): this { return this.simd(0xef); }
  f64x2Add(): this { return this.simd(0xf0); }
  f64x2Sub(): this { return this.simd(0xf1); }
  f64x2Mul(): this { return this.simd(0xf2); }
  f64x2Div(): this { return this.simd(0xf3); }
  /** (v128, i32 shift) → each lane shifted left */
  i32x4Shl(): this { return this.simd(0xab); }
  i32x4Add(): this { return this.simd(0xae); }
  /** i32x4.trunc_sat_f32x4_s: float lanes to int lanes, toward zero, saturating */
  i32x4TruncSatF32x4S(): this { return this.simd(0xf8); }
  /**
   * f32x4.relaxed_madd (relaxed SIMD, sub-opcode 0x105): (a, b, c) → a·b + c, rounded
   * once where the hardware fuses (FMA), or twice (as mul then add) where it does
   * not: the engine picks one per machine, so the bits depend on the machine.
   */
  f32x4RelaxedMadd(): this { return this.simd(0x105); }
  /**
   * a·b + c, each operand pushed by its callback: relaxed_madd when `fused`; else
   * f32x4.mul then f32x4.add, a·b rounded to float32 before the sum (the
   * baseline-SIMD kernels' arithmetic, bit for bit: float addition commutes exactly).
   */
  mulAdd(fused: boolean, a: () => void, b: () => void, c: () => void): this {
    a();
    b();
    if (fused) {
      c();
      return this.f32x4RelaxedMadd();
    }
    this.f32x4Mul();
    c();
    return this.f32x4Add();
  }
}

export interface FunctionDef {
  name: string;
  params: ValType[];
  results: ValType[];
  code: Code;
}

export interface MemoryImport {
  module: string;
  field: string;
  /** initial size in 64 KiB pages */
  min: number;
  /** maximum pages (required when shared) */
  max?: number;
  shared?: boolean;
}

/**
 * Assembles a module: one imported memory and exported functions.
 * Each function gets its own type entry (duplicates are harmless).
 */
export function buildModule(memory: MemoryImport, fns: FunctionDef[]): Uint8Array<ArrayBuffer> {
  const magic = [0x00, 0x61, 0x73, 0x6d]; // "\0asm"
  const version = [0x01, 0x00, 0x00, 0x00];
  // type section: 0x60 = func type, then params and results
  const types = section(1, vec(fns.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))])));
  // import section: memory (kind 0x02) with limits: 0x00 min | 0x01 min max | 0x03 shared min max
  const limits = memory.shared
    ? [0x03, ...uleb(memory.min), ...uleb(memory.max!)]
    : memory.max !== undefined ? [0x01, ...uleb(memory.min), ...uleb(memory.max)] : [0x00, ...uleb(memory.min)];
  const imports = section(2, vec([[...name(memory.module), ...name(memory.field), 0x02, ...limits]]));
  // function section: the type index of each function
  const funcs = section(3, vec(fns.map((_, i) => uleb(i))));
  // export section: kind 0x00 = function
  const exports = section(7, vec(fns.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])));
  // code section: per body its size, locals as (count, type) runs, instructions, end
  const bodies = fns.map((f) => {
    const runs: number[][] = [];
    for (const t of f.code.locals) {
      const last = runs[runs.length - 1];
      if (last && last[1] === t) last[0]! += 1;
      else runs.push([1, t]);
    }
    const body = [...vec(runs.map(([n, t]) => [...uleb(n!), t!])), ...f.code.bytes, 0x0b];
    return [...uleb(body.length), ...body];
  });
  const code = section(10, vec(bodies));
  return new Uint8Array([...magic, ...version, ...types, ...imports, ...funcs, ...exports, ...code]);
}

/** Whether this engine accepts a module whose one function is `probe`. */
function validates(probe: Code): boolean {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') return false;
  const bytes = buildModule({ module: 'env', field: 'mem', min: 1 }, [{ name: 'probe', params: [], results: [], code: probe }]);
  try {
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

/** Whether this engine accepts 128-bit SIMD: validates a tiny function using v128. */
export function simdSupported(): boolean {
  return validates(new Code([]).v128Zero().v128Zero().f32x4Add().drop());
}

/**
 * Whether this engine accepts relaxed SIMD's f32x4.relaxed_madd (Node 22 and later;
 * Node 20 with --experimental-wasm-relaxed-simd).
 */
export function relaxedSimdSupported(): boolean {
  return validates(new Code([]).v128Zero().v128Zero().v128Zero().f32x4RelaxedMadd().drop());
}
