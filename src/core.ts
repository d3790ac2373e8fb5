// The part of the public API that runs anywhere JavaScript does: no Node
// module is imported from here, so a web page (or a Worker) can import this
// file as it is (`synthgrad/core`; examples/05-browser.html). src/index.ts adds
// what needs Node (files, worker threads). Each name is listed on purpose:
// test/api/exports.test.ts holds the list, so adding or removing one is a decision.

// Tensors: flat typed arrays with a shape, and the seeded random numbers.
export { Tensor } from './tensor/tensor.js';
export { Rng } from './tensor/rng.js';
export { ShapeError, type Shape } from './tensor/shape.js';
export type { DType, FloatArray } from './tensor/dtype.js';

// Reverse-mode autodiff: variables on a tape, ops, backward, gradient checking.
export { Var, noGrad, isGradEnabled, record, type Node } from './autograd/variable.js';
export { backward } from './autograd/engine.js';
export { gradcheck, gradcheckRoots, type GradcheckOptions, type GradcheckResult } from './autograd/gradcheck.js';
export { add, sub, mul, scale, neg, sigmoid, tanh, relu, exp, log } from './autograd/ops/elementwise.js';
export { sum, mean, reshape } from './autograd/ops/reduce.js';
export { matmul, type MatmulOptions } from './autograd/ops/matmul.js';
export { linear } from './autograd/ops/linear.js';
export { embedding } from './autograd/ops/embedding.js';
export { concat, split } from './autograd/ops/concat.js';
export { softmaxCrossEntropy, sigmoidBinaryCrossEntropy } from './autograd/ops/losses.js';
export { lstmSequence, lstmCell, type LstmWeights } from './autograd/ops/lstm.js';
export { gruCell, type GruWeights } from './autograd/ops/gru.js';

// Backends: where the kernels run. Select one before building models.
export { backend, setBackend, type Backend } from './backends/backend.js';
export { cpuBackend, createCpuBackend, type CpuBackend, type CpuBackendOptions } from './backends/cpu/index.js';
export {
  createWebGpuBackend, WebGpuUnavailableError, type WebGpuBackend, type WebGpuBackendOptions,
} from './backends/webgpu/index.js';

// Models and synthesizers.
export { ParamSet, type ParamSpec } from './models/params.js';
export { LstmLm, type LstmLmShape, type ChunkForward } from './models/lstm-lm.js';
export { CopyModel } from './models/copy-model.js';
export {
  createSynthesizer, type Synthesizer, type SynthCall, type SynthKind, type SynthOptions,
} from './models/synthesizers.js';
export { TargetNormalizer } from './models/target-normalizer.js';
export type { StateDict, Stateful } from './models/state.js';

// Data that needs no file system.
export { buildCharCorpus, type CharCorpus } from './data/char-corpus.js';
export { batchify, type Batched } from './data/batch.js';
export { DataError } from './data/vocab.js';

// Training: configuration, the DNI trainer, the tasks as chunk sources, optimizers, schedules.
export {
  resolveConfig, ConfigError, type ResolveOptions, type RunConfig, type SynthesizerConfig,
} from './train/config.js';
export { Trainer, NonFiniteError, type ChunkSource, type StepObserver } from './train/trainer.js';
export { buildRun, type RunSetup, type LmRun, type CopyRun } from './train/build-run.js';
export { RunLoop } from './train/run-loop.js';
export { LmSource, evaluateLm } from './train/lm-source.js';
export { CopySource, type CopySummary } from './train/copy-source.js';
export { Adam, Sgd, clipGradNorm, globalNorm, type Optimizer } from './train/optimizers.js';
export { sgdrLr, lrForStep, modeForStep, type Mode, type StepPosition } from './train/schedule.js';
export { renderCurves, type MetricRecord, type StepRecord, type EvalRecord } from './train/curves.js';

// safetensors, the checkpoint format (PyTorch loads it with safetensors.torch.load_file).
export {
  encodeSafetensors, decodeSafetensors, tensorF32, SafetensorsError, type StFile, type StTensor,
} from './io/safetensors.js';
