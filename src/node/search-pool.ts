// Trials on a pool of worker threads: each worker gets the rows and the search's base once, then
// one trial at a time, and runs it on its own single thread (scoreTrial). Nothing is shared, so
// nothing waits on anything but the queue; the scores are the ones a single thread finds.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Dataset, SearchBase, Trial, TrialResult } from '../index.js';
import { UsageError } from './args.js';

/** What each worker starts with (structured-cloned into it). */
export interface PoolInit {
  features: Float32Array | Uint8Array;
  targets: Float32Array | Uint8Array;
  width: number;
  base: SearchBase;
  folds: number;
  seed: number;
}

/** --jobs N|auto (auto: one per core). */
export function jobCount(value: string | undefined): number {
  if (value === undefined || value === 'auto') return availableParallelism();
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 256)
    throw new UsageError(`--jobs expects "auto" or an integer from 1 to 256, got ${JSON.stringify(value)}`);
  return Number(value);
}

export const poolInit = (data: Dataset, base: SearchBase, folds: number, seed: number): PoolInit => ({
  features: data.features,
  targets: data.targets ?? data.labels,
  width: data.width,
  base,
  folds,
  seed,
});

type Reply = { result: TrialResult } | { error: string };

/** `jobs` workers; runTrial queues a trial for the next free one. close() ends them. */
export function trialPool(jobs: number, init: PoolInit) {
  const idle: Worker[] = [];
  let closing = false;
  const waiting: { trial: Trial; resolve: (r: TrialResult) => void; reject: (e: Error) => void }[] = [];
  const workers = Array.from({ length: jobs }, () => {
    const w = new Worker(new URL('./search-worker.js', import.meta.url), { workerData: init });
    w.on('error', (e) => fail(e));
    w.on('exit', (code) => {
      if (!closing) fail(new Error(`a search worker stopped (exit code ${code}) before its trials were done`));
    });
    idle.push(w);
    return w;
  });
  const busy = new Map<Worker, (typeof waiting)[number]>();
  const fail = (e: Error) => {
    for (const job of [...busy.values(), ...waiting.splice(0)]) job.reject(e);
    busy.clear();
  };
  const next = () => {
    while (idle.length && waiting.length) {
      const w = idle.pop()!,
        job = waiting.shift()!;
      busy.set(w, job);
      w.once('message', (reply: Reply) => {
        busy.delete(w);
        idle.push(w);
        if ('result' in reply) job.resolve(reply.result);
        else job.reject(new Error(`trial ${job.trial.index + 1} (${job.trial.key}): ${reply.error}`));
        next();
      });
      w.postMessage(job.trial);
    }
  };
  return {
    runTrial: (trial: Trial) =>
      new Promise<TrialResult>((resolve, reject) => {
        waiting.push({ trial, resolve, reject });
        next();
      }),
    close: () => {
      closing = true;
      return Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
