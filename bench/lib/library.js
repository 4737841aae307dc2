// src/ as the bench uses it (./entry.ts), bundled by esbuild into bench/.cache/ so the bench runs
// the same code the library runs, without a TypeScript toolchain at run time.
import { mkdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));

export async function loadLibrary() {
  const outfile = `${root}bench/.cache/library.js`;
  mkdirSync(`${root}bench/.cache`, { recursive: true });
  await esbuild.build({
    entryPoints: [`${root}bench/lib/entry.ts`],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    outfile,
    logLevel: 'warning',
    loader: { '.wasm': 'binary' }, // the .wasm files inlined, as in dist/
  });
  return import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
}

/**
 * `bytes` from `arena`, 64-byte aligned and followed by 1 KiB + 64 of padding (rounding the pointer
 * up stays inside it), which keeps the bench's buffers off 4 KiB aliasing of each other.
 */
export const padded = (arena, bytes) => (arena.alloc(((bytes + 63) & ~63) + 1088) + 63) & ~63;
