// A search pool's worker (see search-pool.ts): the rows and the base come once, as workerData;
// then each message is one trial, answered with its scores or its error.
import { parentPort, workerData } from 'node:worker_threads';
import { Dataset, scoreTrial, type Trial } from '../index.js';
import type { PoolInit } from './search-pool.js';

const init = workerData as PoolInit;
const data = Dataset.fromArrays(init.features, init.targets, init.width);
parentPort!.on('message', (trial: Trial) => {
  scoreTrial(data, init.base, trial, { folds: init.folds, seed: init.seed }).then(
    (result) => parentPort!.postMessage({ result }),
    (e: Error) => parentPort!.postMessage({ error: e.message }),
  );
});
