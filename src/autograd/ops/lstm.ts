// The fused LSTM ops. Forward and backward run in the backend's kernels
// (src/backends/*/lstm); these functions only check shapes and wire the tape.
import { backend } from '../../backends/backend.js';
import { Tensor } from '../../tensor/tensor.js';
import { fmt, ShapeError } from '../../tensor/shape.js';
import { gradSinks, record, type Var } from '../variable.js';
import { expectShape, sameDtype } from './check.js';

/** One LSTM layer's weights, as torch.nn.LSTM's weight_ih, weight_hh, bias_ih, bias_hh (gates i, f, g, o). */
export interface LstmWeights {
  wih: Var; // [4H, D]
  whh: Var; // [4H, H]
  bih: Var; // [4H]
  bhh: Var; // [4H]
}

function checkLstm(op: string, x: Var, h0: Var, c0: Var, w: LstmWeights, T: number): { B: number; D: number; H: number } {
  sameDtype(op, x, h0, c0, w.wih, w.whh, w.bih, w.bhh);
  if (h0.shape.length !== 2) throw new ShapeError(`${op}: h0 must be [B,H], got ${fmt(h0.shape)}`);
  const [B, H] = [h0.shape[0]!, h0.shape[1]!];
  if (x.shape.length !== 2 || x.shape[0] !== T * B) throw new ShapeError(`${op}: x must be [T*B, D] = [${T}*${B}, D], got ${fmt(x.shape)}`);
  const D = x.shape[1]!;
  expectShape(op, c0, [B, H], 'c0');
  expectShape(op, w.wih, [4 * H, D], 'weight_ih');
  expectShape(op, w.whh, [4 * H, H], 'weight_hh');
  expectShape(op, w.bih, [4 * H], 'bias_ih');
  expectShape(op, w.bhh, [4 * H], 'bias_hh');
  return { B, D, H };
}

/**
 * One LSTM layer over T steps: x [T*B, D] (time-major rows), state (h0, c0) [B,H].
 * Returns [hs, hT, cT]: every h_t [T*B, H], and the final state. Gradients may
 * arrive at any of the three; they reach x, h0, c0 and the four weights.
 */
export function lstmSequence(x: Var, h0: Var, c0: Var, w: LstmWeights, T: number): [Var, Var, Var] {
  return lstmLayer('lstmSequence', x, h0, c0, w, T);
}

/** lstmSequence under the name of the op the caller used (errors and the tape name it). */
function lstmLayer(op: string, x: Var, h0: Var, c0: Var, w: LstmWeights, T: number): [Var, Var, Var] {
  if (!Number.isInteger(T) || T < 1) throw new ShapeError(`${op}: T must be a positive integer, got ${T}`);
  const { B, D, H } = checkLstm(op, x, h0, c0, w, T);
  const dtype = x.dtype;
  // gates and c_t are only read again by backward: the backend's scratch (reused, and shared
  // with its threads), handed back once backward has run (or at once without a tape)
  const scratch = backend().scratch;
  const temp = (shape: number[]) => new Tensor(scratch.take(dtype, shape[0]! * shape[1]!), shape);
  const done = (...ts: Tensor[]) => { for (const t of ts) scratch.give(t.data); };
  const gates = temp([T * B, 4 * H]);
  const cs = temp([T * B, H]);
  const hs = Tensor.zeros([T * B, H], dtype);
  const fwd = { T, B, D, H, x: x.value.data, h0: h0.value.data, c0: c0.value.data, wih: w.wih.value.data, whh: w.whh.value.data, bih: w.bih.value.data, bhh: w.bhh.value.data, gates: gates.data, cs: cs.data, hs: hs.data };
  backend().lstmForward(fwd);
  const last = (T - 1) * B * H;
  const hT = new Tensor(hs.data.slice(last), [B, H]);
  const cT = new Tensor(cs.data.slice(last), [B, H]);
  const inputs = [x, h0, c0, w.wih, w.whh, w.bih, w.bhh];
  const outs = record(op, inputs, [hs, hT, cT], ([ghs, ghT, gcT]) => {
    const dhs = temp([T * B, H]);
    if (ghs) dhs.data.set(ghs.data);
    else dhs.data.fill(0);
    if (ghT) for (let i = 0; i < B * H; i++) dhs.data[last + i] = dhs.data[last + i]! + ghT.data[i]!;
    // the weights' gradients go straight into a ParamSet's flat buffer (the kernel accumulates
    // them); dx, dh0, dc0 (overwritten by the kernel) into fresh tensors that the engine adds
    const sinks = gradSinks(inputs).map((s, i) => (i >= 3 ? s : null));
    const grads = inputs.map((v, i) => (v.requiresGrad && !sinks[i] ? Tensor.zeros(v.shape, dtype) : null));
    const into = (i: number) => (sinks[i] ?? grads[i])?.data ?? null;
    backend().lstmBackward({
      ...fwd,
      dhs: dhs.data,
      dcT: gcT ? gcT.data : Tensor.zeros([B, H], dtype).data,
      dx: grads[0]?.data ?? null,
      dh0: grads[1]?.data ?? null,
      dc0: grads[2]?.data ?? null,
      dwih: into(3),
      dwhh: into(4),
      dbih: into(5),
      dbhh: into(6),
    });
    done(gates, cs, dhs);
    return grads;
  });
  if (outs[0]!.node === null) done(gates, cs); // nothing was recorded: no backward will read them
  return [outs[0]!, outs[1]!, outs[2]!];
}

/** One fused LSTM step: x [B,D], (h, c) [B,H] → [h', c']. */
export function lstmCell(x: Var, h: Var, c: Var, w: LstmWeights): [Var, Var] {
  const [, hNext, cNext] = lstmLayer('lstmCell', x, h, c, w, 1);
  return [hNext, cNext];
}
