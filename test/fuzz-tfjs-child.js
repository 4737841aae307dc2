// The TF.js fuzz cases of fuzz.test.ts, run in a child Node with a small heap (argv: seed, runs,
// folder). Each case writes a mutated model.json (paths, shapes, names, nesting, structure) and
// weights beside fixed hostile neighbours (a FIFO, /dev/zero, links out of the folder, a folder),
// then reads it the way `wasmlp import` does. Prints one JSON line: cases run, failures, peak RSS.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { Network } from '../dist/index.js';
import { loadTfjs } from '../dist/node/index.js';

const [seed, runs, base] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const SECRET = 1234.5; // every f32 of the file outside the folder: no loaded weight may be it
const SECRET_BYTES = 4444; // its size: no message may tell it

const root = mkdtempSync(join(base, 'tfjs-'));
const dir = join(root, 'model');
mkdirSync(join(dir, 'sub'), { recursive: true });
mkdirSync(join(dir, 'folder'));
mkdirSync(join(root, 'outside'));
writeFileSync(join(root, 'outside', 'secret.bin'), Buffer.from(new Float32Array(SECRET_BYTES / 4).fill(SECRET).buffer));
if (spawnSync('mkfifo', [join(dir, 'fifo.bin')]).status !== 0) throw new Error('mkfifo failed');
symlinkSync('/dev/zero', join(dir, 'zero.bin'));
symlinkSync('../outside/secret.bin', join(dir, 'out.bin'));
symlinkSync('../outside/none.bin', join(dir, 'dangling.bin'));
symlinkSync('../outside', join(dir, 'outdir'));
symlinkSync('model.weights.bin', join(dir, 'alias.bin'));
writeFileSync(join(dir, 'sub', 'w.bin'), Buffer.alloc(0));

const activations = ['relu', 'tanh', 'sigmoid', 'leaky-relu', 'softplus', 'elu'];
const bases = await Promise.all(
  activations.map(async (activation, i) => {
    const net = await Network.create({
      inputs: 3,
      layers: [
        { units: 4, activation },
        { units: 2 + (i % 2), activation: 'softmax' },
      ],
      loss: 'cross-entropy',
      seed: i + 1,
    });
    const m = net.toTfjs();
    net.dispose();
    return m;
  }),
);

const PATHS = [
  'model.weights.bin',
  'model.weights.bin',
  'sub/w.bin',
  'alias.bin',
  'fifo.bin',
  'zero.bin',
  'out.bin',
  'dangling.bin',
  'outdir/secret.bin',
  'folder',
  'missing.bin',
  '../outside/secret.bin',
  join(root, 'outside', 'secret.bin'),
  'sub/../model.weights.bin',
  './model.weights.bin',
  'https://example.com/w.bin',
  '',
  'a\\b.bin',
  5,
  null,
];
const nested = (depth, leaf) => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
};
const weird = fc.oneof(
  fc.constantFrom(0, -1, 1.5, 2 ** 31, 2 ** 53, NaN, '3', null, true, [], {}, 'dense_1', ''),
  fc.integer({ min: 1, max: 1000 }).map((d) => nested(d, 1)),
  fc.array(fc.integer({ min: -2, max: 2 ** 20 }), { maxLength: 4 }),
);
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('split'), at: fc.nat() }), // two weights files, the second in sub/
  fc.record({ kind: fc.constant('paths'), paths: fc.array(fc.constantFrom(...PATHS), { maxLength: 4 }) }),
  fc.record({ kind: fc.constant('shape'), at: fc.nat(), shape: weird }),
  fc.record({ kind: fc.constant('weightName'), at: fc.nat(), other: fc.nat() }),
  fc.record({
    kind: fc.constant('layerName'),
    at: fc.nat(),
    name: fc.oneof(fc.constant(undefined), fc.nat().map(String), weird),
  }),
  fc.record({
    kind: fc.constant('layerKey'),
    at: fc.nat(),
    key: fc.constantFrom('units', 'activation', 'batch_input_shape', 'kernel_initializer', 'use_bias', 'name'),
    value: weird,
  }),
  fc.record({
    kind: fc.constant('deep'),
    depth: fc.integer({ min: 1, max: 300_000 }),
    where: fc.constantFrom('meta', 'layer', 'manifest'),
  }),
  fc.record({
    kind: fc.constant('manifest'),
    value: fc.constantFrom(null, {}, [], [null], [{ paths: 'model.weights.bin' }], [{ weights: null }]),
  }),
  fc.record({ kind: fc.constant('weightEntry'), at: fc.nat(), value: weird }),
  fc.record({ kind: fc.constant('layers'), count: fc.integer({ min: 0, max: 3000 }) }),
  fc.record({ kind: fc.constant('bytes'), cut: fc.integer({ min: -16, max: 16 }) }),
);

function apply(json, weights, ms) {
  const layers = json.modelTopology?.config?.layers ?? [];
  const specs = json.weightsManifest?.[0]?.weights ?? [];
  const pick = (list, at) => {
    const x = list[at % Math.max(list.length, 1)];
    return typeof x === 'object' && x !== null && !Array.isArray(x) ? x : undefined; // a mutation may have replaced it
  };
  let second = Buffer.alloc(0);
  for (const m of ms) {
    if (m.kind === 'split' && json.weightsManifest?.[0]) {
      const at = 4 * (m.at % (weights.length / 4 + 1));
      [weights, second] = [weights.subarray(0, at), Buffer.concat([weights.subarray(at), second])];
      json.weightsManifest[0].paths = ['model.weights.bin', 'sub/w.bin'];
    } else if (m.kind === 'paths' && json.weightsManifest?.[0]) json.weightsManifest[0].paths = m.paths;
    else if (m.kind === 'shape' && pick(specs, m.at)) pick(specs, m.at).shape = m.shape;
    else if (m.kind === 'weightName' && pick(specs, m.at)) pick(specs, m.at).name = pick(specs, m.other)?.name;
    else if (m.kind === 'layerName' && pick(layers, m.at)?.config) pick(layers, m.at).config.name = m.name;
    else if (m.kind === 'layerKey' && pick(layers, m.at)?.config) pick(layers, m.at).config[m.key] = m.value;
    else if (m.kind === 'deep') {
      const deep = `__DEEP_${m.depth}__`; // spliced into the text below: JSON.stringify cannot write it
      if (m.where === 'meta') json.userDefinedMetadata = { wasmlp: { loss: 'cross-entropy' }, deep };
      else if (m.where === 'layer' && layers[0]) layers[0].config.kernel_initializer = deep;
      else if (json.weightsManifest?.[0]) json.weightsManifest[0].extra = deep;
    } else if (m.kind === 'manifest') json.weightsManifest = structuredClone(m.value);
    else if (m.kind === 'weightEntry' && specs.length) specs[m.at % specs.length] = m.value;
    else if (m.kind === 'layers')
      for (let i = 0; i < m.count; i++) layers.push({ class_name: 'Dense', config: { name: `extra_${i}`, units: 1 } });
    else if (m.kind === 'bytes')
      weights =
        m.cut < 0
          ? weights.subarray(0, Math.max(0, weights.length + m.cut))
          : Buffer.concat([weights, Buffer.alloc(m.cut)]);
  }
  return { json, weights, second };
}

let cases = 0,
  loaded = 0;
const failures = [];
const file = join(dir, 'model.json');
await fc.assert(
  fc.asyncProperty(fc.nat(bases.length - 1), fc.array(mutation, { maxLength: 3 }), async (b, ms) => {
    cases++;
    const { json, weights, second } = apply(structuredClone(bases[b].modelJson), Buffer.from(bases[b].weights), ms);
    const text = JSON.stringify(json).replace(/"__DEEP_(\d+)__"/g, (_, d) => `${'[{"a":'.repeat(d)}1${'}]'.repeat(d)}`);
    writeFileSync(file, text);
    writeFileSync(join(dir, 'model.weights.bin'), weights);
    writeFileSync(join(dir, 'sub', 'w.bin'), second);
    const fail = (why) => failures.length < 5 && failures.push({ why, ms: JSON.stringify(ms).slice(0, 400) });
    let net;
    try {
      net = await loadTfjs(file, { loss: 'cross-entropy' });
    } catch (e) {
      if (!(e instanceof Error) || e.constructor !== Error)
        fail(`not a plain Error: ${e?.constructor?.name} ${e?.message}`);
      else if (!e.message || e.message.length > 1000) fail(`message of ${e.message.length} characters`);
      else if (e.message.includes(String(SECRET_BYTES)))
        fail(`the message tells the outside file's size: ${e.message}`);
      return;
    }
    loaded++;
    const params = net.parameters();
    if (params.some(({ W, b }) => W.includes(SECRET) || b.includes(SECRET)))
      fail('weights read from outside the folder');
    const again = await Network.fromTfjs(net.toTfjs().modelJson, net.toTfjs().weights);
    const same = again
      .parameters()
      .every(({ W, b }, l) => W.every((x, i) => x === params[l].W[i]) && b.every((x, i) => x === params[l].b[i]));
    if (!same) fail('the loaded network does not export to the same weights');
    again.dispose();
    net.dispose();
  }),
  { seed, numRuns: runs },
);
console.log(JSON.stringify({ cases, loaded, failures, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
