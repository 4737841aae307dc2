// Types of workloads.js for the TypeScript tests that call it in Node and, through page.evaluate, in a page.
import type { Dataset, EpochLog, FitOptions, NetworkConfig, Parameters } from '../../src/index.js';

/** The library module (dist/index.js in Node, /dist/index.js in a page). */
export type Lib = typeof import('../../src/index.js');
export interface Workload {
  name?: string;
  rows?: number;
  config: NetworkConfig;
  fit: FitOptions;
}

export const DETERMINISM_CASES: (Workload & { name: string; rows: number })[];
export function hashParameters(params: Parameters[]): { hash: string; words: number };
export function determinismRun(
  lib: Lib,
  train: Dataset,
  c: Workload,
): Promise<{ hash: string; words: number; loss: number }>;
export const SMALL: Workload & { rows: number };
export function smallRun(
  lib: Lib,
  train: Dataset,
  test: Dataset,
): Promise<{ history: EpochLog[]; loss: number; accuracy: number; parameters: number }>;
export const W2: Workload;
export function w2Run(
  lib: Lib,
  train: Dataset,
  test: Dataset,
): Promise<{ samplesPerSec: number; seconds: number; accuracy: number }>;
export function mnist(lib: Lib): Promise<{ train: Dataset; test: Dataset }>;

export type ThreadedResult = { hash: string; words: number; loss: number; threads: { count: number; reason: string } };
export const THREADS_CASE: Workload & { name: string; rows: number };
export function threadedRun(lib: Lib, train: Dataset, c: Workload, threads: 'auto' | number): Promise<ThreadedResult>;
/** In a page only: threadedRun in a module Web Worker on the MNIST of the test server. */
export function inWorker(c: Workload, threads: 'auto' | number): Promise<ThreadedResult & { spawned: number }>;
/** In a page only: inWorker on each thread count in turn; whether the page is isolated, and its cores. */
export function inWorkerAll(
  c: Workload,
  threads: ('auto' | number)[],
): Promise<{ out: (ThreadedResult & { spawned: number })[]; isolated: boolean; cores: number }>;

/** What the test page (index.html) and the demo page (demo/app.js) put on window for the tests. */
export interface PageGlobals {
  harness: typeof import('./workloads.js') & { lib: Lib };
  wasmlpDemo: {
    phase: string;
    batches: number;
    epochs: { epoch: number; valAccuracy: number }[];
    prediction: { digit: number; probs: number[] } | null;
    threads: { count: number; reason: string } | null;
  };
}
