// A·W = C for a symmetric positive definite A by its Cholesky factor L and the two
// triangular solves, in float64 WebAssembly SIMD (two lanes), for the ridge fit's many
// right-hand sides (../cpu/cholesky-solve.ts has the TypeScript loops and the order of
// operations). One kernel serves all three steps.
//
// Bits: the kernel does what the TypeScript loop does to each element — the element,
// less l(k)·(row k)'s element for each k in the same order, each product and
// difference rounded once — on f64x2 lanes, where multiply and subtract are IEEE
// operations exactly as on scalars (nothing is fused), so it gives the same bits.
import { buildModule, Code, I32, V128 } from './wasm-builder.js';
import { simdAvailable } from './variant.js';

const P = { zi: 0, zk: 1, zs: 2, count: 3, lk: 4, ls: 5, n: 6 };

/**
 * Emits `sub(zi, zk, zs, count, lk, ls, n)`: for t = 0..count−1 in order, the n doubles at
 * byte address zi less l_t times the n doubles at zk + t·zs, where l_t is the double at
 * lk + t·ls. Four rows t at a time, the element held in a register between them.
 */
function emitSub(): Code {
  const c = new Code([I32, I32, I32, I32, I32, I32, I32]);
  const [t, j, end, a, b, d, e] = [c.local(I32), c.local(I32), c.local(I32), c.local(I32), c.local(I32), c.local(I32), c.local(I32)];
  const l = [c.local(V128), c.local(V128), c.local(V128), c.local(V128)];
  const v = c.local(V128);
  const rows = [a, b, d, e];
  // end = n·8 rounded down to whole pairs of doubles
  c.get(P.n).i32(-2).and().i32(3).shl().set(end);
  // element j of rows (as scalars) for an odd n's last double
  const scalarTail = (k: number) => {
    c.get(P.n).i32(1).and().if();
    c.get(P.zi).get(end).add();
    c.get(P.zi).get(end).add().f64Load();
    for (let r = 0; r < k; r++) {
      c.get(P.lk).get(t).i32(r).add().get(P.ls).mul().add().f64Load();
      c.get(rows[r]!).get(end).add().f64Load().f64Mul().f64Sub();
    }
    c.f64Store();
    c.end();
  };
  const group = (k: number) => {
    for (let r = 0; r < k; r++) {
      // row address zk + (t + r)·zs and its coefficient, splat
      c.get(P.zk).get(t).i32(r).add().get(P.zs).mul().add().set(rows[r]!);
      c.get(P.lk).get(t).i32(r).add().get(P.ls).mul().add().f64Load().f64x2Splat().set(l[r]!);
    }
    c.i32(0).set(j);
    c.block().loop();
    c.get(j).get(end).geU().brIf(1);
    c.get(P.zi).get(j).add().v128Load().set(v);
    for (let r = 0; r < k; r++) c.get(v).get(l[r]!).get(rows[r]!).get(j).add().v128Load().f64x2Mul().f64x2Sub().set(v);
    c.get(P.zi).get(j).add().get(v).v128Store();
    c.get(j).i32(16).add().set(j);
    c.br(0).end().end();
    scalarTail(k);
  };
  c.i32(0).set(t);
  c.block().loop(); // while (t + 4 <= count)
  c.get(P.count).get(t).i32(4).add().ltU().brIf(1);
  group(4);
  c.get(t).i32(4).add().set(t);
  c.br(0).end().end();
  c.block().loop(); // while (t < count)
  c.get(t).get(P.count).geU().brIf(1);
  group(1);
  c.get(t).i32(1).add().set(t);
  c.br(0).end().end();
  return c;
}

type SubFn = (zi: number, zk: number, zs: number, count: number, lk: number, ls: number, n: number) => void;

let instance: { memory: WebAssembly.Memory; sub: SubFn } | null | undefined;

function getInstance(): { memory: WebAssembly.Memory; sub: SubFn } | null {
  if (instance !== undefined) return instance;
  if (!simdAvailable()) return (instance = null);
  const bytes = buildModule({ module: 'env', field: 'mem', min: 1 }, [{ name: 'sub', params: [I32, I32, I32, I32, I32, I32, I32], results: [], code: emitSub() }]);
  const memory = new WebAssembly.Memory({ initial: 1 });
  const sub = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: memory } }).exports.sub as SubFn;
  return (instance = { memory, sub });
}

/** Right-hand sides solved together: 64 columns of float64 rows (263 KiB at F = 513) stay in L2. */
export const SOLVE_COLUMNS = 64;

/**
 * Z ← A⁻¹·Z in place for a symmetric positive definite A [F, F] given by its lower
 * triangle (row-major; the rest is not read), Z [F, S], by a Cholesky factorisation and the
 * two triangular solves. Returns false (nothing touched) where WebAssembly SIMD is not
 * available. Throws where a pivot is not positive, as ../cpu/cholesky-solve.ts does.
 *
 * The factor is kept as U = Lᵀ (U[k][i] = L[i][k]) so that the factorisation's inner step is
 * the kernel's too: column j of L, L[i][j] = (A[i][j] − Σ_{k<j} L[i][k]·L[j][k]) / L[j][j]
 * for every i > j at once, is row j of U less U[k][j]·(row k of U), k ascending: for each
 * element the same products and differences in the same order as the row-at-a-time loop.
 */
export function solveSpdSimd(A: Float64Array, Z: Float64Array, F: number, S: number): boolean {
  const inst = getInstance();
  if (!inst) return false;
  const bytes = 8 * (F * F + F * S);
  const have = inst.memory.buffer.byteLength;
  if (have < bytes) inst.memory.grow(Math.ceil((bytes - have) / 65536));
  const mem = new Float64Array(inst.memory.buffer);
  // U's row j, from column j of A's lower triangle
  for (let j = 0; j < F; j++) for (let i = j; i < F; i++) mem[j * F + i] = A[i * F + j]!;
  for (let j = 0; j < F; j++) {
    const ljj = choleskyPivot(mem[j * F + j]!, j, (k) => mem[k * F + j]!);
    mem[j * F + j] = ljj;
    const n = F - j - 1;
    if (n === 0) continue;
    if (j > 0) inst.sub(8 * (j * F + j + 1), 8 * (j + 1), 8 * F, j, 8 * j, 8 * F, n);
    for (let i = j + 1; i < F; i++) mem[j * F + i] = mem[j * F + i]! / ljj;
  }
  const z0 = F * F;
  mem.set(Z, z0);
  const zAt = (i: number, j: number) => 8 * (z0 + i * S + j);
  const scale = (i: number, j0: number, j1: number) => {
    const d = 1 / mem[i * F + i]!, o = z0 + i * S;
    for (let j = j0; j < j1; j++) mem[o + j] = mem[o + j]! * d;
  };
  for (let j0 = 0; j0 < S; j0 += SOLVE_COLUMNS) {
    const j1 = Math.min(S, j0 + SOLVE_COLUMNS), n = j1 - j0;
    // L Z = C, top row down: row i less L[i][k]·(row k) for k < i (U[k][i]: a column of U), then over L[i][i]
    for (let i = 0; i < F; i++) {
      if (i > 0) inst.sub(zAt(i, j0), zAt(0, j0), 8 * S, i, 8 * i, 8 * F, n);
      scale(i, j0, j1);
    }
    // Lᵀ W = Z, bottom row up: row i less L[k][i]·(row k) for k > i (U[i][k]: a row of U)
    for (let i = F - 1; i >= 0; i--) {
      if (i < F - 1) inst.sub(zAt(i, j0), zAt(i + 1, j0), 8 * S, F - 1 - i, 8 * (i * F + i + 1), 8, n);
      scale(i, j0, j1);
    }
  }
  Z.set(mem.subarray(z0, z0 + F * S));
  return true;
}

/**
 * L[j][j] = √(A[j][j] − Σ_{k<j} L[j][k]²), k ascending (l(k) = L[j][k]); throws, naming the
 * column, where the difference is not positive. Both implementations' pivot.
 */
export function choleskyPivot(ajj: number, j: number, l: (k: number) => number): number {
  let d = ajj;
  for (let k = 0; k < j; k++) d -= l(k) * l(k);
  if (!(d > 0)) throw new Error(`ridge fit: the regularised matrix is not positive definite at column ${j} (pivot ${d}); raise synthesizer.ridge`);
  return Math.sqrt(d);
}
