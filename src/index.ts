// The library entry point: the engine, the models and the training loop,
// usable without the CLI (which is src/cli/main.ts).
export * from './tensor/index.js';
export * from './autograd/index.js';
export { backend, setBackend, type Backend, type LstmForwardArgs, type LstmBackwardArgs } from './backends/backend.js';
export { cpuBackend, createCpuBackend, type CpuBackend, type CpuBackendOptions } from './backends/cpu/index.js';
export { createThreadedBackend, type ThreadedBackend, type ThreadedBackendOptions } from './backends/threads/index.js';
export { ParamSet, type ParamSpec } from './models/params.js';
export { LstmLm, type LstmLmShape } from './models/lstm-lm.js';
export { CopyModel } from './models/copy-model.js';
export { createSynthesizer, type Synthesizer, type SynthKind } from './models/synthesizers.js';
export { resolveConfig, configToJson, ConfigError, type RunConfig } from './train/config.js';
export { Trainer, NonFiniteError, type ChunkSource } from './train/trainer.js';
export { LmSource, lmChunkSource, evaluateLm } from './train/lm-source.js';
export { Adam, Sgd, clipGradNorm, globalNorm, type Optimizer } from './train/optimizers.js';
export { sgdrLr, cycleAt, lrForStep, modeForStep, type Mode } from './train/schedule.js';
export { setupRun, type RunSetup, type LmRun, type CopyRun } from './train/setup.js';
export type { StateDict, Stateful } from './models/state.js';
export { runTraining, type RunOptions, type RunResult } from './train/run.js';
export { renderCurves, type MetricRecord, type StepRecord, type EvalRecord } from './train/curves.js';
export { encodeSafetensors, decodeSafetensors, SafetensorsError } from './io/safetensors.js';
