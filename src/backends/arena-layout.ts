// Where a call's operands go in a shared arena (a SharedArrayBuffer that a worker
// thread reads), for the backends whose kernels run in other threads (threads/,
// webgpu/): inputs are copied in before the call, outputs copied out after it.
export class ArenaLayout {
  /** floats used so far */
  size = 0;
  private readonly ins: { src: Float32Array; off: number; n: number }[] = [];
  private readonly outs: { dst: Float32Array; off: number; n: number }[] = [];

  /** `align`: every operand starts at a multiple of this many floats. */
  constructor(private readonly align = 1) {}

  /** Room for n floats (scratch); returns its offset. */
  place(n: number): number {
    const off = this.size;
    this.size = Math.ceil((this.size + n) / this.align) * this.align;
    return off;
  }
  /** An input: its first n floats are copied in. */
  in(src: Float32Array, n: number): number {
    const off = this.place(n);
    this.ins.push({ src, off, n });
    return off;
  }
  /** An output: n floats copied out into dst after the call. */
  out(dst: Float32Array, n: number): number {
    const off = this.place(n);
    this.outs.push({ dst, off, n });
    return off;
  }
  /** Both: copied in, updated, copied back. */
  inout(x: Float32Array, n: number): number {
    const off = this.in(x, n);
    this.outs.push({ dst: x, off, n });
    return off;
  }
  copyIn(arena: Float32Array): void {
    for (const { src, off, n } of this.ins) arena.set(n === src.length ? src : src.subarray(0, n), off);
  }
  copyOut(arena: Float32Array): void {
    for (const { dst, off, n } of this.outs) dst.set(arena.subarray(off, off + n));
  }
}
