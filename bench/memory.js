// Memory section: W2 on wasmlp (wasm), several epochs in one fit(); process RSS, JS heap and the
// network's WebAssembly memory after a full GC at creation and at the end of every epoch.
// Flat from epoch 1 on is the goal (epoch 1 includes copying the dataset into the network's memory).
// And the peak RSS of reading a generated CSV table from disk, against its f32 data (bench/csv-memory.js).
import { Network } from '../dist/index.js';
import { WORKLOADS } from './workloads.js';
import { gc } from './lib/util.js';
import { csvMemory } from './csv-memory.js';

const MiB = 1024 * 1024;

export async function benchMemory({ quick, mnist }) {
  const w = WORKLOADS.find((x) => x.id === 'W2');
  const epochs = quick ? 2 : 5;
  const sample = (at, net) => {
    gc();
    const m = process.memoryUsage();
    return {
      at,
      rssMiB: m.rss / MiB,
      heapUsedMiB: m.heapUsed / MiB,
      externalMiB: m.external / MiB,
      wasmMiB: net.memoryBytes / MiB,
    };
  };
  const net = await Network.create({ inputs: w.inputs, layers: w.layers, loss: w.loss, seed: 1, backend: 'wasm' });
  const points = [sample('created', net)];
  await net.fit(mnist.train, {
    epochs,
    batchSize: w.batchSize,
    optimizer: w.optimizer,
    onEpochEnd: (e) => {
      points.push(sample(`epoch ${e.epoch}`, net));
    },
  });
  net.dispose();
  const first = points[1],
    last = points.at(-1);
  return {
    csv: csvMemory(quick ? 50 : 200),
    workload: 'W2',
    engine: 'wasmlp-wasm',
    epochs,
    points,
    growthAfterEpoch1: {
      rssMiB: last.rssMiB - first.rssMiB,
      heapUsedMiB: last.heapUsedMiB - first.heapUsedMiB,
      wasmMiB: last.wasmMiB - first.wasmMiB,
    },
  };
}
