// C = op(A)·op(B) (C += … when accumulate) on flat row-major f32 arrays, with
// element offsets into each buffer (so one buffer can hold many matrices, e.g.
// the T time steps of a chunk).
//
// One workgroup computes a TILE_M×TILE_N = 64×64 tile of C with 16×16 threads;
// each thread owns a 4×4 register block at rows ty+16·i, cols tx+16·j (strided,
// so reads of the shared tiles and writes of C are contiguous across threads).
// K is walked in steps of TILE_K = 16: the workgroup stages a 64×16 tile of op(A)
// and a 16×64 tile of op(B) in workgroup memory (2 × 4 KiB), each thread loading
// 4 elements of each, laid out so that consecutive threads read consecutive global
// addresses for every transpose variant. Loads outside [M,K]/[K,N] read 0 and
// stores outside [M,N] are skipped: any shape works, multiples of 64 or not.
//
// The transposes are pipeline-overridable constants (one pipeline per variant,
// compiled once); `accumulate` is a uniform.
export const MATMUL_TILE_M = 64;
export const MATMUL_TILE_N = 64;

export const MATMUL_WGSL = /* wgsl */ `
struct Params {
  M: u32, K: u32, N: u32,
  offA: u32, offB: u32, offC: u32,
  accumulate: u32, pad: u32,
}

override TRANS_A: bool = false;
override TRANS_B: bool = false;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

const TM: u32 = 64u;
const TN: u32 = 64u;
const TK: u32 = 16u;

var<workgroup> As: array<f32, 1024>; // [TK][TM]: As[k*TM + m]
var<workgroup> Bs: array<f32, 1024>; // [TK][TN]: Bs[k*TN + n]

fn loadA(m: u32, k: u32) -> f32 {
  if (m >= p.M || k >= p.K) { return 0.0; }
  if (TRANS_A) { return A[p.offA + k * p.M + m]; }
  return A[p.offA + m * p.K + k];
}

fn loadB(k: u32, n: u32) -> f32 {
  if (k >= p.K || n >= p.N) { return 0.0; }
  if (TRANS_B) { return B[p.offB + n * p.K + k]; }
  return B[p.offB + k * p.N + n];
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let row0 = wg.y * TM;
  let col0 = wg.x * TN;
  var acc: array<f32, 16>;
  for (var i = 0u; i < 16u; i++) { acc[i] = 0.0; }
  for (var k0 = 0u; k0 < p.K; k0 += TK) {
    for (var s = 0u; s < 4u; s++) {
      let e = li + s * 256u;
      var am: u32; var ak: u32;
      if (TRANS_A) { ak = e / TM; am = e % TM; } else { am = e / TK; ak = e % TK; }
      As[ak * TM + am] = loadA(row0 + am, k0 + ak);
      var bk: u32; var bn: u32;
      if (TRANS_B) { bn = e / TK; bk = e % TK; } else { bk = e / TN; bn = e % TN; }
      Bs[bk * TN + bn] = loadB(k0 + bk, col0 + bn);
    }
    workgroupBarrier();
    for (var k = 0u; k < TK; k++) {
      let a0 = As[k * TM + lid.y];
      let a1 = As[k * TM + lid.y + 16u];
      let a2 = As[k * TM + lid.y + 32u];
      let a3 = As[k * TM + lid.y + 48u];
      let b0 = Bs[k * TN + lid.x];
      let b1 = Bs[k * TN + lid.x + 16u];
      let b2 = Bs[k * TN + lid.x + 32u];
      let b3 = Bs[k * TN + lid.x + 48u];
      acc[0] += a0 * b0; acc[1] += a0 * b1; acc[2] += a0 * b2; acc[3] += a0 * b3;
      acc[4] += a1 * b0; acc[5] += a1 * b1; acc[6] += a1 * b2; acc[7] += a1 * b3;
      acc[8] += a2 * b0; acc[9] += a2 * b1; acc[10] += a2 * b2; acc[11] += a2 * b3;
      acc[12] += a3 * b0; acc[13] += a3 * b1; acc[14] += a3 * b2; acc[15] += a3 * b3;
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + lid.y + 16u * i;
    if (r >= p.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let c = col0 + lid.x + 16u * j;
      if (c >= p.N) { continue; }
      let idx = p.offC + r * p.N + c;
      if (p.accumulate != 0u) { C[idx] = C[idx] + acc[i * 4u + j]; } else { C[idx] = acc[i * 4u + j]; }
    }
  }
}
`;
