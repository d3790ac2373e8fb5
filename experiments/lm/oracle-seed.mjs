// How much can DNI gain at all on a language model? The seed of §4 with the best synthetic
// gradient there is: at every synthetic step k, instead of ĝ_k = M_φ(s_k), the TRUE future
// gradient g_k = ∂F/∂s_k, F = Σ_{j=1..H} γ^{j−1} L_{k+j} over the next H chunks the run will see,
// with the model's weights as they are when the step starts (the look-ahead of diagnostics.ts,
// §11, which saves and restores everything it touches). The model then gets λ·(∂s_k/∂θ)ᵀ g_k, the
// credit of H more chunks than truncated BPTT gives it. Nothing else changes: same data, clipping,
// optimizer; the "synthesizer" is an oracle that ignores its own weights. If this seed does not
// lower the loss, no synthesizer can. docs/results.md, "An oracle seed: what DNI could gain".
//   node experiments/lm/oracle-seed.mjs CONFIG MODE [SEED] [OUT.json]
// CONFIG: a run configuration (experiments/lm/oracle-seed.json, or oracle-seed-2epochs.json); MODE: "none" (the config's bptt:
// real gradients only), "oracle:H" (dni with the true g over H chunks, from the config's warm-up on;
// λ and γ are the config's synthesizer scale and discount) or "oracle:H:RHO" (a seed at cosine RHO
// to that g and of its norm: RHO·g + √(1−RHO²)·‖g‖·n, n a unit direction orthogonal to g, drawn afresh
// each step from its own generator, so the data order is the same as without it) or
// "oracle:H:RHO:state" (the same with an error that is a function of the state, as a synthesizer's
// is: n from s_k·R, R one fixed random S×S matrix, made orthogonal to g). Prints and writes the
// final valid and test loss. Needs `npm run build`.
import * as fs from 'node:fs';
import { Var, noGrad } from '../../dist/src/autograd/variable.js';
import * as ag from '../../dist/src/autograd/index.js';
import { ParamSet } from '../../dist/src/models/params.js';
import { Rng } from '../../dist/src/tensor/rng.js';
import { Tensor } from '../../dist/src/tensor/tensor.js';
import { loadRunConfig } from '../../dist/src/train/config-file.js';
import { trueFutureGradient } from '../../dist/src/train/diagnostics.js';
import { evaluateLm } from '../../dist/src/train/lm-source.js';
import { setupRun } from '../../dist/src/train/setup.js';
import { Trainer } from '../../dist/src/train/trainer.js';
import { modeForStep } from '../../dist/src/train/schedule.js';

const [configFile, mode, seedArg, outFile] = process.argv.slice(2);
const m = /^(none|oracle:(\d+)(?::([01](?:\.\d+)?)(:state)?)?)$/.exec(mode ?? '');
if (!configFile || !m || (m[3] !== undefined && Number(m[3]) > 1)) {
  console.error('usage: node experiments/lm/oracle-seed.mjs CONFIG none|oracle:H[:RHO[:state]] [SEED] [OUT.json]   (RHO in [0, 1])');
  process.exit(2);
}
const rho = m[3] === undefined ? 1 : Number(m[3]);
const cfg = loadRunConfig({ config: configFile });
if (seedArg !== undefined) cfg.seed = Number(seedArg);
const H = m[2] === undefined ? 0 : Number(m[2]);
if (H === 0) {
  cfg.policy = { ...cfg.policy, name: 'bptt' };
  cfg.synthesizer = null;
}
cfg.diagnostics = { ...cfg.diagnostics, every: null, horizon: H || 1 };
const setup = setupRun(cfg);
if (setup.kind !== 'lm') throw new Error('a language-model task only');
const S = setup.source.stateSize;

/** The oracle: predict('next') hands out the g precomputed for this step; its weights only keep the trainer's fit busy. */
const oracle = {
  kind: 'oracle',
  params: new ParamSet([{ name: 'synthesizer.weight', shape: [S, S] }, { name: 'synthesizer.bias', shape: [S] }], 'float32'),
  normalizer: null,
  next: null,
  predict(s, call) {
    if (call === 'next') return new Var(this.next ?? Tensor.zeros(s.shape, s.dtype));
    return ag.linear(s, this.params.get('synthesizer.weight'), this.params.get('synthesizer.bias'));
  },
  advance() {},
  resetState() {},
  rescaleOutput() {},
  stateTensors() { return new Map(); },
  loadState() {},
};

/** RHO·g + √(1−RHO²)·‖g‖·n with n ⊥ g a unit direction: cos(seed, g) = RHO over the flattened batch, as `sg_true_cos` reads it. */
const noiseRng = new Rng(0x5eed ^ cfg.seed);
/** The realised cos(seed, g) of every seeded step: recorded as `seed_cos` [min, max]. */
const seedCos = [];
const fromState = m[4] !== undefined;
const R = fromState ? Float64Array.from({ length: S * S }, () => noiseRng.normal()) : null;
function atCosine(g, sK) {
  if (rho === 1) return g;
  const x = g.data, n = new Float64Array(x.length);
  if (R) {
    for (let b = 0; b < x.length / S; b++) {
      for (let i = 0; i < S; i++) {
        const si = sK.data[b * S + i];
        for (let j = 0; j < S; j++) n[b * S + j] += si * R[i * S + j];
      }
    }
  } else {
    for (let i = 0; i < x.length; i++) n[i] = noiseRng.normal();
  }
  let gg = 0, gn = 0;
  for (let i = 0; i < x.length; i++) { gg += x[i] * x[i]; gn += x[i] * n[i]; }
  if (gg === 0) return g;
  let nn = 0;
  for (let i = 0; i < x.length; i++) { n[i] -= (gn / gg) * x[i]; nn += n[i] * n[i]; }
  const a = rho, b = Math.sqrt(1 - rho * rho) * Math.sqrt(gg / nn);
  const out = Tensor.from(Array.from(x, (v, i) => a * v + b * n[i]), g.shape, g.dtype);
  let og = 0, oo = 0;
  for (let i = 0; i < x.length; i++) { og += out.data[i] * x[i]; oo += out.data[i] * out.data[i]; }
  seedCos.push(og / Math.sqrt(oo * gg));
  return out;
}

const trainer = new Trainer(cfg, setup.source, H ? oracle : null, setup.rng);
const steps = cfg.steps ?? cfg.epochs * setup.source.position(0).chunksPerEpoch;
const t0 = Date.now();
for (let k = 0; k < steps; k++) {
  if (H) {
    oracle.next = null;
    const pos = setup.source.position(k);
    if (modeForStep(cfg.policy, cfg.schedule, pos) === 'synthetic') {
      // s_k with the weights as they are now (the forward stepOnce is about to make), then g_k after it
      const sPrev = (pos.resetState ?? pos.chunk === 0) ? Tensor.zeros([setup.source.batch, S], 'float32') : trainer.sPrev;
      const sK = noGrad(() => setup.source.forward(k, new Var(sPrev)).sK.value);
      const [keepS, keepStep] = [trainer.sPrev, trainer.step];
      trainer.sPrev = sK;
      trainer.step = k + 1;
      try {
        const g = trueFutureGradient(trainer, setup.source);
        oracle.next = g && atCosine(g, sK);
      } finally {
        trainer.sPrev = keepS;
        trainer.step = keepStep;
      }
    }
  }
  const r = trainer.stepOnce();
  if ((k + 1) % 200 === 0) console.error(`step ${k + 1}/${steps}  loss ${r.loss.toFixed(4)}  grad_norm ${r.grad_norm.toFixed(3)}  ‖g‖ ${r.ghat_norm?.toExponential(2) ?? '–'}  ‖δ‖ ${r.delta_norm.toExponential(2)}  ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
const valid = evaluateLm(setup.model, setup.valid, cfg.bptt), test = evaluateLm(setup.model, setup.test, cfg.bptt);
const result = { mode, seed: cfg.seed, steps, T: cfg.bptt, lambda: cfg.synthesizer?.scale ?? null, valid: valid.loss, test: test.loss,
  ...(seedCos.length ? { seed_cos: [Math.min(...seedCos), Math.max(...seedCos)] } : {}), seconds: (Date.now() - t0) / 1000 };
console.log(JSON.stringify(result));
if (outFile) fs.writeFileSync(outFile, `${JSON.stringify(result)}\n`);
