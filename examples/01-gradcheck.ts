// 01 — gradients from the tape, checked against finite differences.
//
// Builds a small expression and then one LSTM cell out of `Var`s, runs
// `backward`, and compares every gradient with central differences
// (f(x+ε) − f(x−ε)) / 2ε computed in float64 by `gradcheck`.
//
// Prints: the expression's value, the gradient of x by hand and by the tape,
// then one "gradcheck <name>: max relative error … ok" line per check.
//
// Run: npm run build && node dist/examples/01-gradcheck.js
import {
  Var, Tensor, Rng, backward, gradcheck, add, mul, sum, tanh, sigmoid, concat, lstmCell,
} from 'synthgrad';

const rng = new Rng(1);
/** A float64 leaf with entries from U(−1, 1) that wants a gradient. */
function leaf(shape: number[], name: string): Var {
  const t = Tensor.zeros(shape, 'float64');
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniformRange(-1, 1);
  return new Var(t, true, name);
}

// f(x, y) = Σ tanh(x ⊙ y) + sigmoid(x): d f / d x_i = y_i (1 − tanh²(x_i y_i)) + σ(x_i)(1 − σ(x_i))
const x = leaf([4], 'x'), y = leaf([4], 'y');
const f = (x: Var, y: Var) => sum(add(tanh(mul(x, y)), sigmoid(x)));
const out = f(x, y);
backward([out]);
const byHand = Array.from(x.data, (xi, i) => {
  const t = Math.tanh(xi * y.data[i]!), s = 1 / (1 + Math.exp(-xi));
  return y.data[i]! * (1 - t * t) + s * (1 - s);
});
console.log(`f(x, y) = ${out.item().toFixed(6)}`);
console.log(`df/dx by hand: ${byHand.map((v) => v.toFixed(6)).join(' ')}`);
console.log(`df/dx by tape: ${Array.from(x.grad!.data, (v) => v.toFixed(6)).join(' ')}`);

// gradcheck rebuilds f from its inputs, seeds the output with fixed varied weights,
// and compares every input element's gradient with central differences.
report('expression', gradcheck(f, [x, y]));

// A batch of 2 rows through one LSTM cell (input 3, hidden 5). The output is [h', c']
// side by side, so the check covers the gradients arriving through both.
const B = 2, D = 3, H = 5;
const inputs = [
  leaf([B, D], 'x'), leaf([B, H], 'h'), leaf([B, H], 'c'),
  leaf([4 * H, D], 'weight_ih'), leaf([4 * H, H], 'weight_hh'), leaf([4 * H], 'bias_ih'), leaf([4 * H], 'bias_hh'),
];
const cell = (x: Var, h: Var, c: Var, wih: Var, whh: Var, bih: Var, bhh: Var) => {
  const [h1, c1] = lstmCell(x, h, c, { wih, whh, bih, bhh });
  return concat([h1, c1]);
};
report('lstm cell', gradcheck(cell, inputs));

function report(name: string, r: { maxRelError: number; maxAbsError: number; ok: boolean }): void {
  console.log(`gradcheck ${name}: max relative error ${r.maxRelError.toExponential(2)}, max absolute ${r.maxAbsError.toExponential(2)} ${r.ok ? 'ok' : 'FAILED'}`);
  if (!r.ok) process.exitCode = 1;
}
