// The options of `synthgrad train` that set configuration keys: one per row
// of the key table that has a flag (src/train/config/keys.ts), with its help.
import type { Command } from 'commander';
import { TRAIN_FLAGS } from '../train/config.js';
import { parseThreadsOption } from './threads-option.js';

/** Registers every configuration option on `cmd`, without commander defaults (undefined = not given). */
export function addTrainFlags(cmd: Command): Command {
  for (const f of TRAIN_FLAGS) cmd.option(f.spec, f.help);
  return cmd;
}

/**
 * Commander's `opts()` with the values the CLI parses itself already parsed
 * (`--threads`, as in every command that takes it), for applyFlags.
 */
export function trainFlagValues(opts: Record<string, unknown>): Record<string, unknown> {
  return typeof opts.threads === 'string' ? { ...opts, threads: parseThreadsOption(opts.threads) } : opts;
}

/**
 * The options of commander's `opts()` that the user gave, as [attribute, option
 * name] (a `--no-x` switch is true when not given).
 */
export function givenOptions(opts: Record<string, unknown>): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(opts)) {
    const f = TRAIN_FLAGS.find((t) => t.attr === k);
    if (v === undefined || (f?.arg === null && f.flag.startsWith('--no-') && v === true)) continue;
    out.push([k, f?.flag ?? `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`]);
  }
  return out;
}
