// The options of `synthgrad train` that set configuration keys: one per row
// of the key table that has a flag (src/train/config/keys.ts), with its help.
import type { Command } from 'commander';
import { positiveFlag, TRAIN_FLAGS } from '../train/config.js';
import { parseThreadsOption } from './threads-option.js';

/**
 * Registers every configuration option on `cmd`, without commander defaults
 * (undefined = not given). A `--no-x` switch comes with its `--x` (registered
 * first, so that commander leaves the value undefined when neither is given).
 */
export function addTrainFlags(cmd: Command): Command {
  for (const f of TRAIN_FLAGS) {
    const positive = positiveFlag(f);
    if (positive !== null) cmd.option(positive, `the default; ${f.flag} turns it off`);
    cmd.option(f.spec, f.help);
  }
  return cmd;
}

/**
 * Commander's `opts()` with the values the CLI parses itself already parsed
 * (`--threads`, as in every command that takes it), for applyFlags.
 */
export function trainFlagValues(opts: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...opts };
  if (typeof opts.threads === 'string') out.threads = parseThreadsOption(opts.threads);
  // commander gives `--x` and `--no-x` one attribute; true there means `--x` was given (addTrainFlags)
  for (const f of TRAIN_FLAGS) {
    const positive = positiveFlag(f);
    if (positive !== null && out[f.attr] === true) out[positive.slice(2)] = true;
  }
  return out;
}

/**
 * The options of commander's `opts()` (as addTrainFlags registers them) that
 * the user gave, as [attribute, option name].
 */
export function givenOptions(opts: Record<string, unknown>): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(opts)) {
    const f = TRAIN_FLAGS.find((t) => t.attr === k);
    if (v === undefined) continue;
    const flag = f === undefined ? null : v === true ? positiveFlag(f) ?? f.flag : f.flag;
    out.push([k, flag ?? `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`]);
  }
  return out;
}
