// The benchmark as a standalone script, for working on the kernels without the CLI:
//   npm run -s build && node dist/bench/bench.js [--json] [--quick] [--threads N]
// It is the same code as `synthgrad bench` (bench/lib/run.ts, with the options of
// src/cli/bench-command.ts): matrix-product GFLOP/s and char-LSTM training tokens/s
// next to tfjs-backend-cpu and tfjs-backend-wasm, timed with tinybench. docs/performance.md has a measured table.
import { Command } from 'commander';
import { benchCommand } from '../src/cli/bench-command.js';

const program = new Command('bench');
benchCommand(program, 'node dist/bench/bench.js');
await program.parseAsync(process.argv);
