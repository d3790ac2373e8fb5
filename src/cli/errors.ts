// One place that turns an error into a message and an exit code.
import { ConfigError } from '../train/config.js';
import { DataError } from '../data/index.js';
import { SafetensorsError } from '../io/safetensors.js';
import { FileIoError } from '../io/atomic-file.js';
import { CheckpointMismatchError } from '../train/checkpoint.js';

/** Exit codes: 2 bad input (options, config, data, checkpoint file), 1 anything else. */
export function exitCodeOf(e: unknown): number {
  if (e instanceof ConfigError || e instanceof DataError || e instanceof SafetensorsError || e instanceof FileIoError || e instanceof CheckpointMismatchError) return 2;
  return 1;
}

export function reportAndExit(e: unknown): never {
  const msg = e instanceof Error ? e.message : String(e);
  const kind = e instanceof ConfigError ? 'error' : e instanceof DataError ? 'data error' : e instanceof SafetensorsError || e instanceof CheckpointMismatchError ? 'checkpoint error' : 'error';
  process.stderr.write(`synthgrad: ${kind}: ${msg}\n`);
  if (exitCodeOf(e) === 1 && e instanceof Error && process.env.SYNTHGRAD_DEBUG) process.stderr.write(`${e.stack}\n`);
  process.exit(exitCodeOf(e));
}
