// Which kernels a CPU backend runs, one of three variants:
//
//   'wasm-simd-fma'  the WebAssembly SIMD kernels with f32x4.relaxed_madd (relaxed
//                    SIMD), where the hardware fuses it: a·b + c rounded once
//   'wasm-simd'      the same kernels with f32x4.mul then f32x4.add (rounded twice)
//   'ts'             plain TypeScript (sums in doubles)
//
// The variants differ in the last bits of float32 results; each is deterministic on
// one machine and with any thread count. 'wasm-simd' gives the same bits on every
// machine and engine; 'wasm-simd-fma' on every machine whose engine fuses (all
// x64 CPUs with FMA3, every ARM64), which is why it is chosen only when a probe
// shows the engine fuses: where relaxed_madd is a mul and an add, it would compute
// exactly what 'wasm-simd' does, under another name.
//
// The default is the fastest variant the engine has (fused: the product runs 1.2×
// faster on an Intel Xeon and an AMD Zen 3, level on Zen 5: docs/performance.md). SYNTHGRAD_SIMD (read when a backend is created, unless its options
// say) forces one: fma, simd, or 0/off for the TypeScript kernels; a variant the
// engine lacks falls back to the next one down (1 and on mean the fastest, as unset).
// config.json records the one used (`kernels`).
import { buildModule, Code, relaxedSimdSupported, simdSupported } from './wasm-builder.js';

export type Kernels = 'wasm-simd-fma' | 'wasm-simd' | 'ts';

let simd: boolean | null = null;
let fma: boolean | null = null;

/** Whether the engine accepts 128-bit SIMD (probed once). */
export function simdAvailable(): boolean {
  if (simd === null) simd = simdSupported();
  return simd;
}

/** Whether the engine has relaxed_madd and it fuses (probed once). */
export function fmaAvailable(): boolean {
  if (fma === null) fma = simdAvailable() && relaxedSimdSupported() && relaxedMaddFuses();
  return fma;
}

/**
 * Runs relaxed_madd on (1 + 2⁻¹³)(1 − 2⁻¹³) − 1: −2⁻²⁶ when fused, 0 when the
 * product is rounded first (1 − 2⁻²⁶ rounds to 1 in float32).
 */
function relaxedMaddFuses(): boolean {
  const c = new Code([]);
  c.i32(48).i32(0).v128Load(0).i32(16).v128Load(0).i32(32).v128Load(0).f32x4RelaxedMadd().v128Store(0);
  try {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const bytes = buildModule({ module: 'env', field: 'mem', min: 1 }, [{ name: 'probe', params: [], results: [], code: c }]);
    const probe = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: memory } }).exports.probe as () => void;
    const f = new Float32Array(memory.buffer, 0, 16);
    const e = 2 ** -13;
    f.set([1 + e, 1 + e, 1 + e, 1 + e, 1 - e, 1 - e, 1 - e, 1 - e, -1, -1, -1, -1]);
    probe();
    return f.subarray(12).every((x) => x === -(e * e));
  } catch {
    return false;
  }
}

/** The variants from fastest down. */
export const KERNELS: readonly Kernels[] = ['wasm-simd-fma', 'wasm-simd', 'ts'];

function has(k: Kernels): boolean {
  return k === 'ts' || (k === 'wasm-simd' ? simdAvailable() : fmaAvailable());
}

/** `wanted`, or the first variant below it that this engine has. */
export function kernelsAvailable(wanted: Kernels): Kernels {
  return KERNELS.slice(KERNELS.indexOf(wanted)).find(has) ?? 'ts';
}

/** The variants this engine has, fastest first ('ts' always). */
export function kernelsHere(): Kernels[] {
  return KERNELS.filter(has);
}

/** What SYNTHGRAD_SIMD asks for (unset or empty: the fastest); a clear error for anything else. */
export function kernelsFromEnv(value = typeof process === 'object' && process.env ? process.env['SYNTHGRAD_SIMD'] : undefined): Kernels {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === 'fma' || v === '1' || v === 'on') return 'wasm-simd-fma';
  if (v === 'simd') return 'wasm-simd';
  if (v === '0' || v === 'off' || v === 'ts') return 'ts';
  throw new Error(`SYNTHGRAD_SIMD="${value}" is not one of fma, simd, 0 (or off): unset it for the fastest kernels this engine has`);
}

/** Whether a variant runs the WebAssembly kernels. */
export const isSimd = (k: Kernels): boolean => k !== 'ts';
/** Whether a variant's WebAssembly kernels fuse multiply-adds. */
export const isFused = (k: Kernels): boolean => k === 'wasm-simd-fma';
