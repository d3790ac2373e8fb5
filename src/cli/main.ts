#!/usr/bin/env node
// The synthgrad command line: train, eval, sample, gradcheck, demo, bench, data, sweep, report.
import { Command } from 'commander';
import { trainCommand } from './train-command.js';
import { evalCommand, sampleCommand } from './eval-command.js';
import { gradcheckCommand } from './gradcheck-command.js';
import { demoCommand } from './demo-command.js';
import { benchCommand } from './bench-command.js';
import { dataCommand } from './data-command.js';
import { sweepCommand } from './sweep-command.js';
import { reportCommand } from './report-command.js';
import { labCommand } from './lab-command.js';
import { reportAndExit } from './errors.js';

const program = new Command();
program
  .name('synthgrad')
  .description(
    'A pure-TypeScript autodiff engine for studying synthetic gradients (DNI) in recurrent networks:\n' +
      'LSTM language models trained with truncated BPTT, synthetic gradients at every truncation point,\n' +
      'and SGDR warm restarts that alternate between synthetic and real gradients.',
  )
  .showHelpAfterError('(run with --help for the options)')
  // an unknown option or a missing argument is bad input, like a bad value: exit code 2
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

trainCommand(program.command('train'));
evalCommand(program.command('eval'));
sampleCommand(program.command('sample'));
gradcheckCommand(program.command('gradcheck'));
demoCommand(program.command('demo'));
benchCommand(program.command('bench'));
dataCommand(program.command('data'));
sweepCommand(program.command('sweep'));
reportCommand(program.command('report'));
labCommand(program.command('lab'));

program.parseAsync(process.argv).catch(reportAndExit);
