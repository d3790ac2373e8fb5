// Register-only loops of f32x4 multiply-adds, fused (relaxed_madd) or not (mul then
// add), for bench/fma-peak.ts: the latency and the throughput of the two forms on
// this CPU, apart from the product kernel's loads, packing and loop.
import { buildModule, Code, I32, V128, type FunctionDef } from '../../src/backends/wasm/wasm-builder.js';

/** Rounds of every chain per loop trip. */
export const UNROLL = 8;

/** `K` chains acc_i = acc_i·m + c, UNROLL rounds per loop trip; returns the lanes' sum (kept live). */
export function chainKernel(k: number, fused: boolean): Code {
  const code = new Code([I32]);
  const trips = 0;
  const m = code.local(V128), c = code.local(V128);
  const acc = Array.from({ length: k }, () => code.local(V128));
  code.f32x4Const(0.9999).set(m).f32x4Const(1e-4).set(c);
  for (let i = 0; i < k; i++) code.f32x4Const(i * 0.01).set(acc[i]!);
  code.block().loop().get(trips).eqz().brIf(1);
  for (let u = 0; u < UNROLL; u++) {
    for (let i = 0; i < k; i++) {
      code.mulAdd(fused, () => code.get(acc[i]!), () => code.get(m), () => code.get(c)).set(acc[i]!);
    }
  }
  code.get(trips).i32(1).sub().set(trips).br(0).end().end();
  return sumAndStore(code, acc);
}

/** Where a kernel leaves its accumulators' sum: above the data it reads. */
export const OUT = 60000;

/** Adds the accumulators and stores the sum at OUT, so no chain is dead code. */
function sumAndStore(code: Code, acc: number[]): Code {
  code.i32(OUT).get(acc[0]!);
  for (const x of acc.slice(1)) code.get(x).f32x4Add();
  return code.v128Store(0);
}

/**
 * One module holding the unfused and (unless `withFused` is false: engines without
 * relaxed SIMD) the fused build of a kernel, on its own 64 KiB memory filled with
 * small values; each export takes the loop's trip count and leaves the
 * accumulators' sum (four lanes) at byte OUT.
 */
export function instantiate(make: (fused: boolean) => Code, withFused = true): { fused?: (trips: number) => void; plain: (trips: number) => void; memory: WebAssembly.Memory } {
  const memory = new WebAssembly.Memory({ initial: 1 });
  new Float32Array(memory.buffer).forEach((_, i, arr) => { arr[i] = Math.sin(i) * 0.01; });
  const fns: FunctionDef[] = [{ name: 'plain', params: [I32], results: [], code: make(false) }];
  if (withFused) fns.push({ name: 'fused', params: [I32], results: [], code: make(true) });
  const bytes = buildModule({ module: 'env', field: 'mem', min: 1 }, fns);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: memory } });
  const ex = inst.exports as Record<string, (n: number) => void>;
  return { fused: ex.fused, plain: ex.plain!, memory };
}
