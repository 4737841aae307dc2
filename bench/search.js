// The search section: trials per second of `wasmlp search` on 1 job and on 2, run one after the
// other in each repetition so that each ratio pairs runs moments apart. A small table network
// (1,000 rows × 10 features, 8 trials × 3 folds of 150 epochs, no early stop): each trial the same work.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng, summary } from './lib/util.js';

const cli = fileURLToPath(new URL('../dist/node/cli.js', import.meta.url));
// One width, so that every trial is the same work; 16 trials, so that worker start-up is a small share.
const GRID = 'layers=32;lr=1e-3,3e-3,1e-2,3e-2;weight-decay=0,1e-4,1e-3,1e-2';

export async function benchSearch({ quick, jobs = [1, 2] }) {
  const dir = mkdtempSync(join(tmpdir(), 'wasmlp-bench-search-'));
  try {
    const r = rng(7),
      rows = [];
    let text = `${Array.from({ length: 10 }, (_, j) => `x${j}`).join(',')},y\n`;
    for (let i = 0; i < 1000; i++) {
      const x = Array.from({ length: 10 }, () => r() * 2 - 1);
      text += `${x.map((v) => v.toFixed(4)).join(',')},${(x[0] * 3 - x[1] + x[2] * x[3]).toFixed(4)}\n`;
    }
    const data = join(dir, 't.csv');
    writeFileSync(data, text);
    const args = ['search', '--data', data, '--target', 'y', '--grid', GRID, '--folds', '3'];
    args.push('--epochs', '600', '--early-stop', '1000', '--quiet');
    const runs = new Map(jobs.map((j) => [j, []]));
    for (let rep = 0; rep < (quick ? 3 : 5); rep++)
      for (const j of jobs) {
        const out = execFileSync(process.execPath, [cli, ...args, '--jobs', String(j)], { encoding: 'utf8' });
        const m = /^\d+ trials in [\d.]+ s \(([\d.]+) trials\/s\)$/m.exec(out);
        runs.get(j).push(m ? Number(m[1]) : NaN);
      }
    for (const j of jobs) rows.push({ jobs: j, trialsPerSec: summary(runs.get(j)), runs: runs.get(j) });
    const one = runs.get(jobs[0]);
    const ratios = jobs.slice(1).map((j) => ({
      jobs: j,
      vsOneJob: summary(runs.get(j).map((x, i) => x / one[i])),
    }));
    return { workload: '1,000 × 10 regression, 16 trials × 3 folds × 600 epochs', rows, ratios };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
