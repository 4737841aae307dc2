// Reproductions (not tests): two published MNIST results, trained with wasmlp from the built
// bundle, test accuracy printed beside the published figure with the epochs, minutes and seeds.
// A setting trained on the first 50,000 images is also measured on the other 10,000 (network2.py's
// validation_data, on which the book's figures were measured).
//   node bench/reproduce.js [network2|network2-60|network2-default-init|network2-cosine|dropout|all]
//     [--seeds 1,2,3] [--epochs N] [--json FILE]
// network2: Nielsen, "Neural Networks and Deep Learning", ch. 3 — 784-100-10 sigmoid,
//   cross-entropy, L2 λ = 5 over the first 50,000 images (network2.py's λ/n per step is
//   l2 = 5/50,000 here), batch 10; sgd η = 0.5 for 30 epochs (the book: 97.92%), or η = 0.1 for 60
//   (98.04%). bench/network2.py is network2.py's arithmetic in f64 NumPy, to check these figures
//   against the algorithm itself on the same data.
// dropout: Srivastava et al., JMLR 2014, table 2 — 784-800-800-10 relu, dropout 0.5 on the hidden
//   units and 0.2 on the inputs, momentum, max-norm; all 60,000 images. The paper trains for
//   hundreds of epochs; here 100 (--epochs sets how many; the cosine schedule spans them).
import { writeFileSync } from 'node:fs';
import { Network } from '../dist/index.js';
import { loadMnist } from '../dist/node/index.js';

const NETWORK2 = (init, learningRate) => ({
  rows: 50000,
  config: (seed) => ({
    inputs: 784,
    layers: [
      { units: 100, activation: 'sigmoid' },
      { units: 10, activation: 'sigmoid' },
    ],
    loss: 'cross-entropy',
    init,
    seed,
  }),
  fit: (epochs) => ({ epochs, batchSize: 10, optimizer: { name: 'sgd', learningRate }, l2: 5 / 50000 }),
});

const DEFAULT_INIT = NETWORK2('network2', 0.5);

const SETTINGS = {
  // The book's two runs call net.large_weight_initializer() first: weights and biases N(0, 1),
  // this library's init 'normal'.
  network2: {
    ...NETWORK2('normal', 0.5),
    published: '97.92% (book ch. 3: η = 0.5, 30 epochs, large weights)',
    target: 0.98,
    epochs: 30,
  },
  'network2-60': {
    ...NETWORK2('normal', 0.1),
    published: '98.04% (book ch. 3: η = 0.1, 60 epochs, large weights)',
    target: 0.98,
    epochs: 60,
  },
  // network2.py's default initialiser, weights N(0, 1/nIn); the book's chapter 3 shows it learns
  // faster and ends at about the same accuracy.
  'network2-default-init': {
    ...DEFAULT_INIT,
    published: '97.92% (book ch. 3, with large weights)',
    target: 0.98,
    epochs: 30,
  },
  // With this library's cosine schedule from η = 0.5 (network2.py has none; the book's chapter 3
  // suggests lowering η as learning slows).
  'network2-cosine': {
    ...DEFAULT_INIT,
    published: '97.92–98.04% (book ch. 3, a constant η)',
    target: 0.98,
    epochs: 30,
    fit: (epochs) => ({ ...DEFAULT_INIT.fit(epochs), schedule: { name: 'cosine' } }),
  },
  dropout: {
    published: '98.7–98.9% (Srivastava et al. 2014, table 2: 784-800-800-10 relu, dropout + max-norm)',
    target: 0.987,
    epochs: 100,
    rows: 60000,
    config: (seed) => ({
      inputs: 784,
      layers: [
        { units: 800, activation: 'relu', dropout: 0.5 },
        { units: 800, activation: 'relu', dropout: 0.5 },
        { units: 10, activation: 'softmax' },
      ],
      loss: 'cross-entropy',
      inputDropout: 0.2,
      seed,
    }),
    fit: (epochs) => ({
      epochs,
      batchSize: 100,
      optimizer: { name: 'momentum', learningRate: 0.05, momentum: 0.9 },
      schedule: { name: 'cosine', warmup: 2 },
      maxNorm: 3.5,
    }),
  },
};

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const seeds = (flag('--seeds') ?? '1').split(',').map(Number);
const epochsAsked = flag('--epochs');
const jsonOut = flag('--json');
const which = args[0] ?? 'all';
if (!(which in SETTINGS) && which !== 'all') {
  console.error(
    `reproduce: unknown setting ${JSON.stringify(which)}; expected ${Object.keys(SETTINGS).join(', ')} or all`,
  );
  process.exit(2);
}

const { train: all, test } = await loadMnist();
const results = [];
for (const name of which === 'all' ? Object.keys(SETTINGS) : [which]) {
  const s = SETTINGS[name];
  const epochs = epochsAsked ? Number(epochsAsked) : s.epochs;
  const train = s.rows < all.length ? all.slice(0, s.rows) : all;
  const heldOut = s.rows < all.length ? all.slice(s.rows) : undefined;
  const held = (net) => (heldOut ? `, held-out ${(100 * net.evaluate(heldOut).accuracy).toFixed(2)}%` : '');
  for (const seed of seeds) {
    const net = await Network.create(s.config(seed));
    const t0 = performance.now();
    await net.fit(train, {
      ...s.fit(epochs),
      onEpochEnd: (e) => {
        const { accuracy } = net.evaluate(test);
        console.log(
          `${name} seed ${seed} epoch ${e.epoch}/${epochs}: train loss ${e.loss.toFixed(4)}, lr ${e.learningRate.toPrecision(3)}, test ${(100 * accuracy).toFixed(2)}%${held(net)}, ${((performance.now() - t0) / 60000).toFixed(1)} min`,
        );
      },
    });
    const minutes = (performance.now() - t0) / 60000;
    const accuracy = net.evaluate(test).accuracy;
    const heldOutAccuracy = heldOut && net.evaluate(heldOut).accuracy;
    results.push({ name, seed, epochs, minutes, accuracy, heldOutAccuracy, threads: net.threads });
    net.dispose();
  }
  const mine = results.filter((r) => r.name === name);
  const pct = (key) => mine.map((r) => `${(100 * r[key]).toFixed(2)}%`).join(', ');
  const accs =
    pct('accuracy') + (heldOut ? ` (on the 10,000 held-out training images: ${pct('heldOutAccuracy')})` : '');
  console.log(
    `\n${name}: test accuracy ${accs} (seeds ${seeds.join(', ')}; ${epochs} epochs, ${mine.map((r) => r.minutes.toFixed(1)).join(', ')} min) — published ${s.published}; target ≥ ${100 * s.target}%: ${mine.every((r) => r.accuracy >= s.target) ? 'met' : 'not met'}\n`,
  );
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 2) + '\n');
