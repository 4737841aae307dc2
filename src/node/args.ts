// Flag parsing for every command: util.parseArgs, then one validator per kind of value, each with a
// message that names the flag, what it expects and what it got. A UsageError exits with code 2.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MAX_THREADS, nearest } from '../config.js';
import { wrapHelp } from './text.js';

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * The one suggestion rule for commands, flags and values: "; did you mean X?" for the name in `names`
 * nearest to `got` (config's nearest: another case, a prefix, or at most 2 edits), else ''.
 */
export function didYouMean(got: string, names: readonly string[], show = (n: string) => n): string {
  const near = nearest(got, names);
  return near === undefined ? '' : `; did you mean ${show(near)}?`;
}

/** A word given where a command takes none, or a model given without --model: the flag it belongs to. */
function positionalFlag(word: string, options: Options): string | undefined {
  if (/\.wasmlp$/i.test(word) && 'model' in options) return 'model';
  if (/\.(csv|tsv)$/i.test(word) && 'data' in options) return 'data';
  return undefined;
}

/** parseArgs without defaults (so "given" is `!== undefined`); prints `help` and returns undefined on --help. */
export function parse(
  argv: string[],
  options: Options,
  help: string,
  positionals = false,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } | undefined {
  const all: Options = { ...options, help: { type: 'boolean', short: 'h' } };
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i],
      name = /^--([^=]+)/.exec(a)?.[1];
    if (name !== undefined && !(name in all))
      throw new UsageError(`unknown option --${name}${didYouMean(name, Object.keys(all), (n) => `--${n}`)}`);
    // Short options: only -h; another ("-e 1") is refused, with the long flag it may stand for.
    const short = /^-([^-].*)$/.exec(a)?.[1];
    if (short !== undefined && short !== 'h' && !/^\.?\d/.test(short))
      throw new UsageError(
        `unknown option -${short} (the only short option is -h; the others are long, as --name)${didYouMean(short.split('=')[0], Object.keys(options), (n) => `--${n}`)}`,
      );
    // A value that starts with a dash ("--epochs -1") goes to the flag's own check, which says what it expects.
    if (name !== undefined && all[name].type === 'string' && !a.includes('=') && /^-\.?\d/.test(argv[i + 1] ?? ''))
      args.push(`${a}=${argv[++i]}`);
    else args.push(a);
  }
  const parsed = parseArgs({ args, options: all, strict: true, allowPositionals: true });
  for (const word of parsed.positionals) {
    const flag = positionalFlag(word, options);
    // A model file without --model (`wasmlp info m.wasmlp`): say where it goes.
    if (flag && (!positionals || (flag === 'model' && parsed.values.model === undefined)))
      throw new UsageError(`unexpected argument ${JSON.stringify(word)}; did you mean --${flag} ${word}?`);
    if (!positionals)
      throw new UsageError(`unexpected argument ${JSON.stringify(word)}: this command takes options only`);
  }
  if (parsed.values.help) {
    process.stdout.write(wrapHelp(help));
    return undefined;
  }
  return parsed as { values: Record<string, string | boolean | undefined>; positionals: string[] };
}

export function int(
  flag: string,
  value: string | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(x) || x < min || x > max) {
    throw new UsageError(
      `--${flag} expects an integer ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`}, got ${JSON.stringify(value)}`,
    );
  }
  return x;
}

/** --threads: "auto" (the default) or a count. */
export function threadCount(value: string | undefined): number | 'auto' {
  if (value === undefined || value === 'auto') return 'auto';
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_THREADS)
    throw new UsageError(
      `--threads expects "auto" or an integer from 1 to ${MAX_THREADS}, got ${JSON.stringify(value)}`,
    );
  return Number(value);
}

export function real(
  flag: string,
  value: string | undefined,
  ok: (x: number) => boolean,
  expected: string,
): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || !ok(x))
    throw new UsageError(`--${flag} expects ${expected}, got ${JSON.stringify(value)}`);
  return x;
}

export function oneOf<T extends string>(flag: string, value: string, names: readonly T[]): T {
  if (!names.includes(value as T))
    throw new UsageError(
      `--${flag} expects one of ${names.join(', ')}, got ${JSON.stringify(value)}${didYouMean(value, names)}`,
    );
  return value as T;
}

/** A path flag: present and not empty. */
export function path(flag: string, value: string | undefined, required: true): string;
export function path(flag: string, value: string | undefined, required?: false): string | undefined;
export function path(flag: string, value: string | undefined, required = false): string | undefined {
  if (value === undefined) {
    if (required) throw new UsageError(`--${flag} is required`);
    return undefined;
  }
  if (value.trim() === '') throw new UsageError(`--${flag} expects a path, got an empty string`);
  return value;
}

export const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
export const count = (x: number) => Math.round(x).toLocaleString('en-US');

/** "wasmlp train --epochs 3 …" as typed (arguments with spaces or quotes quoted), for a page to show. */
export const commandLine = (command: string, argv: string[]) =>
  ['wasmlp', command, ...argv].map((a) => (/^[\w./:=,+-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
