// A fused GRU cell, gate order r, z, n as torch.nn.GRU:
//   r = σ(W_ir x + b_ir + W_hr h + b_hr)
//   z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//   h' = (1 − z) ⊙ n + z ⊙ h
import { backend } from '../../backends/backend.js';
import { Tensor } from '../../tensor/tensor.js';
import { fmt, ShapeError } from '../../tensor/shape.js';
import { record1, type Var } from '../variable.js';
import { expectShape, sameDtype } from './check.js';

/** One GRU cell's weights, as torch.nn.GRUCell's (gates r, z, n). */
export interface GruWeights {
  wih: Var; // [3H, D]
  whh: Var; // [3H, H]
  bih: Var; // [3H]
  bhh: Var; // [3H]
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** x [B,D], h [B,H] → h' [B,H]. */
export function gruCell(x: Var, h: Var, w: GruWeights): Var {
  sameDtype('gruCell', x, h, w.wih, w.whh, w.bih, w.bhh);
  if (x.shape.length !== 2 || h.shape.length !== 2 || x.shape[0] !== h.shape[0]) {
    throw new ShapeError(`gruCell: x must be [B,D] and h [B,H] with the same B, got ${fmt(x.shape)} and ${fmt(h.shape)}`);
  }
  const [B, D] = [x.shape[0]!, x.shape[1]!];
  const H = h.shape[1]!;
  expectShape('gruCell', w.wih, [3 * H, D], 'weight_ih');
  expectShape('gruCell', w.whh, [3 * H, H], 'weight_hh');
  expectShape('gruCell', w.bih, [3 * H], 'bias_ih');
  expectShape('gruCell', w.bhh, [3 * H], 'bias_hh');
  const dtype = x.dtype, G = 3 * H, mm = backend().matmul;
  // gi = W_ih x + b_ih and gh = W_hh h + b_hh, kept for backward.
  const gi = Tensor.zeros([B, G], dtype), gh = Tensor.zeros([B, G], dtype);
  mm(x.value.data, w.wih.value.data, gi.data, B, D, G, false, true, false);
  mm(h.value.data, w.whh.value.data, gh.data, B, H, G, false, true, false);
  const r = new Float64Array(B * H), z = new Float64Array(B * H), n = new Float64Array(B * H);
  const out = Tensor.zeros([B, H], dtype);
  const hv = h.value.data;
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < G; j++) {
      gi.data[b * G + j] = gi.data[b * G + j]! + w.bih.value.data[j]!;
      gh.data[b * G + j] = gh.data[b * G + j]! + w.bhh.value.data[j]!;
    }
    for (let j = 0; j < H; j++) {
      const k = b * H + j, g = b * G;
      r[k] = sigmoid(gi.data[g + j]! + gh.data[g + j]!);
      z[k] = sigmoid(gi.data[g + H + j]! + gh.data[g + H + j]!);
      n[k] = Math.tanh(gi.data[g + 2 * H + j]! + r[k]! * gh.data[g + 2 * H + j]!);
      out.data[k] = (1 - z[k]!) * n[k]! + z[k]! * hv[k]!;
    }
  }
  return record1('gruCell', [x, h, w.wih, w.whh, w.bih, w.bhh], out, (g) => {
    const dgi = Tensor.zeros([B, G], dtype), dgh = Tensor.zeros([B, G], dtype);
    const dh = Tensor.zeros([B, H], dtype);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < H; j++) {
        const k = b * H + j, o = b * G;
        const dout = g.data[k]!;
        const dn = dout * (1 - z[k]!) * (1 - n[k]! * n[k]!); // through tanh
        const dzPre = dout * (hv[k]! - n[k]!) * z[k]! * (1 - z[k]!);
        const drPre = dn * gh.data[o + 2 * H + j]! * r[k]! * (1 - r[k]!);
        dgi.data[o + j] = drPre;
        dgh.data[o + j] = drPre;
        dgi.data[o + H + j] = dzPre;
        dgh.data[o + H + j] = dzPre;
        dgi.data[o + 2 * H + j] = dn;
        dgh.data[o + 2 * H + j] = dn * r[k]!;
        dh.data[k] = dout * z[k]!;
      }
    }
    const gx = Tensor.zeros(x.shape, dtype);
    mm(dgi.data, w.wih.value.data, gx.data, B, G, D, false, false, false);
    mm(dgh.data, w.whh.value.data, dh.data, B, G, H, false, false, true);
    const gwih = Tensor.zeros(w.wih.shape, dtype), gwhh = Tensor.zeros(w.whh.shape, dtype);
    mm(dgi.data, x.value.data, gwih.data, G, B, D, true, false, false);
    mm(dgh.data, hv, gwhh.data, G, B, H, true, false, false);
    const gbih = Tensor.zeros([G], dtype), gbhh = Tensor.zeros([G], dtype);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < G; j++) {
        gbih.data[j] = gbih.data[j]! + dgi.data[b * G + j]!;
        gbhh.data[j] = gbhh.data[j]! + dgh.data[b * G + j]!;
      }
    }
    return [gx, dh, gwih, gwhh, gbih, gbhh];
  });
}
