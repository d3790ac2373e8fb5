import type { Command } from 'commander';

export function gradcheckCommand(cmd: Command): Command {
  return cmd
    .description('check every op\'s analytic gradient against central finite differences in float64 and print a table')
    .option('--seed <n>', 'seed of the random shapes and values', '0')
    .action(async (opts: { seed: string }) => {
      const { formatGradcheckTable, runGradcheckSuite } = await import('../autograd/gradcheck-suite.js');
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed) || seed < 0) {
        process.stderr.write(`synthgrad: error: option --seed: ${JSON.stringify(opts.seed)} is not a non-negative integer\n`);
        process.exit(2);
      }
      const rows = runGradcheckSuite({ seed });
      process.stdout.write(formatGradcheckTable(rows) + '\n');
      if (rows.some((r) => !r.ok)) process.exit(1);
    });
}
