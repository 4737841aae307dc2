import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

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
  },
});
