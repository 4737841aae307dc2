import { readFileSync } from 'node:fs';
import { configDefaults, defineConfig } from 'vitest/config';
import { findBrowser, reportMissing } from './test/browser/find.js';

// Two projects: unit (everything that needs no browser: `npm run test:unit`) and browser (the
// bundle and the demo in Chromium and Firefox). A browser that is not found leaves out the files
// that need it, and reportMissing says so in one line (or fails the run when CI is set).
const BROWSER_FILES = 'test/browser*.test.ts';
const chromium = findBrowser('chromium').path,
  firefox = findBrowser('firefox').path;
reportMissing();
// Every browser file runs in Chromium but these two: Firefox's own, and the threads' (both browsers).
const CHROMIUM_FILES = ['test/browser.test.ts', 'test/browser-demo*.test.ts', 'test/browser-tables.test.ts'];
const leftOut = [
  ...(chromium ? [] : CHROMIUM_FILES),
  ...(firefox ? [] : ['test/browser-firefox.test.ts']),
  ...(chromium || firefox ? [] : ['test/browser-threads.test.ts']),
];

// Tests import src/ directly; .wasm imports become the built bytes, as esbuild's binary loader does.
export default defineConfig({
  plugins: [
    {
      name: 'wasm-bytes',
      enforce: 'pre',
      load(id) {
        if (!id.endsWith('.wasm')) return null;
        return `export default new Uint8Array(Buffer.from(${JSON.stringify(readFileSync(id).toString('base64'))}, 'base64'));`;
      },
    },
  ],
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    passWithNoTests: true, // the browser project, with no browser found
    projects: [
      { extends: true, test: { name: 'unit', exclude: [...configDefaults.exclude, BROWSER_FILES] } },
      {
        extends: true,
        test: {
          name: 'browser',
          include: [BROWSER_FILES],
          exclude: [...configDefaults.exclude, ...leftOut],
        },
      },
    ],
  },
});
