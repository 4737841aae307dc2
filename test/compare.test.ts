// `wasmlp compare` as a user runs it (the built CLI): bad lists are usage errors naming their flag,
// a tiny run has one table row, one JSON entry and one curve per variant, and the diagnostics show
// what the seed's chapter 5 derives: in a deep sigmoid net the first layer's gradient is far
// smaller, relative to the output layer's, than in the same net with relu.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';

const cli = (...args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, ['dist/node/cli.js', 'compare', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '',
      stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
const tmp = mkdtempSync(join(tmpdir(), 'wasmlp-compare-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

test('a bad list or flag: exit code 2 and a message naming the flag, before any training', async () => {
  const cases: [string[], RegExp][] = [
    [
      ['--activation', 'sigmoid,,relu'],
      /--activation expects activation names separated by commas, got "sigmoid,,relu"/,
    ],
    [['--activation', 'sigmoid,swish'], /--activation expects one of identity, step, sigmoid, .*, got "swish"/],
    [['--activation', 'relu,tanh,relu'], /--activation lists relu twice/],
    [['--activation', 'tanh,softmax'], /--activation softmax is only allowed for the output layer/],
    [['--loss', 'mse,hinge'], /--loss expects one of mse, cross-entropy, got "hinge"/],
    [['--loss', 'mse,'], /--loss expects mse, cross-entropy or both, separated by commas, got "mse,"/],
    [['--layers', '30,10', '30,9'], /--layers must end with 10 units \(one per MNIST digit\), got 30,9/],
    [['--layers', '30,x,10'], /--layers expects an integer from 1 to 16777216, got "x"/],
    [['--layers', '30,10', '30,10'], /--layers lists 30,10 twice/],
    [['--layers', '30,10', 'extra'], /unexpected argument "extra": this command takes options only/],
    [['--out', join(tmp, 'c.txt')], /--out expects a file name ending in \.html/],
    [['--epochs', '0'], /--epochs expects an integer from 1 to 1000000, got "0"/],
    [['--lr', 'fast'], /--lr expects a number > 0, got "fast"/],
    [['--report', 'r.html'], /unknown option --report/],
  ];
  const results = await Promise.all(cases.map(([args]) => cli(...args)));
  for (const [i, [args, message]] of cases.entries()) {
    expect(results[i].status, args.join(' ')).toBe(2);
    expect(results[i].stderr, args.join(' ')).toMatch(message);
    expect(results[i].stderr).toMatch(/Run 'wasmlp compare --help' for usage\.\n$/);
    expect(results[i].stdout, args.join(' ')).toBe('');
  }
});

test('help lists the variant flags and the training flags it shares with train', async () => {
  const r = await cli('--help');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(
    /Usage: wasmlp compare[\s\S]*--activation LIST[\s\S]*--loss LIST[\s\S]*--layers LIST[\s\S]*--optimizer NAME[\s\S]*--out FILE\.html[\s\S]*--json/,
  );
  // The whole --init entry, and the validation rows of compare's own default (40,000 images), not train's.
  const flat = r.stdout.replace(/\s+/g, ' ');
  expect(flat).toContain(
    '--init NAME normal | lecun | xavier | he | network2 (default: he for relu-like, xavier otherwise; network2: weights N(0, 1/inputs), biases N(0, 1)) --optimizer',
  );
  expect(flat).toContain('(default 1/6: 6,667 of 40,000)');
  expect(flat).not.toContain('60,000)');
});

test('a tiny run: one table row, one JSON entry and one curve per variant', async () => {
  const out = join(tmp, 'tiny.html');
  const r = await cli(
    '--limit',
    '600',
    '--epochs',
    '1',
    '--activation',
    'sigmoid,relu',
    '--layers',
    '20,10',
    '20,20,10',
    '--out',
    out,
    '--json',
    '--quiet',
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const variants = ['784-20-10 sigmoid', '784-20-10 relu', '784-20-20-10 sigmoid', '784-20-20-10 relu'];
  const lines = r.stdout.split('\n');
  const head = lines.findIndex((l) => l.startsWith('variant '));
  expect(lines[head]).toMatch(/^variant\s+test accuracy\s+test loss\s+seconds\s+saturated\s+‖∇W¹‖\/‖∇Wᴸ‖$/);
  const table = lines.slice(head + 1, head + 1 + variants.length);
  expect(table.map((l) => l.split(/\s{2,}/)[0])).toEqual(variants);
  for (const l of table) expect(l).toMatch(/\s\d+\.\d\d%\s+\d\.\d{4}\s+\d+\.\d\s+\d+\.\d\d%\s+[\d.e+-]+$/);
  expect(lines[head + 1 + variants.length]).toBe(`wrote the comparison to ${out}`);

  const json = lastJson(r.stdout);
  expect(json.out).toBe(out);
  expect(json.variants.map((v: { variant: string }) => v.variant)).toEqual(variants);
  for (const v of json.variants) {
    expect(v.testAccuracy).toBeGreaterThan(0);
    expect(v.testAccuracy).toBeLessThanOrEqual(1);
    expect(v.testLoss).toBeGreaterThan(0);
    expect(v.saturated).toBeGreaterThanOrEqual(0);
    expect(v.gradNormRatio).toBeGreaterThan(0);
    expect(v.error).toBeUndefined();
  }
  expect(json.variants.map((v: { layers: number[] }) => v.layers)).toEqual([
    [20, 10],
    [20, 10],
    [20, 20, 10],
    [20, 20, 10],
  ]);

  const html = readFileSync(out, 'utf8');
  expect(html).toMatch(/^<!doctype html>/);
  expect(html).not.toMatch(/<script|<link|src="http|href="http|url\(/); // nothing to fetch
  expect(html.match(/<tr><th><span class="swatch"/g)).toHaveLength(variants.length);
  const svg = (title: string) => new RegExp(`<svg[^>]*aria-label="${title}"[^>]*>([\\s\\S]*?)</svg>`).exec(html)![1];
  const legend = (s: string) => [...s.matchAll(/<text x="[\d.]+" y="[\d.]+">([^<]*)<\/text>/g)].map((m) => m[1]);
  expect(legend(svg('Validation accuracy'))).toEqual(variants);
  expect(legend(svg('Gradient norm, first layer / last \\(log scale\\)'))).toEqual(variants);
  // One chart of the per-layer gradient norms per variant, with one curve per layer.
  for (const v of variants) {
    const layers = legend(svg(`${v}: ‖∂C/∂Wˡ‖ per layer \\(log scale\\)`));
    expect(layers).toEqual(v.startsWith('784-20-20') ? ['hidden 1', 'hidden 2', 'output'] : ['hidden 1', 'output']);
  }
});

test('a deep sigmoid net has a smaller first/last gradient-norm ratio than the same net with relu', async () => {
  const r = await cli(
    '--limit',
    '1200',
    '--epochs',
    '1',
    '--activation',
    'sigmoid,relu',
    '--layers',
    '30,30,30,30,10',
    '--out',
    join(tmp, 'deep.html'),
    '--json',
    '--quiet',
  );
  expect(r.status).toBe(0);
  const [sigmoid, relu] = lastJson(r.stdout).variants;
  expect(sigmoid.activation).toBe('sigmoid');
  expect(relu.activation).toBe('relu');
  expect(sigmoid.gradNormRatio).toBeLessThan(relu.gradNormRatio / 4);
});

test('a variant that diverges is a row of the table that says so; the next variants and the page go on', async () => {
  const out = join(tmp, 'diverged.html');
  const r = await cli(
    ...['--limit', '300', '--epochs', '1', '--layers', '20,10', '--loss', 'mse', '--output', 'identity'],
    ...['--optimizer', 'sgd', '--lr', '1e5', '--batch', '10', '--activation', 'relu,sigmoid'],
    ...['--out', out, '--json', '--quiet'],
  );
  expect(r.status).toBe(0);
  const rows = lastJson(r.stdout).variants;
  expect(rows.map((v: { variant: string }) => v.variant)).toEqual(['relu', 'sigmoid']);
  const html = readFileSync(out, 'utf8');
  for (const v of rows) {
    expect(v.testAccuracy).toBeNull();
    expect(v.error).toMatch(/^the loss became (NaN|Infinity) in epoch 1, batch \d+ of 25: training diverged/);
    expect(r.stdout).toMatch(new RegExp(`^${v.variant} +failed +– `, 'm'));
    expect(r.stdout).toContain(`${v.variant}: ${v.error}`);
    expect(html).toContain(`<b>${v.variant}</b>: `);
  }
});
