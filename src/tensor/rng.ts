// A seeded, platform-independent PRNG. xoshiro128** on 32-bit integers
// (Math.imul and >>> are exact in every JS engine), seeded by splitmix32, so a
// run is reproducible bit for bit. Its whole state is four uint32 words, which
// a checkpoint saves and restores.
/** MurmurHash3's 32-bit finalizer: a bijection of uint32 that mixes every input bit into every output bit. */
export function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The seeded random number generator of every random draw (xoshiro128**); `getState`/`setState` save and restore it. */
export class Rng {
  private s = new Uint32Array(4);
  /** A second normal from the last Box–Muller pair, or NaN when none is held. */
  private spare = NaN;

  constructor(seed = 0) {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      // splitmix32
      x = (x + 0x9e3779b9) >>> 0;
      this.s[i] = fmix32(x);
    }
    if ((this.s[0]! | this.s[1]! | this.s[2]! | this.s[3]!) === 0) this.s[0] = 1;
  }

  /** Next uint32. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [lo, hi). */
  uniformRange(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Integer uniform in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box–Muller; Math.log/cos/sin/sqrt are correctly rounded enough to agree across V8 builds on the same platform). */
  normal(mean = 0, std = 1): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = NaN;
      return mean + std * z;
    }
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** The full state, for a checkpoint. */
  getState(): number[] {
    return [this.s[0]!, this.s[1]!, this.s[2]!, this.s[3]!, this.spare];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 5) throw new Error(`Rng.setState: expected 5 numbers, got ${state.length}`);
    for (let i = 0; i < 4; i++) {
      const w = state[i]!;
      if (!Number.isInteger(w) || w < 0 || w > 0xffffffff) throw new Error(`Rng.setState: word ${i} (${w}) is not a uint32`);
      this.s[i] = w;
    }
    this.spare = state[4] === null ? NaN : Number(state[4]);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
