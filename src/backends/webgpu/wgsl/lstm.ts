// The element-wise parts of one LSTM layer over a chunk (the matrix products run
// in the matmul kernel), the math of src/backends/cpu/lstm.ts, gate order i,f,g,o.
//
// State buffers hold T+1 blocks of [B,H]: block 0 is the incoming state (h0 or
// c0), block t+1 is the state after step t. So step t reads block t and writes
// block t+1 of the same buffer, with no special case for t = 0, and dW_hh needs
// one matmul over blocks 0..T-1.
//
// Each kernel runs one thread per (b, j) (or per column j) over a 1-d range,
// laid out on a 2-d grid of 64-thread workgroups when it exceeds 65535 groups.

export const ELEMENTWISE_WORKGROUP = 64;

const COMMON = /* wgsl */ `
struct StepParams {
  B: u32, H: u32, t: u32, n: u32,
}

fn sigmoid(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}

// tanh without overflow: built-in tanh may return NaN for large |x| on some drivers.
fn tanh_safe(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  let t = (1.0 - e) / (1.0 + e);
  return select(t, -t, x < 0.0);
}

fn thread_index(wg: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>) -> u32 {
  return (wg.y * nwg.x + wg.x) * 64u + lid.x;
}
`;

/**
 * Forward step t. On entry gates[t] holds x_t·W_ihᵀ + h_{t-1}·W_hhᵀ (the two
 * matmuls); this adds both biases, applies the nonlinearities (gates[t] then holds
 * the activated i,f,g,o, saved for backward) and writes c_t, h_t into block t+1.
 */
export const LSTM_GATES_WGSL = COMMON + /* wgsl */ `
@group(0) @binding(0) var<uniform> p: StepParams;
@group(0) @binding(1) var<storage, read_write> gates: array<f32>;
@group(0) @binding(2) var<storage, read_write> cs: array<f32>;
@group(0) @binding(3) var<storage, read_write> hs: array<f32>;
@group(0) @binding(4) var<storage, read> bih: array<f32>;
@group(0) @binding(5) var<storage, read> bhh: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let idx = thread_index(wg, nwg, lid);
  if (idx >= p.n) { return; }
  let H = p.H;
  let b = idx / H;
  let j = idx % H;
  let zb = (p.t * p.B + b) * 4u * H;
  let i = sigmoid(gates[zb + j] + (bih[j] + bhh[j]));
  let f = sigmoid(gates[zb + H + j] + (bih[H + j] + bhh[H + j]));
  let g = tanh_safe(gates[zb + 2u * H + j] + (bih[2u * H + j] + bhh[2u * H + j]));
  let o = sigmoid(gates[zb + 3u * H + j] + (bih[3u * H + j] + bhh[3u * H + j]));
  gates[zb + j] = i;
  gates[zb + H + j] = f;
  gates[zb + 2u * H + j] = g;
  gates[zb + 3u * H + j] = o;
  let prev = p.t * p.B * H + b * H + j;
  let next = prev + p.B * H;
  let c = f * cs[prev] + i * g;
  cs[next] = c;
  hs[next] = o * tanh_safe(c);
}
`;

/**
 * Backward step t: from the gradient reaching h_t (dhs[t] + dhNext, the part
 * through step t+1) and c_t (dcNext), the gradient at the pre-activations
 * dZ[t]; dcNext becomes the gradient reaching c_{t-1}. dhNext is then replaced by
 * dZ[t]·W_hh (the matmul that follows).
 */
export const LSTM_CELL_BACKWARD_WGSL = COMMON + /* wgsl */ `
@group(0) @binding(0) var<uniform> p: StepParams;
@group(0) @binding(1) var<storage, read> gates: array<f32>;
@group(0) @binding(2) var<storage, read> cs: array<f32>;
@group(0) @binding(3) var<storage, read> dhs: array<f32>;
@group(0) @binding(4) var<storage, read> dhNext: array<f32>;
@group(0) @binding(5) var<storage, read_write> dcNext: array<f32>;
@group(0) @binding(6) var<storage, read_write> dZ: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let idx = thread_index(wg, nwg, lid);
  if (idx >= p.n) { return; }
  let H = p.H;
  let b = idx / H;
  let j = idx % H;
  let zb = (p.t * p.B + b) * 4u * H;
  let i = gates[zb + j];
  let f = gates[zb + H + j];
  let g = gates[zb + 2u * H + j];
  let o = gates[zb + 3u * H + j];
  let prev = p.t * p.B * H + b * H + j;
  let c = cs[prev + p.B * H];
  let tc = tanh_safe(c);
  let sb = b * H + j;
  let dh = dhs[prev] + dhNext[sb];
  let dc = dcNext[sb] + dh * o * (1.0 - tc * tc);
  dZ[zb + j] = dc * g * i * (1.0 - i);
  dZ[zb + H + j] = dc * cs[prev] * f * (1.0 - f);
  dZ[zb + 2u * H + j] = dc * i * (1.0 - g * g);
  dZ[zb + 3u * H + j] = dh * tc * o * (1.0 - o);
  dcNext[sb] = dc * f;
}
`;

/**
 * The bias gradients: column sums of dZ [rows, G], added into dbih and/or dbhh
 * (flags bit 0: dbih, bit 1: dbhh). One thread per column.
 */
export const COLUMN_SUM_WGSL = /* wgsl */ `
struct SumParams {
  rows: u32, cols: u32, flags: u32, pad: u32,
}
@group(0) @binding(0) var<uniform> p: SumParams;
@group(0) @binding(1) var<storage, read> dZ: array<f32>;
@group(0) @binding(2) var<storage, read_write> dbih: array<f32>;
@group(0) @binding(3) var<storage, read_write> dbhh: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let j = (wg.y * nwg.x + wg.x) * 64u + lid.x;
  if (j >= p.cols) { return; }
  var s = 0.0;
  for (var r = 0u; r < p.rows; r++) { s += dZ[r * p.cols + j]; }
  if ((p.flags & 1u) != 0u) { dbih[j] = dbih[j] + s; }
  if ((p.flags & 2u) != 0u) { dbhh[j] = dbhh[j] + s; }
}
`;
