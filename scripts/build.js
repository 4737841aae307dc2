// npm run build: AssemblyScript → build/wasmlp.wasm (and the bench target, build/wasmlp-bench.wasm),
// the record words from the op table first (scripts/ops.js), esbuild → dist/ (wasm inlined), tsc → .d.ts.
// Quiet unless something is wrong: one line says what it does, and only errors and warnings follow.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { loadTable, wordsSource } from './ops.js';

console.log('wasmlp: building the WebAssembly kernels (asc) and dist/ (esbuild, tsc), 20–60 s');

// asc's --converge re-optimizes until the module stops shrinking; when the last round grew it, asc
// says "Last converge was suboptimal." (the threaded builds, by ~30 bytes of 42 kB): a remark on
// size, not a problem, so that line is dropped and everything else asc says is passed on.
const SUBOPTIMAL = /^Last converge was suboptimal\.\r?\n/gm;
function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  process.stderr.write(r.stderr.replace(SUBOPTIMAL, ''));
  if (r.status !== 0) {
    console.error(`wasmlp: the build failed: ${[cmd, ...args].join(' ')} exited with ${r.status ?? r.signal}`);
    process.exit(1);
  }
}

// The record words exec reads, from the op table (src/ops.ts).
const words = wordsSource(await loadTable());
if (readFileSync('assembly/words.ts', 'utf8') !== words) writeFileSync('assembly/words.ts', words);

const asc = (entry, target) =>
  run(process.execPath, ['node_modules/assemblyscript/bin/asc.js', entry, '--target', target]);
asc('assembly/index.ts', 'release'); // strict SIMD, one thread
asc('assembly/threads.ts', 'threads'); // + shared memory and atomics
asc('assembly/index.ts', 'fma'); // + relaxed-SIMD multiply-adds (opt-in)
asc('assembly/threads.ts', 'threadsFma');
asc('assembly/bench.ts', 'bench'); // the release module + the measured ceilings

rmSync('dist', { recursive: true, force: true });
const common = { bundle: true, format: 'esm', target: 'es2022', logLevel: 'warning', legalComments: 'none' };
// The browser-safe library: the .wasm bytes are inlined, no node: imports.
await esbuild.build({
  ...common,
  entryPoints: ['src/index.ts'],
  outfile: 'dist/index.js',
  platform: 'neutral',
  mainFields: ['browser', 'module', 'main'], // papaparse (CSV) is inlined: its browser build has no dependencies
  loader: { '.wasm': 'binary' },
});
// Node-only entries import the library bundle above instead of carrying a second copy of it, and
// their npm dependencies (pngjs) from node_modules.
const library = {
  name: 'library',
  setup(b) {
    // Any src/node/ file's import of src/index.ts is the bundle dist/index.js, i.e. '../index.js' from dist/node/.
    b.onResolve({ filter: /^(\.\.\/)+index\.js$/ }, (args) =>
      args.importer.includes('/src/node/') && resolve(args.resolveDir, args.path) === resolve('src/index.js')
        ? { path: '../index.js', external: true }
        : undefined,
    );
  },
};
await esbuild.build({
  ...common,
  entryPoints: ['src/node/index.ts', 'src/node/cli.ts', 'src/node/search-worker.ts'],
  outdir: 'dist/node',
  platform: 'node',
  packages: 'external',
  plugins: [library],
});
run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']);

// README's bundle size is the built file's, written here rather than typed (test/readme.test.ts checks it).
const bundle = readFileSync('dist/index.js');
const size = `${Math.round(bundle.length / 1000)} kB, ${Math.round(gzipSync(bundle, { level: 9 }).length / 1000)} kB gzipped`;
const readme = readFileSync('README.md', 'utf8');
const sized = readme.replace(/\d+ kB, \d+ kB gzipped/, size);
if (sized !== readme) writeFileSync('README.md', sized);
