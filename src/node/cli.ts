#!/usr/bin/env node
// The wasmlp command line. Exit codes: 0 ok, 1 runtime failure (a bad or corrupted file included), 2 bad usage.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { VERSION } from '../index.js';
import { UsageError } from './args.js';
import { evaluate, info, predict } from './model-commands.js';
import { train } from './train.js';

const HELP = `Usage: wasmlp <command> [options]

Commands:
  train     train a multilayer perceptron on MNIST (checkpoints, resume, report)
  eval      loss, accuracy and confusion matrix of a model file on the MNIST test set
  predict   classify PNG/PGM pictures or IDX images with a model file
  info      describe a model or checkpoint file
  bench     run the bench suite (from a clone of the repository)

Run 'wasmlp <command> --help' for a command's options; 'wasmlp --version' for the version.
Exit codes: 0 ok, 1 failure (including a bad or corrupted file), 2 bad usage.
`;

const BENCH_HELP = `Usage: wasmlp bench [options]

Runs the bench suite, node bench/run.js, passing the options through (it is in a clone of the
repository, not in the npm package; see bench/README.md). Reads the built dist/, so run
\`npm run build\` first. For example:
  wasmlp bench --quick                     a short pass (about 2 minutes)
  wasmlp bench --sections kernels          only the GEMM kernels
  wasmlp bench --out FILE                  where to write the JSON results
`;

function bench(argv: string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) { process.stdout.write(BENCH_HELP); return 0; }
  const script = fileURLToPath(new URL('../../bench/run.js', import.meta.url));
  if (!existsSync(script)) throw new Error(`the bench suite is not installed (${script} is missing): it ships with a clone of the wasmlp repository, not with the npm package`);
  const r = spawnSync(process.execPath, [script, ...argv], { stdio: 'inherit', cwd: fileURLToPath(new URL('../../', import.meta.url)) });
  if (r.error) throw r.error;
  return r.status === 0 ? 0 : 1;
}

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = { train, eval: evaluate, predict, info };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      process.stdout.write(HELP);
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-v') { process.stdout.write(`${VERSION}\n`); return 0; }
    if (command === 'bench') return bench(rest);
    const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!run) throw new UsageError(`unknown command ${JSON.stringify(command)}; expected one of: ${[...Object.keys(COMMANDS), 'bench'].join(', ')}`);
    await run(rest);
    return 0;
  } catch (e) {
    const err = e as Error & { code?: string };
    const usage = e instanceof UsageError || (typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS'));
    const help = command && (Object.hasOwn(COMMANDS, command) || command === 'bench') ? `wasmlp ${command} --help` : 'wasmlp --help';
    process.stderr.write(`wasmlp: ${err.message}\n${usage ? `Run '${help}' for usage.\n` : ''}`);
    return usage ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
