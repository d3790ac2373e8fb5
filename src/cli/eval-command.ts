// `synthgrad eval` and `synthgrad sample`: read a run directory back.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { ConfigError, resolveConfig, type RunConfig } from '../train/config.js';
import { loadConfigFile, nodePath } from '../train/config-file.js';
import { readFileBytes } from '../io/atomic-file.js';
import { decodeCheckpoint, loadParams } from '../train/checkpoint.js';
import { setupRun } from '../train/setup.js';
import { evaluateLm } from '../train/lm-source.js';
import { LstmLm } from '../models/lstm-lm.js';
import { sampleText } from '../train/sample.js';
import { Rng } from '../tensor/rng.js';
import { setBackend } from '../backends/backend.js';
import { selectBackend } from './backend-select.js';
import { parsePositiveInt, parseThreadsOption } from './threads-option.js';

function loadRun(dir: string, overrides: Record<string, unknown> = {}): { cfg: RunConfig; checkpoint: string } {
  const missing = ['config.json', 'checkpoint.safetensors'].filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length) {
    const what = fs.existsSync(dir) ? `has no ${missing.join(' and no ')}` : 'does not exist';
    throw new ConfigError(`${dir} ${what}: give a run directory written by \`synthgrad train\``);
  }
  const { raw, baseDir } = loadConfigFile(path.join(dir, 'config.json'));
  const cfg = resolveConfig({ ...(raw as object), ...overrides, init: null }, { baseDir, source: path.join(dir, 'config.json'), path: nodePath });
  return { cfg, checkpoint: path.join(dir, 'checkpoint.safetensors') };
}

export function evalCommand(cmd: Command): Command {
  return cmd
    .description('evaluate a trained run on its validation and test data: loss (nats/token), perplexity, bits per character')
    .argument('<run-dir>', 'a run directory written by `synthgrad train`')
    .option('--split <which>', 'valid, test or both', 'both')
    .option('--data <path>', 'evaluate on other data (same layout and vocabulary as the run\'s)')
    .option('--batch <n>', 'evaluation batch size [the run\'s eval.batch]')
    .option('--threads <n|auto>', 'CPU threads; any count gives the same numbers ["auto": the logical CPUs, at most 8; 1: no worker threads] [the run\'s threads]')
    .action(async (dir: string, opts: { split: string; data?: string; batch?: string; threads?: string }) => {
      if (!['valid', 'test', 'both'].includes(opts.split)) throw new ConfigError(`option --split: ${JSON.stringify(opts.split)} is not one of valid, test, both`);
      const overrides: Record<string, unknown> = {};
      if (opts.data) overrides.data = path.resolve(opts.data);
      const { cfg, checkpoint } = loadRun(dir, overrides);
      if (opts.batch) cfg.eval.batch = parsePositiveInt(opts.batch, '--batch');
      const threads = opts.threads === undefined ? cfg.threads : parseThreadsOption(opts.threads);
      if (cfg.task !== 'charlm' && cfg.task !== 'wordlm') throw new ConfigError(`eval: task ${cfg.task} has no held-out data; its metrics.jsonl holds the curriculum`);
      const s = setupRun(cfg, (l) => process.stderr.write(`${l}\n`));
      if (s.kind !== 'lm') throw new Error(`eval: task ${cfg.task} set up no language model`);
      loadParams(s.model.params, decodeCheckpoint(readFileBytes(checkpoint), checkpoint).tensors, checkpoint);
      const selected = await selectBackend('cpu', threads);
      process.stderr.write(`${selected.line}\n`);
      const previous = setBackend(selected.backend);
      try {
        const splits = opts.split === 'both' ? (['valid', 'test'] as const) : ([opts.split] as ('valid' | 'test')[]);
        for (const split of splits) {
          const data = split === 'valid' ? s.valid : s.test;
          if (!data) {
            process.stdout.write(`${split}: none (the run has no ${split} data)\n`);
            continue;
          }
          const e = evaluateLm(s.model, data, cfg.bptt);
          process.stdout.write(`${split}: loss ${e.loss.toFixed(4)}  ppl ${e.ppl.toFixed(2)}  bpc ${e.bpc.toFixed(4)}  (${e.tokens} tokens)\n`);
        }
      } finally {
        setBackend(previous);
        (selected.backend as { dispose?: () => void }).dispose?.();
      }
    });
}

export function sampleCommand(cmd: Command): Command {
  return cmd
    .description('generate text from a trained language model')
    .argument('<run-dir>', 'a run directory written by `synthgrad train` (charlm or wordlm)')
    .option('--length <n>', 'tokens to generate', '500')
    .option('--temperature <t>', 'softmax temperature (lower: more conservative)', '0.8')
    .option('--prime <text>', 'text to condition on first', '')
    .option('--seed <n>', 'random seed', '0')
    .action((dir: string, opts: { length: string; temperature: string; prime: string; seed: string }) => {
      const length = parsePositiveInt(opts.length, '--length');
      const temperature = Number(opts.temperature);
      if (!(temperature > 0) || !Number.isFinite(temperature)) throw new ConfigError(`option --temperature: ${JSON.stringify(opts.temperature)} must be a number > 0`);
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed) || seed < 0) throw new ConfigError(`option --seed: ${JSON.stringify(opts.seed)} is not a non-negative integer`);
      const { cfg, checkpoint } = loadRun(dir);
      if (cfg.task !== 'charlm' && cfg.task !== 'wordlm') throw new ConfigError(`sample: task ${cfg.task} is not a language model`);
      const { tensors, state } = decodeCheckpoint(readFileBytes(checkpoint), checkpoint);
      const vocab = state?.vocab;
      if (!Array.isArray(vocab)) throw new Error(`${checkpoint}: no vocabulary in the checkpoint's metadata`);
      const model = new LstmLm({ vocab: vocab.length, embed: cfg.embed, hidden: cfg.hidden, tied: cfg.tied });
      loadParams(model.params, tensors, checkpoint);
      const text = sampleText(model, vocab as string[], cfg.task, { length, temperature, prime: opts.prime, rng: new Rng(seed) });
      process.stdout.write(text + '\n');
    });
}
