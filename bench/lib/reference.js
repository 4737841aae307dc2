// The pure-JS reference kernels (src/reference/), bundled for the bench by esbuild into bench/.cache/
// so the bench runs the same code the `js` backend runs, without a TypeScript toolchain at run time.
import { mkdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));

export async function loadReference() {
  const outfile = `${root}bench/.cache/reference.js`;
  mkdirSync(`${root}bench/.cache`, { recursive: true });
  await esbuild.build({
    entryPoints: [`${root}src/reference/index.ts`],
    bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', outfile, logLevel: 'warning',
  });
  return import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
}
