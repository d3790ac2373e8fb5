// `synthgrad train`: config file + flags → resolved config → run directory.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { applyFlags, ConfigError, configToJson, resolveConfig, type RunConfig } from '../train/config.js';
import { loadConfigFile, nodePath } from '../train/config-file.js';
import { prepareOutDir, runTraining, type RunResult } from '../train/run.js';
import { builtinCorpusPath } from '../data/builtin.js';
import { defaultThreads, selectBackend } from './backend-select.js';
import { checkFits, estimateRun } from '../train/estimate.js';
import { addTrainFlags, givenOptions, trainFlagValues } from './train-flags.js';
import { setBackend } from '../backends/backend.js';
import { syntheticOutgrew, syntheticRunaway, type Runaway } from '../train/report.js';

export function trainCommand(cmd: Command): Command {
  cmd
    .description('train a model; writes config.json, metrics.jsonl, checkpoint.safetensors and curves.svg to --out')
    .option('--config <file>', 'run configuration (JSON, docs/config.md); options given here win over it')
    .option('--out <dir>', 'run directory [runs/<task>-<date>-<time>]')
    .option('--resume <dir>', 'continue the run in <dir> from its checkpoint (its config.json; --steps/--epochs may extend it)')
    .option('--overwrite', 'replace the run already in --out (without it, such an --out is refused)');
  addTrainFlags(cmd);
  cmd.addHelpText(
    'after',
    `
Every option is a shortcut for one key of the run configuration (docs/config.md); the command line wins.
Without --data, charlm trains on the built-in corpus (data/tinyshakespeare.txt). On the command line alone,
a single charlm text file holds out its last 5% for validation and 5% for test (--split none: no hold-out);
in a config file, "split": null (the default) means no hold-out, except for the built-in corpus.
An --out that already holds a run is refused: --resume it, give another --out, or add --overwrite.

Exit codes: 0 done, 2 bad option/config/data/checkpoint (nothing was run), 3 non-finite loss or gradient (in training, or in the final evaluation)
(the last good checkpoint is kept), 130/143 interrupted by SIGINT/SIGTERM after writing a checkpoint.

Examples:
  synthgrad train --steps 200                      # the defaults: charlm on the built-in corpus
  synthgrad train --data input.txt --hidden 512 --epochs 1 --out runs/shakespeare
  synthgrad train --task charlm --data input.txt --policy alternating --synth linear --restart-t0 1 --epochs 4
  synthgrad train --config run.json --init init.safetensors --steps 40 --out runs/check
  synthgrad train --resume runs/shakespeare --epochs 2`,
  );
  cmd.action(async (opts: Record<string, unknown>) => {
    const { cfg, configJson, outDir, resume } = resolveTrainOptions(opts);
    if (!resume) prepareOutDir(outDir, { overwrite: opts.overwrite === true, configFile: typeof opts.config === 'string' ? opts.config : null });
    const backend = await selectBackend(cfg.backend, cfg.threads);
    process.stderr.write(`${backend.line}\n`);
    setBackend(backend.backend);
    const json = { ...configJson, backend_used: backend.name, adapter: backend.adapter, threads_used: backend.threads, kernels: backend.kernels };
    let signal: NodeJS.Signals | null = null;
    const onSignal = (s: NodeJS.Signals) => {
      if (signal) process.exit(s === 'SIGINT' ? 130 : 143); // a second signal: leave now
      signal = s;
      process.stderr.write(`\n${s}: finishing the current step and writing a checkpoint (again to quit at once)\n`);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const result = await runTraining(cfg, {
      outDir,
      resume,
      log: (l) => process.stderr.write(`${l}\n`),
      progress: process.stderr,
      stopRequested: () => signal,
      configJson: json,
      threads: backend.threads ?? 1,
      memory: { total: os.totalmem(), maxBuffer: deviceBufferLimit(backend.backend) },
    });
    // the WebGPU backend and the thread pool run in worker threads: release them
    (backend.backend as { dispose?: () => void }).dispose?.();
    printSummary(result, outDir);
    if (result.nonFinite) {
      process.stderr.write(`synthgrad: ${stoppedMessage(result.nonFinite.message, outDir, syntheticRunaway(result.records))}\n`);
      process.exit(NON_FINITE_EXIT);
    }
    const badEval = nonFiniteEvaluation(result);
    if (badEval) {
      process.stderr.write(`synthgrad: ${badEval}. The weights are finite (every training loss was); the checkpoint ${path.join(outDir, 'checkpoint.safetensors')} holds them: evaluate it with \`synthgrad eval\` to see where, or lower --lr / set --clip.\n`);
      process.exit(NON_FINITE_EXIT);
    }
    const outgrew = syntheticOutgrew(result.records);
    if (outgrew) process.stderr.write(`synthgrad: warning: ${outgrewMessage(outgrew)}\n`);
    if (result.stopped) process.exit(result.stopped === 'SIGINT' ? 130 : 143);
  });
  return cmd;
}

/** The exit code of a run stopped by a non-finite loss, gradient or final evaluation (sweep reads it). */
export const NON_FINITE_EXIT = 3;

/**
 * The line for a run stopped by a non-finite step: it names the last good checkpoint only where
 * one exists (checkpoints are written every minute and at epoch ends, so a run that fails in its
 * first minute has none, and cannot be resumed); after a runaway synthetic gradient
 * (syntheticRunaway of the run's records) it points at the synthesizer's keys instead of --lr: its lr,
 * scale and bound when ĝ outgrew δ, its discount and scale when the two grew together.
 */
export function stoppedMessage(what: string, outDir: string, runaway: Runaway | null = null): string {
  const ckpt = path.join(outDir, 'checkpoint.safetensors');
  const where = fs.existsSync(ckpt)
    ? `The last good checkpoint is ${ckpt}`
    : `No checkpoint had been written yet (one is written every minute and at each epoch's end), so there is nothing to resume: start again`;
  const advice = !runaway
    ? 'lower --lr, set --clip, or use --on-nan skip'
    : runaway.growth === undefined
      ? `the synthetic gradient had outgrown the real one (median ‖ĝ‖/‖δ‖ ${runaway.ratio.toPrecision(3)} over the last synthetic steps, ‖ĝ‖ ${runaway.ghat.toPrecision(3)} at step ${runaway.step}): lower --sg-lr or --sg-scale, or bound ĝ with --sg-bound 2 (docs/results.md, "The copy task's setting on tiny Shakespeare", "A bound on the synthetic gradient")`
      : `the synthetic gradient and its bootstrapped target grew together (‖ĝ‖ ${runaway.ghat.toPrecision(3)} at step ${runaway.step}, ${runaway.growth.toPrecision(3)} times its median in this run; median ‖ĝ‖/‖δ‖ ${runaway.ratio.toPrecision(3)} over the last synthetic steps): lower --sg-discount (γ) or --sg-scale (docs/results.md, "The discount γ"); if the model itself diverged, lower --lr or set --clip`;
  return `stopped: ${what}. ${where}; ${advice}.`;
}

/** The warning for a run that finished after its synthetic gradient had outgrown the real one (syntheticOutgrew). */
export function outgrewMessage(o: Runaway): string {
  return `the synthetic gradient outgrew the real one in this run (median ‖ĝ‖/‖δ‖ ${o.ratio.toPrecision(3)} over 50 synthetic steps from step ${o.step}, `
    + `‖ĝ‖ up to ${o.ghat.toPrecision(3)}; stable runs sit at 0.1–0.7), and the model may have followed it: compare the losses with --policy bptt, `
    + 'and lower --sg-lr or --sg-scale (or leave --sg-average at 0)';
}

/** What was not finite in the final evaluations of a run whose training losses all were; null when nothing. */
export function nonFiniteEvaluation(r: Pick<RunResult, 'valid' | 'test' | 'steps'>): string | null {
  const bad = (['valid', 'test'] as const).filter((k) => r[k] && !Number.isFinite(r[k]!.loss));
  return bad.length ? `the ${bad.join(' and ')} loss after step ${r.steps} is not finite (${bad.map((k) => r[k]!.loss).join(', ')})` : null;
}

function printSummary(r: RunResult, outDir: string): void {
  const lines = [`steps ${r.steps}  last loss ${r.lastLoss.toFixed(4)}  time ${r.seconds.toFixed(1)} s`];
  if (r.valid) lines.push(`valid loss ${r.valid.loss.toFixed(4)}  ppl ${r.valid.ppl.toFixed(2)}  bpc ${r.valid.bpc.toFixed(3)}`);
  if (r.test) lines.push(`test  loss ${r.test.loss.toFixed(4)}  ppl ${r.test.ppl.toFixed(2)}  bpc ${r.test.bpc.toFixed(3)}`);
  if (r.copy) lines.push(`copy curriculum: N ${r.copy.N}${r.copy.R > 1 ? ` R ${r.copy.R}` : ''}, best solved N ${r.copy.bestN}, recent bit errors/sequence ${r.copy.recentError.toFixed(3)}`);
  const files = ['config.json', 'metrics.jsonl', 'checkpoint.safetensors', 'curves.svg'].filter((f) => fs.existsSync(path.join(outDir, f)));
  lines.push(`run directory: ${outDir} (${files.join(', ')})`);
  process.stdout.write(lines.join('\n') + '\n');
}

/** The WebGPU device's largest buffer, where the backend tells it. */
function deviceBufferLimit(b: unknown): number | null {
  const l = (b as { limits?: { maxBufferSize?: number; maxStorageBufferBindingSize?: number } }).limits;
  const v = [l?.maxBufferSize, l?.maxStorageBufferBindingSize].filter((x): x is number => typeof x === 'number' && x > 0);
  return v.length ? Math.min(...v) : null;
}

/**
 * runs/<task>-<date>-<time>, made at once so that a second run started in the
 * same second (mkdir fails: it exists) takes the next free suffix (-2, -3, …).
 */
export function defaultOutDir(task: string, now = new Date(), root = 'runs'): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const d = now;
  const base = path.join(root, `${task}-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`);
  for (let i = 1; ; i++) {
    const dir = i === 1 ? base : `${base}-${i}`;
    try {
      fs.mkdirSync(root, { recursive: true });
      fs.mkdirSync(dir);
      return dir;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && fs.statSync(root).isDirectory()) continue;
      throw new ConfigError(`cannot create the run directory ${dir} (${code ?? (e as Error).message}); give --out DIR`, undefined, '--out');
    }
  }
}

/** Resolves the command line into a validated config, before any work starts. */
export function resolveTrainOptions(opts: Record<string, unknown>): { cfg: RunConfig; configJson: object; outDir: string; resume: boolean } {
  let raw: object = {};
  let baseDir = process.cwd();
  let source = 'command line';
  const resumeDir = typeof opts.resume === 'string' ? opts.resume : null;
  if (resumeDir) {
    if (opts.config) throw new ConfigError('option --resume: cannot be combined with --config (a resumed run uses its own config.json)', undefined, '--resume');
    const file = path.join(resumeDir, 'config.json');
    if (!fs.existsSync(path.join(resumeDir, 'checkpoint.safetensors'))) {
      throw new ConfigError(`option --resume: ${resumeDir} has no checkpoint.safetensors to resume from`, undefined, '--resume');
    }
    ({ raw, baseDir } = loadConfigFile(file));
    source = file;
    const allowed = new Set(['steps', 'epochs', 'resume', 'out']);
    for (const [k, flag] of givenOptions(opts)) {
      if (!allowed.has(k)) {
        throw new ConfigError(`option ${flag}: a resumed run keeps its configuration; only --steps or --epochs may change`);
      }
    }
  } else if (typeof opts.config === 'string') {
    ({ raw, baseDir } = loadConfigFile(opts.config));
    source = opts.config;
  }
  if (resumeDir && opts.overwrite) throw new ConfigError('option --overwrite: cannot be combined with --resume (a resumed run continues its directory)', undefined, '--overwrite');
  const merged = applyFlags(raw, trainFlagValues(opts), { cwd: process.cwd(), path: nodePath }) as Record<string, unknown>;
  // charlm without data: the built-in corpus, with the command line's hold-out unless a split is given
  const builtin = !resumeDir && (merged.task ?? 'charlm') === 'charlm' && merged.data === undefined;
  if (builtin) {
    merged.data = builtinCorpusPath();
    if (merged.split === undefined) merged.split = { valid: 0.05, test: 0.05 };
  }
  // The command line's convenience default: a single charlm file holds out 5% + 5%.
  if (!resumeDir && !opts.config && opts.split === undefined && (merged.task ?? 'charlm') === 'charlm' && typeof merged.data === 'string') {
    const p = path.resolve(baseDir, merged.data);
    if (fs.existsSync(p) && fs.statSync(p).isFile()) merged.split = { valid: 0.05, test: 0.05 };
  }
  const cfg = resolveConfig(merged, { baseDir, source, path: nodePath });
  // a model far too big for the machine stops here, before the data are read or anything is allocated
  checkFits(estimateRun(cfg, { vocab: 1, trainTokens: 0 }, cfg.threads ?? defaultThreads()), { total: os.totalmem() });
  if (opts.out === '') throw new ConfigError('option --out: an empty path; give a directory', undefined, '--out');
  const outDir = resumeDir ?? (typeof opts.out === 'string' ? opts.out : defaultOutDir(cfg.task));
  return { cfg, configJson: configToJson(cfg, outDir, {}, nodePath), outDir, resume: resumeDir !== null };
}
