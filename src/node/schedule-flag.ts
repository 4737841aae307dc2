// --schedule NAME[:k=v,…]: the text as a Schedule (checked by the library's rules) and back.
import { validateSchedule, type Schedule } from '../index.js';
import { UsageError } from './args.js';

/** "cosine:warmup=2,min=0" from a schedule: the --schedule flag that gives it. */
export const scheduleFlag = (s: Schedule) =>
  `${s.name}:${Object.entries(s)
    .flatMap(([k, v]) => (k === 'name' ? [] : [`${k}=${v}`]))
    .join(',')}`;

/** --schedule NAME[:k=v,…] as a Schedule, checked by the library's rules (a UsageError names the flag). */
export function parseSchedule(text: string): Schedule {
  const [name, rest] = text.split(':', 2);
  const options: Record<string, unknown> = { name };
  for (const kv of rest ? rest.split(',') : []) {
    const [k, v] = kv.split('=');
    if (!k || v === undefined || v.trim() === '' || !Number.isFinite(Number(v)))
      throw new UsageError(
        `--schedule ${text}: expected NAME[:key=number,…], e.g. cosine:warmup=2 or step:every=10,factor=0.5`,
      );
    options[k.trim()] = Number(v);
  }
  try {
    return validateSchedule(options);
  } catch (e) {
    throw new UsageError(`--schedule ${text}: ${(e as Error).message}`);
  }
}
