// What the averaged synthesizer injects, against what its trained (not averaged) copy
// would: every 25 steps of one run, on the carried state s, ‖ĝ‖ from the mean weights
// (what the run uses), ‖ĝ‖ from the Adam iterate, their cosine, and the state's size:
// RMS of h and of c over the batch (s = [h, c], h then c in each row).
// docs/results.md, "Averaged synthesizer weights".
// Usage: node experiments/lm/average-probe.mjs CONFIG.json VARIANT SEED STEPS OUT_DIR
import { resolveConfig } from '../../dist/src/train/config.js';
import { runTraining } from '../../dist/src/train/run.js';
import { loadGrid, mergeConfig } from '../../dist/src/train/sweep.js';
import { noGrad, Var } from '../../dist/src/autograd/variable.js';

const [file, variant, seed, steps, out] = process.argv.slice(2);
// the variant's configuration as `sweep` builds it (base and variant merged), at this seed and length, without diagnostics
const grid = loadGrid(file);
const v = grid.variants.find((x) => x._name === variant);
if (!v) throw new Error(`${file}: no variant ${variant}`);
const { _name, ...over } = v;
const raw = { ...mergeConfig(grid.base, over), seed: Number(seed), steps: Number(steps), diagnostics: { every: 0 } };
const cfg = resolveConfig(raw, { baseDir: grid.baseDir, source: file });
const norm = (a) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));
const predict = (t) => {
  const sigma = t.synth.normalizer?.sigma ?? 1;
  return Array.from(noGrad(() => t.synth.predict(new Var(t.sPrev), 'previous', null).value.data), (x) => sigma * x);
};
console.log('step | ‖ĝ‖ mean weights | ‖ĝ‖ trained copy | cos(mean, trained) | ‖ĝ_mean‖/‖ĝ_trained‖ | RMS h | RMS c');
await runTraining(cfg, {
  outDir: out,
  beforeStep: (t) => {
    if (t.step % 25 !== 0 || t.step === 0 || !t.synthOpt?.raw) return;
    const p = t.synth.params.data, keep = p.slice();
    const gMean = predict(t);
    p.set(t.synthOpt.raw);
    const gRaw = predict(t);
    p.set(keep);
    const dot = gMean.reduce((s, x, i) => s + x * gRaw[i], 0);
    const nm = norm(gMean), nr = norm(gRaw);
    const s = t.sPrev.data, [B, S] = t.sPrev.shape, H = S / 2;
    let hh = 0, cc = 0;
    for (let b = 0; b < B; b++) for (let i = 0; i < H; i++) hh += s[b * S + i] ** 2, cc += s[b * S + H + i] ** 2;
    const rms = (x) => Math.sqrt(x / (B * H)).toFixed(3);
    console.log(`${t.step} | ${nm.toExponential(3)} | ${nr.toExponential(3)} | ${(dot / (nm * nr)).toFixed(3)} | ${(nm / nr).toFixed(2)} | ${rms(hh)} | ${rms(cc)}`);
  },
});
