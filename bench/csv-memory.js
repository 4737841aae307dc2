// Peak memory of reading a CSV table from disk (loadCsv, as `wasmlp train --data t.csv` does): a
// generated table of numbers, read in a fresh process so that its peak RSS is this read's alone.
//   node bench/csv-memory.js [MB]      (default 200) prints one JSON line
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MiB = 2 ** 20;
const COLUMNS = 20;

/** A table of about `mb` MB: COLUMNS numeric features (6 significant digits) and a 0/1 target. */
export function writeTable(file, mb) {
  const fd = openSync(file, 'w');
  writeSync(fd, [...Array.from({ length: COLUMNS }, (_, j) => `x${j}`), 'y'].join(',') + '\n');
  let bytes = 0,
    seed = 1;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  while (bytes < mb * 1e6) {
    const lines = [];
    for (let i = 0; i < 10_000; i++) {
      const row = Array.from({ length: COLUMNS }, () => (next() * 200 - 100).toPrecision(6));
      row.push(next() < 0.5 ? '0' : '1');
      lines.push(row.join(','));
    }
    const text = lines.join('\n') + '\n';
    writeSync(fd, text);
    bytes += text.length;
  }
  closeSync(fd);
}

/** Reads `file` in a child process: its RSS before, its peak RSS and the f32 size of the data it made, in MiB. */
export function measure(file) {
  const script = `
    const { loadCsv } = await import(${JSON.stringify(new URL('../dist/node/index.js', import.meta.url).href)});
    const base = process.memoryUsage().rss;
    const t = await loadCsv(process.argv[1], { target: 'y' });
    const data = t.data.features.byteLength + t.data.labels.byteLength + (t.data.targets?.byteLength ?? 0);
    console.log(JSON.stringify({ rows: t.data.length, dataMiB: data / ${MiB}, baseRssMiB: base / ${MiB}, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, file], { encoding: 'utf8' });
  return { fileMiB: statSync(file).size / MiB, ...JSON.parse(out) };
}

/** The memory section's row: a table of `mb` MB written, read, measured, removed. */
export function csvMemory(mb) {
  const dir = mkdtempSync(join(tmpdir(), 'wasmlp-csv-'));
  try {
    const file = join(dir, 'table.csv');
    writeTable(file, mb);
    const m = measure(file);
    // The read's own share: the peak less what the process held before it (Node and the library).
    const read = m.peakRssMiB - m.baseRssMiB;
    return {
      ...m,
      readOverData: read / m.dataMiB,
      beyondDataMiB: read - m.dataMiB,
      peakOverFile: m.peakRssMiB / m.fileMiB,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  console.log(JSON.stringify(csvMemory(Number(process.argv[2] ?? 200))));
