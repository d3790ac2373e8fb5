// The stacked LSTM layers shared by the language model and the copy model:
// parameter names rnns.{l}.* (a ModuleList of nn.LSTMCell) and one forward
// over a chunk from the state vector s = [h_0, c_0, h_1, c_1, …].
import * as ag from '../autograd/index.js';
import type { Var } from '../autograd/variable.js';
import type { ParamSet, ParamSpec } from './params.js';

/** rnns.{l}.weight_ih [4H, D], weight_hh [4H, H], bias_ih [4H], bias_hh [4H]; layer 0 reads `inWidth`. */
export function lstmStackSpecs(inWidth: number, hidden: number[]): ParamSpec[] {
  return hidden.flatMap((H, l) => {
    const D = l === 0 ? inWidth : hidden[l - 1]!;
    return [
      { name: `rnns.${l}.weight_ih`, shape: [4 * H, D] },
      { name: `rnns.${l}.weight_hh`, shape: [4 * H, H] },
      { name: `rnns.${l}.bias_ih`, shape: [4 * H] },
      { name: `rnns.${l}.bias_hh`, shape: [4 * H] },
    ];
  });
}

/** S = 2·Σ_l H_l, the width of the state vector. */
export function stateSizeOf(hidden: number[]): number {
  return 2 * hidden.reduce((a, b) => a + b, 0);
}

/**
 * Runs the layers over T steps of x [T·B, inWidth] from sPrev [B, S]. Returns the
 * top layer's h for every step [T·B, H_n] and the final state sK [B, S].
 */
export function lstmStackForward(params: ParamSet, hidden: number[], x: Var, sPrev: Var, T: number): { top: Var; sK: Var } {
  const pieces = ag.split(sPrev, hidden.flatMap((H) => [H, H]));
  const finals: Var[] = [];
  let h = x;
  hidden.forEach((_H, l) => {
    const w = { wih: params.get(`rnns.${l}.weight_ih`), whh: params.get(`rnns.${l}.weight_hh`), bih: params.get(`rnns.${l}.bias_ih`), bhh: params.get(`rnns.${l}.bias_hh`) };
    const [hs, hT, cT] = ag.lstmSequence(h, pieces[2 * l]!, pieces[2 * l + 1]!, w, T);
    finals.push(hT, cT);
    h = hs;
  });
  return { top: h, sK: ag.concat(finals) };
}
