// The library entry point (`import … from 'synthgrad'`): everything of
// src/core.ts, which runs in a browser too, and what needs Node: the built-in
// corpus, corpus files, whole runs on disk, the threaded CPU backend. The CLI
// is src/cli/main.ts. test/api/exports.test.ts lists every name exported here.
export * from './core.js';
export { builtinCorpusPath } from './data/builtin.js';
export { loadCorpus } from './data/load.js';
export { setupRun } from './train/setup.js';
export { runTraining, type RunOptions, type RunResult } from './train/run.js';
export { createThreadedBackend, type ThreadedBackend, type ThreadedBackendOptions } from './backends/threads/index.js';
