// `wasmlp gradcheck` as a user runs it (npm run build first): a pass on a small network, the --json
// object, a failing check's exit code, and bad flags.
import { spawnSync } from 'node:child_process';
import { expect, test } from 'vitest';

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/node/cli.js', ...args], { encoding: 'utf8' });
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

test('gradcheck passes on a small network: a line per layer, a verdict, exit code 0', () => {
  const r = cli('gradcheck', '--layers', '16,10', '--activation', 'tanh', '--rows', '4', '--entries', '40');
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines[0]).toBe(
    'wasmlp gradcheck: 784-16-10 tanh/softmax, cross-entropy, seed 1, wasm backend, 4 MNIST training images, ε 1e-5',
  );
  expect(lines[1]).toMatch(/^layer +shape +checked +max error +median +worst entry/);
  expect(lines[2]).toMatch(/^1 +16×784 +56 of 12,560 \(\d+ zero\) +\d\.\de-\d +\d\.\de-\d +[Wb]\[\d+\]/);
  expect(lines[3]).toMatch(/^2 +10×16 +50 of 170 +\d\.\de-\d +\d\.\de-\d +[Wb]\[\d+\]/);
  expect(lines.at(-1)).toBe("pass: every layer's largest relative error is below 1e-2");
});

test('gradcheck --json: the result object as the last line', () => {
  const r = cli('gradcheck', '--layers', '8,10', '--loss', 'mse', '--rows', '3', '--json');
  expect(r.status).toBe(0);
  const j = lastJson(r.stdout);
  expect(Object.keys(j)).toEqual(['ok', 'threshold', 'floor', 'epsilon', 'rows', 'layers']);
  expect(j).toMatchObject({ ok: true, threshold: 0.01, floor: 1e-6, epsilon: 1e-5, rows: 3 });
  expect(
    j.layers.map((l: { layer: number; checked: number; entries: number }) => [l.layer, l.checked, l.entries]),
  ).toEqual([
    [1, 264, 6280],
    [2, 90, 90],
  ]);
  for (const l of j.layers) {
    expect(Object.keys(l)).toEqual(['layer', 'checked', 'entries', 'zeros', 'maxError', 'medianError', 'worst']);
    expect(l.maxError).toBeLessThan(j.threshold);
    expect(['W', 'b']).toContain(l.worst.tensor);
  }
});

test('a check that fails (ε far too large for central differences) says where, with exit code 1', () => {
  const r = cli(
    'gradcheck',
    '--layers',
    '30,10',
    '--activation',
    'sigmoid',
    '--loss',
    'mse',
    '--rows',
    '8',
    '--epsilon',
    '0.5',
  );
  expect(r.status).toBe(1);
  expect(r.stdout.trim().split('\n').at(-1)).toMatch(
    /^FAIL: layer 1 \(\d\.\de-\d at [Wb]\[\d+\](\[\d+\])?\).* at or above 1e-2$/,
  );
});

test('gradcheck: help, and bad flags with exit code 2', () => {
  const help = cli('gradcheck', '--help');
  expect(help.status).toBe(0);
  expect(help.stdout).toMatch(/Usage: wasmlp gradcheck[\s\S]*--layers LIST[\s\S]*--rows N[\s\S]*--epsilon X/);
  expect(cli('--help').stdout).toMatch(/\n  gradcheck +check backpropagation/);
  const cases: [string[], RegExp][] = [
    [['--row', '3'], /unknown option --row; did you mean --rows\?/],
    [['--rows', '0'], /--rows expects an integer from 1 to 60000, got "0"/],
    [['--entries', 'all'], /--entries expects an integer ≥ 1, got "all"/],
    [['--epsilon', '0'], /--epsilon expects a number in \(0, 1\), e\.g\. 1e-5, got "0"/],
    [['--activation', 'step'], /--activation step cannot be trained: the step function's derivative is 0/],
    [['--layers', '32,9'], /--layers must end with 10 units/],
    [['--backend', 'gpu'], /--backend expects one of wasm, js, got "gpu"/],
  ];
  for (const [args, message] of cases) {
    const r = cli('gradcheck', ...args);
    expect(r.status, args.join(' ')).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain("Run 'wasmlp gradcheck --help' for usage.");
  }
});
