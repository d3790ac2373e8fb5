// The two element types of the engine: float32 for training, float64 for
// gradient checking (and for users who want it).
/** float32 for training, float64 for gradient checks. */
export type DType = 'float32' | 'float64';
/** The storage of a tensor of either dtype. */
export type FloatArray = Float32Array | Float64Array;

export function allocate(dtype: DType, size: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

/**
 * A zeroed array of `size` elements on a SharedArrayBuffer, which worker threads
 * can read and write (src/backends/threads); an ordinary one where the platform
 * has no SharedArrayBuffer (a web page that is not cross-origin isolated).
 */
export function allocateShared(dtype: DType, size: number): FloatArray {
  if (typeof SharedArrayBuffer === 'undefined') return allocate(dtype, size);
  const bytes = size * (dtype === 'float64' ? 8 : 4);
  const buf = new SharedArrayBuffer(bytes);
  return dtype === 'float64' ? new Float64Array(buf) : new Float32Array(buf);
}

/** Whether every given array (null: absent, ignored) is float32: what the float32-only kernel paths accept. */
export function allFloat32(...arrays: (FloatArray | null)[]): boolean {
  return arrays.every((a) => a === null || a instanceof Float32Array);
}

export function dtypeOf(a: FloatArray): DType {
  return a instanceof Float64Array ? 'float64' : 'float32';
}
