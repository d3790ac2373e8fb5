// The public API is a decision: the names exported by src/index.ts (Node) and
// src/core.ts (anywhere, a browser too) are written out here by hand, so that
// adding or removing one changes this file. Every export has a doc comment on
// its declaration.
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';

const SRC = path.resolve('src');

/** Values (what `import * as m` holds at run time), in src/core.ts. */
const CORE_VALUES = [
  'Adam', 'ConfigError', 'CopyModel', 'CopySource', 'DataError', 'LmSource', 'LstmLm', 'NonFiniteError', 'ParamSet',
  'Rng', 'RunLoop', 'SafetensorsError', 'Sgd', 'ShapeError', 'TargetNormalizer', 'Tensor', 'Trainer', 'Var', 'WebGpuUnavailableError', 'add',
  'backend', 'backward', 'batchify', 'buildRun', 'buildCharCorpus', 'clipGradNorm', 'concat', 'cpuBackend', 'createCpuBackend',
  'createSynthesizer', 'createWebGpuBackend', 'decodeSafetensors', 'embedding', 'encodeSafetensors', 'evaluateLm',
  'exp', 'globalNorm', 'gradcheck', 'gradcheckRoots', 'gruCell', 'isGradEnabled', 'linear', 'log', 'lrForStep',
  'lstmCell', 'lstmSequence', 'matmul', 'mean', 'modeForStep', 'mul', 'neg', 'noGrad', 'record', 'relu',
  'renderCurves', 'reshape', 'resolveConfig', 'scale', 'setBackend', 'sgdrLr', 'sigmoid', 'sigmoidBinaryCrossEntropy',
  'softmaxCrossEntropy', 'split', 'sub', 'sum', 'tanh', 'tensorF32',
];
/** Types only, in src/core.ts. */
const CORE_TYPES = [
  'Backend', 'Batched', 'CharCorpus', 'ChunkForward', 'ChunkSource', 'CopyRun', 'CopySummary', 'CpuBackend', 'CpuBackendOptions',
  'DType', 'EvalRecord', 'FloatArray', 'GradcheckOptions', 'GradcheckResult', 'GruWeights', 'LstmLmShape',
  'LmRun', 'LstmWeights', 'MatmulOptions', 'MetricRecord', 'Mode', 'Node', 'Optimizer', 'ParamSpec', 'ResolveOptions',
  'RunConfig', 'RunSetup', 'Shape', 'StFile', 'StTensor', 'StateDict', 'Stateful', 'StepObserver', 'StepPosition', 'StepRecord', 'SynthCall',
  'SynthKind', 'SynthOptions', 'Synthesizer', 'SynthesizerConfig', 'WebGpuBackend', 'WebGpuBackendOptions',
];
/** What src/index.ts adds for Node. */
const NODE_VALUES = ['builtinCorpusPath', 'createThreadedBackend', 'loadCorpus', 'runTraining', 'setupRun'];
const NODE_TYPES = ['RunOptions', 'RunResult', 'ThreadedBackend', 'ThreadedBackendOptions'];

interface Export { name: string; type: boolean; file: string }

/** The names an entry file exports, each with the module that declares it (one level of re-export). */
function exportsOf(file: string): Export[] {
  const text = fs.readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '');
  const out: Export[] = [];
  for (const m of text.matchAll(/export\s+(type\s+)?\{([^}]*)\}\s*from\s*'([^']+)'/g)) {
    const from = path.resolve(path.dirname(file), m[3]!.replace(/\.js$/, '.ts'));
    for (const part of m[2]!.split(',').map((s) => s.trim()).filter(Boolean)) {
      const typeOnly = Boolean(m[1]) || part.startsWith('type ');
      out.push({ name: part.replace(/^type\s+/, ''), type: typeOnly, file: from });
    }
  }
  for (const m of text.matchAll(/export\s+\*\s+from\s*'([^']+)'/g)) {
    out.push(...exportsOf(path.resolve(path.dirname(file), m[1]!.replace(/\.js$/, '.ts'))));
  }
  return out;
}

/** Where `name` is declared, following re-exports from `file`. */
function declarationOf(name: string, file: string): { file: string; at: number; lines: string[] } {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const decl = new RegExp(`^export\\s+(declare\\s+)?(abstract\\s+)?(async\\s+)?(class|function|interface|type|const|let|enum)\\s+${name}\\b`);
  const at = lines.findIndex((l) => decl.test(l));
  if (at >= 0) return { file, at, lines };
  const again = exportsOf(file).find((e) => e.name === name);
  if (!again) throw new Error(`no declaration of ${name} in ${file}`);
  return declarationOf(name, again.file);
}

const sorted = (xs: string[]) => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

describe('the public API', () => {
  const core = exportsOf(path.join(SRC, 'core.ts'));
  const index = exportsOf(path.join(SRC, 'index.ts'));

  it('src/core.ts exports exactly the listed names', () => {
    expect(sorted(core.filter((e) => !e.type).map((e) => e.name))).toEqual(sorted(CORE_VALUES));
    expect(sorted(core.filter((e) => e.type).map((e) => e.name))).toEqual(sorted(CORE_TYPES));
  });

  it('src/index.ts exports core and the listed Node additions', () => {
    expect(sorted(index.filter((e) => !e.type).map((e) => e.name))).toEqual(sorted([...CORE_VALUES, ...NODE_VALUES]));
    expect(sorted(index.filter((e) => e.type).map((e) => e.name))).toEqual(sorted([...CORE_TYPES, ...NODE_TYPES]));
  });

  it('the modules export at run time the values listed', async () => {
    expect(sorted(Object.keys(await import('../../src/core.js')))).toEqual(sorted(CORE_VALUES));
    expect(sorted(Object.keys(await import('../../src/index.js')))).toEqual(sorted([...CORE_VALUES, ...NODE_VALUES]));
  });

  it('every export has a doc comment on its declaration', () => {
    const missing: string[] = [];
    for (const e of index) {
      const { file, at, lines } = declarationOf(e.name, e.file);
      if (!/\*\/\s*$/.test(lines[at - 1] ?? '')) missing.push(`${e.name} (${path.relative(SRC, file)}:${at + 1})`);
    }
    expect(missing).toEqual([]);
  });
});
