// The progress bar in a real pseudo-terminal (test/pty/run.py): at 60 and 80 columns every redraw
// of the bar fits in one line, so the terminal never wraps it into a trail of lines; and barLine's
// rules at widths down to 20.
import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { barLine } from '../src/node/progress.js';

// eslint-disable-next-line no-control-regex -- the terminal's escape sequences are what is removed
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

describe('the bar in a terminal', () => {
  for (const columns of [60, 80]) {
    test(`${columns} columns: every redraw fits in one line`, () => {
      const r = spawnSync(
        'python3',
        [
          'test/pty/run.py',
          String(columns),
          process.execPath,
          'dist/node/cli.js',
          'train',
          '--limit',
          '12000',
          '--epochs',
          '2',
          '--layers',
          '64,10',
          '--batch',
          '16',
          '--threads',
          '1',
        ],
        { encoding: 'utf8', timeout: 120_000 },
      );
      expect(r.status, r.stderr).toBe(0);
      const pieces = r.stdout.replace(ANSI, '').split(/\r\n|\r|\n/);
      const bars = pieces.filter((p) => /^epoch \d\/2 \[[= ]+\] /.test(p));
      expect(bars.length).toBeGreaterThan(2); // it was drawn, and redrawn
      for (const b of bars) expect(b.length, b).toBeLessThan(columns);
      expect(bars.some((b) => b.includes('samples/s'))).toBe(columns >= 80);
      expect(pieces.find((p) => p.startsWith('test: loss'))).toMatch(/accuracy \d+\.\d\d%/);
    });
  }
});

describe('barLine', () => {
  const parts = ['12,000/50,000', '81,234 samples/s', 'loss 0.1234', 'ETA 0:07'];
  test('a full bar and every figure where there is room', () => {
    expect(barLine('epoch 1/5', 0.5, parts, 100)).toBe(
      `epoch 1/5 [${'='.repeat(12)}${' '.repeat(12)}] 12,000/50,000  81,234 samples/s  loss 0.1234  ETA 0:07`,
    );
  });
  test('narrower: the bar shrinks, then samples/s and the count go, then the bar; never as wide as the terminal', () => {
    for (let columns = 20; columns <= 120; columns++) {
      const line = barLine('epoch 10/10', 0.37, parts, columns);
      expect(line.length, `${columns}: ${line}`).toBeLessThan(columns);
      expect(line, `${columns}`).toContain(columns >= 33 ? 'loss 0.1234' : 'epoch 10/10');
    }
    expect(barLine('epoch 1/5', 1, parts, 60)).toBe(
      `epoch 1/5 [${'='.repeat(10)}] 12,000/50,000  loss 0.1234  ETA 0:07`,
    );
  });
});
