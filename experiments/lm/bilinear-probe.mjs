// A probe, not a feature: does a synthesizer that can MULTIPLY the state with the next
// characters learn the future gradient better than the linear cDNI synthesizer, and does the
// model then gain some of what the oracle seed gains (docs/results.md, "An oracle seed")?
//   ĝ = W [s, e] + b + P ((Q s) ⊙ (R e)),   e = the one-hot ids of the c + 1 positions after the cut
// W, b, P start at zero (ĝ = 0 at first, as §4's linear synthesizer); Q, R are U(−r, r); rank 64.
// Trained like any synthesizer (Adam on ℓ_SG, PopArt's σ, the config's λ, γ, warm-up): only
// M_φ differs. It plugs into the Trainer through the Synthesizer interface (examples/03).
//   node experiments/lm/bilinear-probe.mjs CONFIG [SEED] [OUT.json]
// CONFIG: a run configuration with synthesizer.condition > 0 (experiments/lm/bilinear-probe.json).
// Prints the final valid/test loss and the mean sg_true_cos from step 1,200. Needs `npm run build`.
import * as fs from 'node:fs';
import * as ag from '../../dist/src/autograd/index.js';
import { Var } from '../../dist/src/autograd/variable.js';
import { ParamSet } from '../../dist/src/models/params.js';
import { oneHotIds, synthCondition } from '../../dist/src/models/synthesizers.js';
import { TargetNormalizer } from '../../dist/src/models/target-normalizer.js';
import { Tensor } from '../../dist/src/tensor/tensor.js';
import { loadRunConfig } from '../../dist/src/train/config-file.js';
import { diagnosisDue, measureTrueGradient } from '../../dist/src/train/diagnostics.js';
import { evaluateLm } from '../../dist/src/train/lm-source.js';
import { setupRun } from '../../dist/src/train/setup.js';
import { Trainer } from '../../dist/src/train/trainer.js';

const [configFile, seedArg, outFile] = process.argv.slice(2);
if (!configFile) {
  console.error('usage: node experiments/lm/bilinear-probe.mjs CONFIG [SEED] [OUT.json]');
  process.exit(2);
}
const cfg = loadRunConfig({ config: configFile });
if (seedArg !== undefined) cfg.seed = Number(seedArg);
const c = cfg.synthesizer?.condition ?? 0;
if (!(c > 0)) throw new Error('the probe needs synthesizer.condition > 0');
const setup = setupRun(cfg);
const S = setup.source.stateSize, V = setup.vocab.length, cond = synthCondition(c, V), E = cond.slots * V, RANK = 64;

const params = new ParamSet([
  { name: 'synthesizer.weight', shape: [S, S + E] }, { name: 'synthesizer.bias', shape: [S] },
  { name: 'bilinear.P', shape: [S, RANK] }, { name: 'bilinear.Q', shape: [RANK, S] }, { name: 'bilinear.R', shape: [RANK, E] },
], 'float32');
params.initUniform(setup.rng, cfg.init_range);
for (const n of ['synthesizer.weight', 'synthesizer.bias', 'bilinear.P']) params.get(n).value.data.fill(0);
const noBiasR = new Var(Tensor.zeros([RANK], 'float32')), noBiasS = new Var(Tensor.zeros([S], 'float32'));

const synth = {
  kind: 'bilinear',
  params,
  normalizer: cfg.synthesizer.normalize === 'popart' ? new TargetNormalizer() : null,
  condition: cond,
  predict(s, _call, _rng, ids) {
    const e = new Var(oneHotIds(ids, s.shape[0], cond, s.dtype));
    const lin = ag.linear(ag.concat([s, e]), params.get('synthesizer.weight'), params.get('synthesizer.bias'));
    const h = ag.mul(ag.linear(s, params.get('bilinear.Q'), noBiasR), ag.linear(e, params.get('bilinear.R'), noBiasR));
    return ag.add(lin, ag.linear(h, params.get('bilinear.P'), noBiasS));
  },
  advance() {},
  resetState() {},
  rescaleOutput(f) {
    for (const n of ['synthesizer.weight', 'synthesizer.bias', 'bilinear.P']) {
      const d = params.get(n).value.data;
      for (let i = 0; i < d.length; i++) d[i] *= f;
    }
  },
  stateTensors() { return new Map(); },
  loadState() {},
};

const trainer = new Trainer(cfg, setup.source, synth, setup.rng);
const steps = cfg.steps;
const cos = [];
const t0 = Date.now();
for (let k = 0; k < steps; k++) {
  const r = trainer.stepOnce();
  if (diagnosisDue(cfg, k) && k + 1 >= 1200) {
    const m = measureTrueGradient(trainer, setup.source);
    if (m.sg_true_cos !== null) cos.push(m.sg_true_cos);
  }
  if ((k + 1) % 400 === 0) console.error(`step ${k + 1}/${steps}  loss ${r.loss.toFixed(4)}  ‖ĝ‖ ${r.ghat_norm?.toExponential(2) ?? '–'}  ‖δ‖ ${r.delta_norm.toExponential(2)}  fit cos ${r.sg_fit_cos?.toFixed(3) ?? '–'}  ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
const valid = evaluateLm(setup.model, setup.valid, cfg.bptt), test = evaluateLm(setup.model, setup.test, cfg.bptt);
const mean = cos.reduce((a, b) => a + b, 0) / cos.length;
const result = { seed: cfg.seed, valid: valid.loss, test: test.loss, sg_true_cos_mean: mean, readings: cos.length, seconds: (Date.now() - t0) / 1000 };
console.log(JSON.stringify(result));
if (outFile) fs.writeFileSync(outFile, `${JSON.stringify(result)}\n`);
