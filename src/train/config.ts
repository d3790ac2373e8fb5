// The run configuration: one table of keys (config/keys.ts) from which
// validation with defaults (config/resolve.ts), the resolved config.json
// (config/json.ts), the options of `synthgrad train` (config/flags.ts) and the
// key section of docs/config.md (config/docs.ts) are derived. docs/config.md
// lists every key. Pure functions, no Node imports (config-file.ts has the
// Node side).

export { ConfigError, showValue } from './config/errors.js';
export { posixPath, type PathOps } from './config/paths.js';
export { TASKS, type Task } from './config/table.js';
export {
  copyDefaults, KEYS, type CopyConfig, type EvalConfig, type OptimizerConfig, type PolicyConfig, type RunConfig,
  type ScheduleConfig, type SynthesizerConfig,
} from './config/keys.js';
export { RECORDED_KEYS } from './config/walk.js';
export { resolveConfig, type ResolveOptions } from './config/resolve.js';
export { configToJson } from './config/json.js';
export { applyFlags, positiveFlag, TRAIN_FLAGS, type ApplyFlagsOptions, type TrainFlag } from './config/flags.js';
