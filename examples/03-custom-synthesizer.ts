// 03 — a synthesizer of one's own, plugged into the trainer.
//
// `Synthesizer` is the interface the Trainer calls: `predict` gives ĝ = M_φ(s),
// and the trainer trains `params` on ℓ_SG with its own Adam. Here M_φ is a
// two-layer MLP whose output is scaled by a learned gate,
//   M(s) = σ(W_g s + b_g) ⊙ (W_2 relu(W_1 s + b_1) + b_2),
// with W_2, b_2 zero at the start (as the built-in ones: ĝ = 0, so training
// starts as plain BPTT). The trainer calls only the interface's members. Both it and the built-in linear synthesizer train the
// same character LSTM (same initial weights) with DNI on the built-in corpus.
// Prints: per synthesizer, the mean training loss and ℓ_SG over the last steps,
// the validation loss, and the time taken.
//
// Run: npm run build && node dist/examples/03-custom-synthesizer.js
// (SYNTHGRAD_EXAMPLE_QUICK=1: a few steps only, as the test suite runs it)
import {
  ParamSet, Rng, TargetNormalizer, Tensor, Trainer, Var, builtinCorpusPath, evaluateLm, linear, mul, relu, resolveConfig,
  setupRun, sigmoid, type LmRun, type Synthesizer,
} from 'synthgrad';

class GatedMlpSynth implements Synthesizer {
  readonly kind = 'gated-mlp';
  readonly params: ParamSet;
  // the network predicts δ/σ, σ a running scale of the targets (§10, as the built-in ones
  // by default); null would make it predict δ itself
  readonly normalizer = new TargetNormalizer();

  constructor(S: number, hidden: number, rng: Rng) {
    this.params = new ParamSet([
      { name: 'l1.weight', shape: [hidden, S] }, { name: 'l1.bias', shape: [hidden] },
      { name: 'l2.weight', shape: [S, hidden] }, { name: 'l2.bias', shape: [S] },
      { name: 'gate.weight', shape: [S, S] }, { name: 'gate.bias', shape: [S] },
    ]);
    this.params.initUniform(rng, 0.1);
    this.rescaleOutput(0);
  }

  predict(s: Var): Var {
    const p = (name: string) => this.params.get(name);
    const h = relu(linear(s, p('l1.weight'), p('l1.bias')));
    return mul(sigmoid(linear(s, p('gate.weight'), p('gate.bias'))), linear(h, p('l2.weight'), p('l2.bias')));
  }

  /** Scales the output by f: when σ moves, the trainer passes σ_old/σ_new so that ĝ = σ·M(s) does not jump. */
  rescaleOutput(f: number): void {
    for (const name of ['l2.weight', 'l2.bias']) this.params.get(name).value.data.forEach((w, i, d) => (d[i] = f * w));
  }

  // Stateless: nothing carried between calls; a checkpoint saves `params` and σ.
  advance(): void {}
  resetState(): void {}
  stateTensors(): Map<string, Tensor> { return new Map([['synth_state.target_scale', this.normalizer.stateTensor()]]); }
  loadState(t: Map<string, Tensor>): void { this.normalizer.loadState(t.get('synth_state.target_scale')!); }
}

const steps = process.env.SYNTHGRAD_EXAMPLE_QUICK ? 20 : 600;
const cfg = resolveConfig({
  task: 'charlm', data: builtinCorpusPath(), split: { valid: 0.01, test: 0 }, embed: 32, hidden: 64, batch: 16, bptt: 8,
  optimizer: { name: 'adam', lr: 3e-3 }, clip: 1, steps, seed: 1,
  // the trainer reads the synthesizer's λ and optimizer from here; `kind` builds the linear one
  policy: { name: 'dni' }, synthesizer: { kind: 'linear', scale: 0.1, lr: 1e-3 },
}, { baseDir: process.cwd(), source: '03-custom-synthesizer' });

const last = Math.min(100, steps);
console.log(`char LSTM (hidden 64, T = ${cfg.bptt}) on the built-in corpus, DNI, ${steps} steps; means over the last ${last}`);
for (const name of ['linear', 'gated mlp'] as const) {
  const run = setupRun(cfg) as LmRun; // the same seed: the same model weights in both runs
  const synth = name === 'linear' ? run.synth! : new GatedMlpSynth(run.model.stateSize, 64, new Rng(7));
  const trainer = new Trainer(cfg, run.source, synth, run.rng);
  const t0 = performance.now();
  let loss = 0, sg = 0;
  for (let i = 0; i < steps; i++) {
    const r = trainer.stepOnce();
    if (i >= steps - last) loss += r.loss / last, sg += (r.sg_loss ?? 0) / last;
  }
  const valid = evaluateLm(run.model, run.valid!, cfg.bptt).loss;
  const seconds = (performance.now() - t0) / 1000;
  console.log(`${name.padEnd(9)}  train loss ${loss.toFixed(4)}  ℓ_SG ${sg.toExponential(3)}  valid loss ${valid.toFixed(4)}  (${seconds.toFixed(1)} s)`);
}
