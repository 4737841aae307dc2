#!/usr/bin/env node
// The wasmlp command line. Exit codes: 0 ok, 1 runtime failure (a bad or corrupted file included), 2 bad usage.
import { VERSION } from '../index.js';
import { didYouMean, UsageError } from './args.js';
import { bench } from './commands/bench.js';
import { compare } from './commands/compare.js';
import { cv } from './commands/cv.js';
import { evaluate } from './commands/eval.js';
import { exportModel } from './commands/export.js';
import { importModel } from './commands/import.js';
import { gradcheck } from './commands/gradcheck.js';
import { info } from './commands/info.js';
import { predict } from './commands/predict.js';
import { search } from './commands/search.js';
import { train } from './commands/train.js';
import { wrapHelp } from './text.js';

const HELP = `Usage: wasmlp <command> [options]

Commands:
  train     train a perceptron on MNIST (checkpoints, resume, report) or a table
  eval      loss, accuracy and confusion matrix on the MNIST test set or a table
  predict   classify pictures or IDX images, or predict a table's rows
  info      describe a model or checkpoint file
  bench     run the bench suite (from a clone of the repository)
  export    write a model file as ONNX or as a TensorFlow.js layers model
  import    make a model file from a TensorFlow.js layers model (model.json)
  gradcheck check backpropagation's gradients against finite differences
  compare   train one network per activation, loss or depth; compare them
  cv        cross-validate train's network on a table: each fold's score
  search    find a table's network: trials scored by cross-validation

Run 'wasmlp <command> --help' for a command's options; 'wasmlp --version'.
Exit codes: 0 ok, 1 failure (a bad or corrupted file included), 2 bad usage.
`;

/** Each command resolves to its exit code, or to nothing for 0. */
const COMMANDS: Record<string, (argv: string[]) => Promise<number | void>> = {
  train,
  eval: evaluate,
  predict,
  info,
  bench,
  export: exportModel,
  import: importModel,
  gradcheck,
  compare,
  cv,
  search,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      process.stdout.write(wrapHelp(HELP));
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-v') {
      process.stdout.write(`${VERSION}\n`);
      return 0;
    }
    const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!run)
      throw new UsageError(
        `unknown command ${JSON.stringify(command)}; expected one of: ${Object.keys(COMMANDS).join(', ')}${didYouMean(command, Object.keys(COMMANDS))}`,
      );
    return (await run(rest)) ?? 0;
  } catch (e) {
    const err = e as Error & { code?: string };
    const usage = e instanceof UsageError || (typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS'));
    const help = command && Object.hasOwn(COMMANDS, command) ? `wasmlp ${command} --help` : 'wasmlp --help';
    process.stderr.write(`wasmlp: ${err.message}\n${usage ? `Run '${help}' for usage.\n` : ''}`);
    return usage ? 2 : 1;
  }
}

// A reader that stops early (`wasmlp info … | head -1`) closes the pipe: end quietly, as Unix tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(0);
});
process.exitCode = await main(process.argv.slice(2));
