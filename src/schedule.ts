// The learning rate of each epoch from a schedule (config.ts: Schedule). Only + − × ÷ are used
// (no Math.pow or Math.cos, which engines may round differently): the same η, bit for bit, in
// every engine. Each η is a function of the schedule, the epoch and the history before it, so a
// resumed run (a checkpoint, initialEpoch, an epoch stopped midway) continues the schedule exactly.
import type { History, Schedule } from './config.js';

/** η of epoch `epoch` (1-based) of a fit to `epochs`, from the optimizer's η and `history` (plateau reads it). */
export function learningRateAt(
  s: Schedule | undefined,
  lr: number,
  epoch: number,
  epochs: number,
  history: History,
): number {
  if (!s) return lr;
  switch (s.name) {
    case 'step':
      return lr * power(s.factor!, Math.floor((epoch - 1) / s.every));
    case 'exponential':
      return lr * power(s.factor, epoch - 1);
    case 'cosine': {
      const warmup = s.warmup!,
        min = s.min!;
      if (epoch <= warmup) return (lr * epoch) / warmup;
      // The first epoch after the warm-up trains at η, the last just above min.
      const t = (epoch - warmup - 1) / Math.max(1, epochs - warmup);
      return min + (lr - min) * halfCosine(t);
    }
    case 'plateau': {
      let rate = lr,
        best = Infinity,
        wait = 0;
      for (const e of runBefore(history, epoch)) {
        const loss = e.valLoss ?? e.loss;
        if (loss < best) [best, wait] = [loss, 0];
        else if (++wait >= s.patience!) [rate, wait] = [Math.max(s.min!, rate * s.factor!), 0];
      }
      return rate;
    }
  }
}

/** The epochs of this run before `epoch`: the end of the history while its epochs count down. */
function runBefore(history: History, epoch: number): History {
  let i = history.length;
  while (i > 0 && history[i - 1].epoch < (i < history.length ? history[i].epoch : epoch)) i--;
  return history.slice(i);
}

/** x^n by n multiplications. */
function power(x: number, n: number): number {
  let p = 1;
  for (let i = 0; i < n; i++) p *= x;
  return p;
}

/** (1 + cos πt) / 2 for t in [0, 1]: cos πt = −sin(πt − π/2), sin by its Taylor series in Horner form to y²¹ (error < 1e-17 on |y| ≤ π/2). */
export function halfCosine(t: number): number {
  const y = Math.PI * t - Math.PI / 2,
    y2 = y * y;
  let s = 1;
  for (let k = 10; k >= 1; k--) s = 1 - (y2 / (2 * k * (2 * k + 1))) * s;
  return (1 - y * s) / 2;
}
