// The bench suite's options (it measures speed; this only checks how it is asked to): --threads
// through `wasmlp bench` and straight to bench/run.js. No section runs, so nothing is timed here.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';

const tmp = mkdtempSync(join(tmpdir(), 'wasmlp-bench-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const run = (...args: string[]) => spawnSync(process.execPath, args, { encoding: 'utf8' });

test('wasmlp bench --threads passes the list through: deduplicated, ascending, 1 always in it', () => {
  const out = join(tmp, 'threads.json');
  const r = run('dist/node/cli.js', 'bench', '--sections', 'none', '--threads', '4,2,4', '--out', out);
  expect(r.status).toBe(0);
  expect(JSON.parse(readFileSync(out, 'utf8')).machine.threads).toEqual([1, 2, 4]);
});

test('without --threads: 1, 2 and the cores available', () => {
  const out = join(tmp, 'default.json');
  const r = run('bench/run.js', '--sections', 'none', '--out', out);
  expect(r.status).toBe(0);
  const { machine } = JSON.parse(readFileSync(out, 'utf8'));
  expect(machine.threads).toEqual([...new Set([1, 2, machine.cores])].sort((a, b) => a - b));
});

test.each(['0', '1,x', '65', ''])('--threads %j: exit code 2 and what it expects', (list) => {
  const r = run('bench/run.js', '--sections', 'none', '--threads', list);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/--threads expects a comma-separated list of integers from 1 to 64/);
});
