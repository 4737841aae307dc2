// `wasmlp bench`: the bench suite (bench/run.js) of a clone of the repository, options passed through.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { wrapHelp } from '../text.js';

export const BENCH_HELP = `Usage: wasmlp bench [options]

Runs the bench suite, node bench/run.js, passing the options through (it is in a clone of the
repository, not in the npm package; see bench/README.md). Reads the built dist/, so run
\`npm run build\` first. For example:
  wasmlp bench --quick                     a short pass (about 4 minutes on 2 cores)
  wasmlp bench --sections kernels          only the kernels (GEMMs on 1, 2, … threads among them)
  wasmlp bench --sections gemm-threads     only the GEMMs on threads (a few seconds)
  wasmlp bench --threads 1,2,4             thread counts for training and the threaded GEMMs
                                           (default: 1, 2 and the cores available)
  wasmlp bench --out FILE                  where to write the JSON results
`;

// Paths are relative to the bundle this runs from, dist/node/cli.js.
export async function bench(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(wrapHelp(BENCH_HELP));
    return 0;
  }
  const script = fileURLToPath(new URL('../../bench/run.js', import.meta.url));
  if (!existsSync(script))
    throw new Error(
      `the bench suite is not installed (${script} is missing): it ships with a clone of the wasmlp repository, not with the npm package`,
    );
  const r = spawnSync(process.execPath, [script, ...argv], {
    stdio: 'inherit',
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
  });
  if (r.error) throw r.error;
  return r.status === 0 ? 0 : 1;
}
