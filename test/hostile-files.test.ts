// Hostile files and paths (issue 23): nothing read from outside the folder it belongs to, nothing
// read that is not a regular file, every read bounded by what its kind may be and what the input
// declares, deep or huge JSON refused in words, TF.js names that must be unique. The CLI is run
// from dist/, as a user runs it; a guard timeout turns a hang into a failure (no duration is asserted).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

const CLI = 'dist/node/cli.js';
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000, cwd: process.cwd() });
const tmp = mkdtempSync(join(tmpdir(), 'wasmlp-hostile-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const mkfifo = (file: string) => expect(spawnSync('mkfifo', [file]).status).toBe(0);

describe('2. only regular files are read', () => {
  test('a FIFO as the latest checkpoint is refused by name, not waited on', () => {
    const ck = join(tmp, 'ck-fifo');
    mkdirSync(ck);
    mkfifo(join(ck, 'epoch-0009.wasmlp'));
    const r = cli('train', '--resume', ck);
    expect(r.signal).toBeNull(); // not killed by the guard timeout: it did not hang
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /cannot read model file .*epoch-0009\.wasmlp: it is a FIFO \(named pipe\); expected a regular file/,
    );
  });

  test('--data naming /dev/zero through a link is refused, not read without end', () => {
    const zero = join(tmp, 'zero.csv');
    symlinkSync('/dev/zero', zero);
    const r = spawnSync(process.execPath, ['--max-old-space-size=128', CLI, 'train', '--data', zero, '--target', 'y'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`cannot read CSV file ${zero}: it is a character device; expected a regular file`);
  });

  test('a model file that is a FIFO (wasmlp info) is refused by name', () => {
    const fifo = join(tmp, 'model-fifo.wasmlp');
    mkfifo(fifo);
    const r = cli('info', '--model', fifo);
    expect(r.signal).toBeNull();
    expect(r.stderr).toContain(`cannot read model file ${fifo}: it is a FIFO (named pipe); expected a regular file`);
  });
});

describe('7. a lock that is not a lock file says what it is', () => {
  test('a .lock folder in the checkpoint folder', () => {
    const ck = join(tmp, 'ck-lockdir');
    mkdirSync(join(ck, '.lock'), { recursive: true });
    const r = cli('train', '--limit', '100', '--epochs', '1', '--checkpoint', ck, '--out', join(tmp, 'x.wasmlp'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `cannot lock --checkpoint ${ck}: ${join(ck, '.lock')} is not a lock a run wrote (it is a folder); remove it if no run is using the folder`,
    );
    expect(r.stderr).not.toMatch(/at the same moment/);
  });
});
