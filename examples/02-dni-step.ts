// 02 — one DNI training step written out by hand (docs/algorithm.md §4).
//
// The steps of `Trainer.stepOnce` (src/train/trainer.ts) with the engine's
// pieces, on a character LSTM over the built-in corpus:
//   1. forward the chunk from s_{k−1} to the loss L_k and the new state s_k;
//   2. ĝ_k = M_φ(s_k), a constant;
//   3. one backward with two seeds: 1 on L_k, λ·ĝ_k on s_k;
//   4. δ_{k−1}, the gradient that arrived at s_{k−1};
//   5. one Adam step of the synthesizer on ℓ_SG = (1/B) Σ_b ‖M_φ(s_{k−1,b}) − δ_{k−1,b}‖²;
//   6. clip and one Adam step of the model.
// Prints: the norm of each quantity, step by step, then ℓ_SG before and after step 5.
//
// Run: npm run build && node dist/examples/02-dni-step.js
import {
  Adam, LmSource, LstmLm, Rng, Tensor, Var, backward, batchify, builtinCorpusPath, clipGradNorm,
  createSynthesizer, globalNorm, loadCorpus, noGrad, scale, sub, mul, sum,
} from 'synthgrad';

const B = 8, T = 10, lambda = 0.1, rng = new Rng(0);
const { corpus } = loadCorpus('charlm', builtinCorpusPath());
const model = new LstmLm({ vocab: corpus.vocab.length, embed: 16, hidden: [32], tied: false });
model.params.initUniform(rng, 0.1);
// A fresh linear synthesizer predicts zero (its weights start at zero, so training starts
// as plain BPTT); random weights stand in for one that has already learned something.
const synth = createSynthesizer({ kind: 'linear', hidden: [], units: 0, noise: 0 }, model.stateSize, rng, 0.1);
synth.params.initUniform(rng, 0.05);
const source = new LmSource(model, batchify(corpus.train, B), T);
const norm = (t: Tensor) => globalNorm(t.data).toFixed(4);

// s_{k−1}: the state after chunk 0, so that the step below (chunk 1) starts from a real one.
const sPrevValue = noGrad(() => source.forward(0, new Var(Tensor.zeros([B, model.stateSize]))).sK.value);
console.log(`s_{k-1}    ‖·‖ = ${norm(sPrevValue)}   (B=${B} rows of S=${model.stateSize}: [h, c] of the LSTM)`);

// 1. forward; s_{k−1} is a leaf that wants a gradient, so δ_{k−1} will arrive in its .grad
model.params.zeroGrad();
const sPrev = new Var(sPrevValue, true, 'sPrev');
const { loss, sK } = source.forward(1, sPrev);
console.log(`1. L_k      = ${loss.item().toFixed(4)}   s_k ‖·‖ = ${norm(sK.value)}`);

// 2. ĝ_k from a detached s_k, with no tape: no gradient reaches φ from here
const gHat = noGrad(() => synth.predict(sK.detach(), 'next', null).value);
console.log(`2. ĝ_k      ‖·‖ = ${norm(gHat)}`);

// 3. the two-seed backward; the model gradient then holds the real and the synthetic part
const seed = Tensor.from(Array.from(gHat.data, (g) => lambda * g), gHat.shape);
backward([loss, sK], [1, seed]);
console.log(`3. ∂θ       ‖·‖ = ${globalNorm(model.params.grad).toFixed(4)}   (λ·ĝ_k seed ‖·‖ = ${norm(seed)})`);

// 4. the bootstrapped target δ_{k−1} = ∂L_k/∂s_{k−1} + (∂s_k/∂s_{k−1})ᵀ λ ĝ_k
const delta = sPrev.grad!;
console.log(`4. δ_{k-1}  ‖·‖ = ${norm(delta)}`);

// 5. the synthesizer's step against the constant target δ
const synthOpt = new Adam(synth.params);
const sgLoss = (): Var => {
  const err = sub(synth.predict(new Var(sPrevValue), 'previous', null), new Var(delta));
  return scale(sum(mul(err, err)), 1 / B);
};
synth.params.zeroGrad();
const before = sgLoss();
backward([before]);
synthOpt.step(1e-3);
const after = noGrad(sgLoss).item();
console.log(`5. ∂φ       ‖·‖ = ${globalNorm(synth.params.grad).toFixed(4)}   ℓ_SG ${before.item().toFixed(6)} → ${after.toFixed(6)}`);

// 6. clip the model gradient to norm 1 (the norm is taken before clipping) and step
const gradNorm = clipGradNorm(model.params.grad, 1);
const w0 = Float32Array.from(model.params.data);
new Adam(model.params).step(1e-3);
const moved = globalNorm(model.params.data.map((w, i) => w - w0[i]!));
console.log(`6. ∂θ ‖·‖ before clipping = ${gradNorm.toFixed(4)}; the update moved θ by ‖Δθ‖ = ${moved.toFixed(4)}`);
