// The browser tests on a machine without the browsers: skipped with one line each saying how to
// install them, and a failure instead when CI is set; and where browsers are looked for.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { findBrowser } from './browser/find.js';

const dir = mkdtempSync(join(tmpdir(), 'wasmlp-find-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const vitest = (env: Record<string, string>) => {
  const inherited = { ...process.env };
  delete inherited.WASMLP_BROWSERS_REPORTED; // this run's own report is done; the child makes its own
  return spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--project', 'browser'], {
    encoding: 'utf8',
    env: {
      ...inherited,
      CHROMIUM_PATH: join(dir, 'no-chromium'),
      FIREFOX_PATH: join(dir, 'no-firefox'),
      CI: '',
      ...env,
    },
    timeout: 60_000,
  });
};

test('no browsers: the browser tests are skipped with one line each, and the run passes', () => {
  const r = vitest({});
  expect(r.status, r.stderr).toBe(0);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('skipping the '));
  expect(lines).toEqual([
    expect.stringMatching(
      /^skipping the Chromium tests: Chromium not found \(looked at CHROMIUM_PATH=.*no-chromium, which does not exist\); on Debian: apt-get install/,
    ),
    expect.stringMatching(
      /^skipping the Firefox tests: Firefox not found \(looked at FIREFOX_PATH=.*no-firefox, which does not exist\)/,
    ),
  ]);
});

test('no browsers with CI set: the run fails and says why', () => {
  const r = vitest({ CI: 'true' });
  expect(r.status).not.toBe(0);
  expect(r.stdout + r.stderr).toMatch(/Chromium not found .*: CI is set, so the browser tests must run/);
});

test('a browser on $PATH is found; a variable that names nothing is reported as such', () => {
  const bin = join(dir, 'bin');
  spawnSync('mkdir', ['-p', bin]);
  writeFileSync(join(bin, 'firefox'), '#!/bin/sh\n');
  chmodSync(join(bin, 'firefox'), 0o755);
  const saved = { PATH: process.env.PATH, FIREFOX_PATH: process.env.FIREFOX_PATH };
  try {
    delete process.env.FIREFOX_PATH;
    process.env.PATH = bin;
    // The system's places come first (a Debian CI machine has /usr/bin/firefox-esr); else $PATH.
    expect(findBrowser('firefox').path).toMatch(/firefox(-esr)?$/);
    process.env.FIREFOX_PATH = join(dir, 'nothing');
    expect(findBrowser('firefox')).toEqual({ looked: `FIREFOX_PATH=${join(dir, 'nothing')}, which does not exist` });
  } finally {
    process.env.PATH = saved.PATH;
    if (saved.FIREFOX_PATH === undefined) delete process.env.FIREFOX_PATH;
    else process.env.FIREFOX_PATH = saved.FIREFOX_PATH;
  }
});
