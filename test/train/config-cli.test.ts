// The CLI side of the configuration: the train options registered from the
// key table, which options count as given, and the one --threads parser.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { applyFlags, ConfigError, TRAIN_FLAGS } from '../../src/train/config.js';
import { addTrainFlags, givenOptions, trainFlagValues } from '../../src/cli/train-flags.js';
import { parseThreadsOption } from '../../src/cli/threads-option.js';

describe('parseThreadsOption', () => {
  it('reads a positive integer or "auto" (null)', () => {
    expect(parseThreadsOption('auto')).toBeNull();
    expect(parseThreadsOption(' 3 ')).toBe(3);
    expect(parseThreadsOption('1')).toBe(1);
  });
  it('names the option and the value otherwise', () => {
    for (const bad of ['0', '-1', '1.5', '', 'x', '2e400', '9007199254740993']) {
      let e: unknown;
      try { parseThreadsOption(bad); } catch (x) { e = x; }
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).message).toBe(`option --threads: ${JSON.stringify(bad)} is not a positive integer or "auto"`);
      expect((e as ConfigError).exitCode).toBe(2);
    }
  });
});

describe('train options', () => {
  const parse = (argv: string[]) => addTrainFlags(new Command().exitOverride()).parse(argv, { from: 'user' }).opts();

  it('registers one option per flag of the key table', () => {
    const cmd = addTrainFlags(new Command());
    const noX = (f: { flag: string; arg: string | null }) => f.arg === null && f.flag.startsWith('--no-');
    expect(cmd.options.map((o) => o.long).filter((l) => !TRAIN_FLAGS.some((f) => noX(f) && l === `--${f.flag.slice(5)}`)))
      .toEqual(TRAIN_FLAGS.map((f) => f.flag));
    expect(cmd.options.map((o) => o.long)).toEqual(expect.arrayContaining(['--copy-stream', '--no-copy-stream', '--train-in-real']));
  });

  it('a --no-x switch comes with --x, and either one sets the key over the file', () => {
    const file = { task: 'copy', copy: { stream: false } };
    const stream = (argv: string[]) => (applyFlags(file, trainFlagValues(parse(argv))) as { copy?: { stream?: boolean } }).copy?.stream;
    expect(stream(['--copy-stream'])).toBe(true);
    expect(stream(['--no-copy-stream'])).toBe(false);
    expect(stream([])).toBe(false);
    expect(stream(['--steps', '3'])).toBe(false);
    expect(givenOptions(parse(['--copy-stream']))).toEqual([['copyStream', '--copy-stream']]);
    expect(givenOptions(parse([]))).toEqual([]);
  });

  it('--threads goes through parseThreadsOption', () => {
    expect(trainFlagValues(parse(['--threads', 'auto'])).threads).toBeNull();
    expect(trainFlagValues(parse(['--threads', '2'])).threads).toBe(2);
    expect(() => trainFlagValues(parse(['--threads', '0']))).toThrow(/--threads: "0" is not a positive integer or "auto"/);
    expect(trainFlagValues(parse([]))).not.toHaveProperty('threads');
  });

  it('givenOptions: a --no-x switch counts only when given', () => {
    expect(givenOptions(parse(['--steps', '3']))).toEqual([['steps', '--steps']]);
    expect(givenOptions(parse(['--no-train-in-real', '--sg-lr', '0.1'])))
      .toEqual(expect.arrayContaining([['trainInReal', '--no-train-in-real'], ['sgLr', '--sg-lr']]));
    expect(givenOptions({ resume: 'r', out: undefined })).toEqual([['resume', '--resume']]);
  });
});
