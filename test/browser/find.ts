// Where the browser tests find Chromium and Firefox: the CHROMIUM_PATH / FIREFOX_PATH variables,
// then the places Debian, other Linux distributions, macOS and Windows install them, then $PATH.
// Nothing is downloaded: a browser that is not found makes its tests skip (or fail when CI is set).
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export type Engine = 'chromium' | 'firefox';

const ENV: Record<Engine, string> = { chromium: 'CHROMIUM_PATH', firefox: 'FIREFOX_PATH' };
const NAMES: Record<Engine, string[]> = {
  chromium: ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'],
  firefox: ['firefox-esr', 'firefox'],
};

function places(engine: Engine): string[] {
  const win = (v: string, ...p: string[]) => (process.env[v] ? [join(process.env[v]!, ...p)] : []);
  if (process.platform === 'darwin')
    return engine === 'chromium'
      ? [
          '/Applications/Chromium.app/Contents/MacOS/Chromium',
          '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
        ]
      : ['/Applications/Firefox.app/Contents/MacOS/firefox'];
  if (process.platform === 'win32')
    return engine === 'chromium'
      ? ['PROGRAMFILES', 'PROGRAMFILES(X86)', 'LOCALAPPDATA'].flatMap((v) => [
          ...win(v, 'Google', 'Chrome', 'Application', 'chrome.exe'),
          ...win(v, 'Chromium', 'Application', 'chrome.exe'),
        ])
      : ['PROGRAMFILES', 'PROGRAMFILES(X86)'].flatMap((v) => win(v, 'Mozilla Firefox', 'firefox.exe'));
  return NAMES[engine].flatMap((n) => [`/usr/bin/${n}`, `/snap/bin/${n}`]);
}

/** The browser's executable, or undefined; `looked` says where, for the message when it is missing. */
export function findBrowser(engine: Engine): { path?: string; looked: string } {
  const env = process.env[ENV[engine]];
  if (env) return existsSync(env) ? { path: env } : { looked: `${ENV[engine]}=${env}, which does not exist` };
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .flatMap((d) => NAMES[engine].map((n) => join(d, process.platform === 'win32' ? `${n}.exe` : n)));
  const path = [...places(engine), ...onPath].find((p) => existsSync(p));
  return path ? { path } : { looked: `${places(engine).join(', ')} and $PATH; set ${ENV[engine]} to use another` };
}

const INSTALL = 'apt-get install -y --no-install-recommends chromium firefox-esr';

/**
 * One line for each browser that is not found, saying how to enable its tests (vitest.config.ts
 * leaves their files out); with CI set, a missing browser is an Error instead, so CI always proves both.
 */
export function reportMissing(): void {
  if (process.env.WASMLP_BROWSERS_REPORTED) return; // once: vitest loads its config more than once
  process.env.WASMLP_BROWSERS_REPORTED = '1';
  for (const engine of ['chromium', 'firefox'] as Engine[]) {
    const { path, looked } = findBrowser(engine);
    if (path) continue;
    const name = engine === 'chromium' ? 'Chromium' : 'Firefox';
    if (process.env.CI)
      throw new Error(
        `${name} not found (looked at ${looked}): CI is set, so the browser tests must run (on Debian: ${INSTALL})`,
      );
    console.log(`skipping the ${name} tests: ${name} not found (looked at ${looked}); on Debian: ${INSTALL}`);
  }
}
