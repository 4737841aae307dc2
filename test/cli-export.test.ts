// `wasmlp export` and `wasmlp import` as a user runs them (npm run build first): the files they
// write are the library's bytes, a TF.js export imports back to the same network, and bad input
// is refused with its message, its exit code, and no file written.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { Network } from '../src/index.js';

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/node/cli.js', ...args], { encoding: 'utf8' });
const tmp = mkdtempSync(join(tmpdir(), 'wasmlp-export-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function modelFile(name: string, layers: Parameters<typeof Network.create>[0]['layers']): Promise<Network> {
  const net = await Network.create({ inputs: 4, layers, loss: 'mse', seed: 2 });
  writeFileSync(join(tmp, name), net.toBytes());
  return net;
}

test('export --format onnx writes net.toOnnx(); --format tfjs a folder that imports back to the same network', async () => {
  const net = await modelFile('m.wasmlp', [
    { units: 5, activation: 'leaky-relu', alpha: 0.1 },
    { units: 2, activation: 'tanh' },
  ]);
  const onnx = cli('export', '--model', join(tmp, 'm.wasmlp'), '--format', 'onnx', '--out', join(tmp, 'm.onnx'));
  expect(onnx.stderr).toBe('');
  expect(onnx.status).toBe(0);
  expect(onnx.stdout).toMatch(/^wrote .*m\.onnx: ONNX model \(opset 13\) of 4-5-2/);
  expect(new Uint8Array(readFileSync(join(tmp, 'm.onnx')))).toEqual(net.toOnnx());

  const dir = join(tmp, 'tfjs', 'm');
  const tfjs = cli('export', '--model', join(tmp, 'm.wasmlp'), '--format', 'tfjs', '--out', dir);
  expect(tfjs.status).toBe(0);
  expect(readdirSync(dir).sort()).toEqual(['model.json', 'model.weights.bin']);
  const { modelJson, weights } = net.toTfjs();
  expect(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'))).toEqual(modelJson);
  expect(new Uint8Array(readFileSync(join(dir, 'model.weights.bin')))).toEqual(weights);

  const imported = cli('import', '--tfjs', join(dir, 'model.json'), '--out', join(tmp, 'back.wasmlp'));
  expect(imported.stderr).toBe('');
  expect(imported.stdout).toMatch(/^wrote .*back\.wasmlp: 4-5-2 .*loss mse, 37 parameters/);
  const back = await Network.fromBytes(new Uint8Array(readFileSync(join(tmp, 'back.wasmlp'))));
  expect(back.parameters()).toEqual(net.parameters());
  expect(back.config.layers).toEqual(net.config.layers);
});

test('refusals: exit code 1 or 2, a message saying why, and no file written', async () => {
  await modelFile('step.wasmlp', [
    { units: 3, activation: 'step' },
    { units: 1, activation: 'sigmoid' },
  ]);
  const model = join(tmp, 'step.wasmlp');
  await modelFile('ok.wasmlp', [{ units: 3 }, { units: 2, activation: 'identity' }]);
  const ok = join(tmp, 'ok.wasmlp'),
    okJson = join(tmp, 'ok-tfjs', 'model.json');
  expect(cli('export', '--model', ok, '--format', 'tfjs', '--out', join(tmp, 'ok-tfjs')).status).toBe(0);
  const cases: [string[], number, RegExp, string?][] = [
    [['export', '--model', model, '--out', join(tmp, 'x.onnx')], 2, /--format is required: onnx or tfjs/],
    [
      ['export', '--model', model, '--format', 'keras', '--out', join(tmp, 'x.onnx')],
      2,
      /--format expects one of onnx, tfjs, got "keras"/,
    ],
    [['export', '--model', model, '--format', 'onnx'], 2, /--out is required/],
    [
      ['export', '--model', model, '--format', 'onnx', '--out', join(tmp, 'step.onnx')],
      1,
      /layer 1 uses the step activation, which has no exact ONNX op/,
      'step.onnx',
    ],
    [
      ['export', '--model', model, '--format', 'tfjs', '--out', join(tmp, 'step-tfjs')],
      1,
      /layer 1 uses step, which TensorFlow.js has no activation for/,
      'step-tfjs',
    ],
    [['export', '--model', ok, '--format', 'tfjs', '--out', ok], 1, /it is a file; tfjs writes a folder/],
    [['import', '--out', join(tmp, 'y.wasmlp')], 2, /--tfjs is required/],
    [
      ['import', '--tfjs', join(tmp, 'none.json'), '--out', join(tmp, 'y.wasmlp')],
      1,
      /cannot read model\.json .*none\.json: no such file/,
      'y.wasmlp',
    ],
    [
      ['import', '--tfjs', model, '--out', join(tmp, 'y.wasmlp')],
      1,
      /step\.wasmlp is not JSON .*expected a TensorFlow\.js model\.json/,
      'y.wasmlp',
    ],
    [
      ['import', '--tfjs', join(tmp, 'remote.json'), '--out', join(tmp, 'y.wasmlp')],
      1,
      /names the weights file "https:\/\/example\.com\/w\.bin"; expected a path relative/,
      'y.wasmlp',
    ],
    [
      ['import', '--tfjs', okJson, '--out', join(tmp, 'y.wasmlp'), '--loss', 'hinge'],
      2,
      /--loss expects one of mse, cross-entropy, got "hinge"/,
      'y.wasmlp',
    ],
    [
      ['import', '--tfjs', okJson, '--out', join(tmp, 'y.wasmlp'), '--loss', 'cross-entropy'],
      1,
      /loss "cross-entropy" needs a softmax or sigmoid output layer/,
      'y.wasmlp',
    ],
  ];
  writeFileSync(
    join(tmp, 'remote.json'),
    JSON.stringify({ weightsManifest: [{ paths: ['https://example.com/w.bin'], weights: [] }] }),
  );
  for (const [args, status, message, notWritten] of cases) {
    const r = cli(...args);
    expect(r.status, args.join(' ')).toBe(status);
    expect(r.stderr, args.join(' ')).toMatch(message);
    if (notWritten) expect(existsSync(join(tmp, notWritten)), notWritten).toBe(false);
  }
});

test('help for export and import, and both listed in wasmlp --help', () => {
  expect(cli('--help').stdout).toMatch(/\n  export .*\n  import /);
  expect(cli('export', '--help').stdout).toMatch(/Usage: wasmlp export --model FILE --format onnx\|tfjs --out PATH/);
  expect(cli('import', '-h').stdout).toMatch(/Usage: wasmlp import --tfjs model\.json --out FILE/);
});
