// Progress within an epoch on stderr: a bar redrawn in place on a terminal (at most 10 times a
// second), and otherwise a plain line at each quarter of the epoch, which logs and pipes keep readably.
import type { BatchLog } from '../index.js';
import { count } from './args.js';

const clock = (s: number) =>
  Number.isFinite(s) ? `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}` : '?';

/**
 * The bar line in fewer than `columns` characters (a line as wide as the terminal wraps, and every
 * redraw would leave a line behind): the bar shrinks from 24 to 8 cells, then the least useful
 * figures go (samples/s, then the count), and what is left is cut.
 */
export function barLine(head: string, done: number, parts: string[], columns = 80): string {
  const room = Math.max(columns - 1, 10);
  for (const keep of [parts, [parts[0], parts[2], parts[3]], [parts[2], parts[3]]]) {
    const tail = keep.join('  ');
    const width = Math.min(24, room - head.length - tail.length - 4); // ' [', '] ' around the bar
    if (width >= 8) {
      const filled = Math.round(done * width);
      return `${head} [${'='.repeat(filled)}${' '.repeat(width - filled)}] ${tail}`;
    }
  }
  return `${head} ${Math.floor(done * 100)}%  ${parts[2]}  ${parts[3]}`.slice(0, room);
}

export class Progress {
  private epochStart = performance.now();
  private lastDraw = 0;
  private cost = 0;
  private seen = 0;
  private quarter = 0;

  constructor(
    private readonly mode: 'bar' | 'lines' | 'none',
    private readonly epochs: number,
    private readonly rows: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  /** Call when an epoch is about to start (after any checkpoint of the previous one is written). */
  startEpoch(): void {
    this.epochStart = performance.now();
    this.cost = this.seen = this.quarter = 0;
  }

  batch(b: BatchLog): void {
    if (this.mode === 'none') return;
    this.cost += b.loss * (b.samples - this.seen);
    this.seen = b.samples;
    const now = performance.now(),
      done = b.batch / b.batches,
      q = Math.floor(done * 4);
    // Formatting costs more than a small batch: only when something will be shown.
    if (this.mode === 'bar' ? now - this.lastDraw < 100 && b.batch !== b.batches : q <= this.quarter || q === 4) return;
    this.lastDraw = now;
    this.quarter = q;
    const rate = this.seen / ((now - this.epochStart) / 1000);
    const parts = [
      `${count(this.seen)}/${count(this.rows)}`,
      `${count(rate)} samples/s`,
      `loss ${(this.cost / this.seen).toFixed(4)}`,
      `ETA ${clock((this.rows - this.seen) / rate)}`,
    ];
    if (this.mode === 'bar')
      this.out.write(`\r\x1b[K${barLine(`epoch ${b.epoch}/${this.epochs}`, done, parts, this.out.columns)}`);
    else this.out.write(`epoch ${b.epoch}/${this.epochs}  ${q * 25}%  ${parts.join('  ')}\n`);
  }

  /** Clear the bar before a line is printed on stdout. */
  clear(): void {
    if (this.mode === 'bar') this.out.write('\r\x1b[K');
  }
}
