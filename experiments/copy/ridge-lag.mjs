// Why must the ridge fit be solved every step on the copy task? This runs the fit solved every
// step but with each step's pairs entering its statistics LAG steps late (LAG 0: the fit as
// built), to tell "the newest pairs must be in the map" from "the map must change every step".
// One run per call; docs/results.md, "Solved every step".
// Usage: node experiments/copy/ridge-lag.mjs CONFIG.json VARIANT SEED LAG OUT_DIR
import { resolveConfig } from '../../dist/src/train/config.js';
import { runTraining } from '../../dist/src/train/run.js';
import { copyProgress } from '../../dist/src/train/report.js';
import { loadGrid, mergeConfig } from '../../dist/src/train/sweep.js';

const [file, variant, seed, lagArg, out] = process.argv.slice(2);
const lag = Number(lagArg);
// the variant's configuration as `sweep` builds it (base and variant merged), at this seed
const grid = loadGrid(file);
const v = grid.variants.find((x) => x._name === variant);
if (!v) throw new Error(`${file}: no variant ${variant}`);
const { _name, ...over } = v;
const cfg = resolveConfig({ ...mergeConfig(grid.base, over), seed: Number(seed) }, { baseDir: grid.baseDir, source: file });
if (cfg.synthesizer?.fit !== 'ridge') throw new Error(`${variant}: not a ridge fit`);
let patched = false;
const result = await runTraining(cfg, {
  outDir: out,
  beforeStep: (t) => {
    if (patched) return;
    patched = true;
    const fit = t.synthOpt, add = fit.add.bind(fit), queue = [];
    // the pairs of step k join the sums at step k + lag; the solve (every step) sees them then
    fit.add = (s, y, B) => {
      queue.push([Float32Array.from(s), Float32Array.from(y), B]);
      if (queue.length > lag) add(...queue.shift());
      else fit.steps += 1; // keep due() counting steps
    };
  },
});
const p = copyProgress(result.records);
console.log(`${variant} seed ${seed} lag ${lag}: largest N solved ${p.largestSolved}`);
