// How fast does the synthesizer's target move while a language model trains? An offline
// oracle for the linear synthesizer: at step k, a ridge regression of δ_{j−1} on
// [s_{j−1}, 1] over the W steps before k (the freshest pairs an online learner could have)
// predicts δ_{k−1}; its cosine with δ_{k−1} over the whole batch is what the best linear
// map fitted on that window achieves on the next step. Phase "training": the run's first
// STEPS steps at its lr; phase "frozen": STEPS more with the model's lr at 1e-30 (Adam then
// moves no float32 weight), the same model held still. docs/results.md, "How fast the target moves".
// With COND = c ≥ 0 the features also hold the one-hot ids of the chunk's first c + 1 stream
// positions (its first input and first c targets: what a synthesizer conditioned on the next
// chunk's data, cDNI, would see), docs/results.md, "Conditioning the synthesizer on the next chunk".
//   node experiments/lm/window-fit.mjs CONFIG [STEPS=600] [SEED] [COND]
// CONFIG: a run configuration (experiments/lm/window-fit.json); SEED overrides its seed. Needs `npm run build`.
import { loadRunConfig } from '../../dist/src/train/config-file.js';
import { conditionedInput } from '../../dist/src/models/synthesizers.js';
import { setupRun } from '../../dist/src/train/setup.js';
import { Trainer } from '../../dist/src/train/trainer.js';

const [configFile, stepsArg, seedArg, condArg] = process.argv.slice(2);
if (!configFile) {
  console.error('usage: node experiments/lm/window-fit.mjs CONFIG [STEPS=600] [SEED] [COND]');
  process.exit(2);
}
const STEPS = Number(stepsArg ?? 600);
const COND = Number(condArg ?? -1);
const cfg = loadRunConfig({ config: configFile });
if (seedArg !== undefined) cfg.seed = Number(seedArg);
const setup = setupRun(cfg);
const trainer = new Trainer(cfg, setup.source, setup.synth, setup.rng);
const pairs = { training: [], frozen: [] };
let phase = 'training';
// the pair's input: s_{k−1}, or what a conditioned synthesizer reads, [s_{k−1}, one-hot ids of the chunk's first c + 1 positions]
const cond = { slots: COND + 1, vocab: setup.vocab.length };
trainer.observer = (stage, v) => {
  if (stage !== 'backward') return;
  const x = COND >= 0 ? conditionedInput(v.sPrev, setup.source.conditionIds(trainer.step, 'start', cond.slots), cond) : v.sPrev;
  pairs[phase].push({ x: Float32Array.from(x.data), y: Float32Array.from(v.delta.data) });
};
const t0 = Date.now();
for (let i = 0; i < STEPS; i++) trainer.stepOnce();
const lr = cfg.optimizer.lr;
cfg.optimizer.lr = 1e-30;
phase = 'frozen';
for (let i = 0; i < STEPS; i++) trainer.stepOnce();
console.error(`${2 * STEPS} steps in ${((Date.now() - t0) / 1000).toFixed(0)} s (training at lr ${lr}, then frozen)`);

const B = cfg.batch, S = pairs.training[0].y.length / B, I = pairs.training[0].x.length / B;
const P = I + 1; // features: the input and a bias

/** Row b's features [x, 1]. */
function features(row, { x }, b) {
  for (let i = 0; i < I; i++) row[i] = x[b * I + i];
  row[I] = 1;
}

/** Adds (or, with sign −1, removes) one step's rows to the normal equations G = XᵀX (lower triangle), C = XᵀY. */
function accumulate(G, C, pair, sign) {
  const row = new Float64Array(P), y = pair.y;
  for (let b = 0; b < B; b++) {
    features(row, pair, b);
    for (let i = 0; i < P; i++) {
      const ri = sign * row[i];
      if (ri === 0) continue;
      const gi = i * P, ci = i * S;
      for (let j = 0; j <= i; j++) G[gi + j] += ri * row[j];
      for (let j = 0; j < S; j++) C[ci + j] += ri * y[b * S + j];
    }
  }
}

/** Solves (G + ridge·mean(diag G)·I) W = C by Cholesky (G's lower triangle); returns W [P, S]. */
function solve(G, C, ridge) {
  let tr = 0;
  for (let i = 0; i < P; i++) tr += G[i * P + i];
  const L = new Float64Array(P * P);
  const add = (ridge * tr) / P;
  for (let i = 0; i < P; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = G[i * P + j] + (i === j ? add : 0);
      for (let k = 0; k < j; k++) sum -= L[i * P + k] * L[j * P + k];
      L[i * P + j] = i === j ? Math.sqrt(sum) : sum / L[j * P + j];
    }
  }
  const W = Float64Array.from(C);
  for (let c = 0; c < S; c++) { // forward then back substitution, one column of C at a time
    for (let i = 0; i < P; i++) {
      let sum = W[i * S + c];
      for (let k = 0; k < i; k++) sum -= L[i * P + k] * W[k * S + c];
      W[i * S + c] = sum / L[i * P + i];
    }
    for (let i = P - 1; i >= 0; i--) {
      let sum = W[i * S + c];
      for (let k = i + 1; k < P; k++) sum -= L[k * P + i] * W[k * S + c];
      W[i * S + c] = sum / L[i * P + i];
    }
  }
  return W;
}

/** cos(ĝ, δ) over the whole batch, ĝ = features · W. */
function cosine(W, pair) {
  let dot = 0, pp = 0, yy = 0;
  const row = new Float64Array(P), y = pair.y;
  for (let b = 0; b < B; b++) {
    features(row, pair, b);
    for (let j = 0; j < S; j++) {
      let p = 0;
      for (let i = 0; i < P; i++) if (row[i] !== 0) p += row[i] * W[i * S + j];
      const t = y[b * S + j];
      dot += p * t; pp += p * p; yy += t * t;
    }
  }
  return dot / Math.sqrt(pp * yy);
}

const median = (v) => { const s = [...v].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const WINDOWS = [10, 50, 200, Infinity];
const RIDGES = [1e-2, 1e-1];
console.log('| phase | window (steps) | ridge | test steps | median cos | mean cos | min … max |');
console.log('|---|---|---|---|---|---|---|');
for (const name of ['training', 'frozen']) {
  const ps = pairs[name];
  const first = name === 'training' ? 1 : 0; // step 0 starts from the zero state
  const tests = [];
  for (let k = first + Math.min(250, ps.length >> 1); k < ps.length; k += 10) tests.push(k);
  for (const W of WINDOWS) {
    for (const ridge of RIDGES) {
      const G = new Float64Array(P * P), C = new Float64Array(P * S);
      let lo = first, hi = first; // the window is steps lo..hi−1
      const cos = [];
      for (const k of tests) {
        while (hi < k) accumulate(G, C, ps[hi++], 1);
        while (hi - lo > W) accumulate(G, C, ps[lo++], -1);
        cos.push(cosine(solve(G, C, ridge), ps[k]));
      }
      const label = W === Infinity ? `all since step ${first}` : String(W);
      console.log(`| ${name} | ${label} | ${ridge} | ${tests.length} | ${median(cos).toFixed(3)} | ${(cos.reduce((a, b) => a + b, 0) / cos.length).toFixed(3)} | ${Math.min(...cos).toFixed(3)} … ${Math.max(...cos).toFixed(3)} |`);
    }
  }
}
