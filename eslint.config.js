// ESLint flat config. Formatting is Prettier's job (`npm run lint` runs both); nothing enabled here
// is a formatting rule, so the two do not fight (the recommended sets below have no stylistic rules).
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig([
  globalIgnores([
    'node_modules/',
    'dist/',
    'build/',
    'bench/.cache/',
    'bench/results/',
    'test/artifacts/',
    // AssemblyScript is not TypeScript (`@inline function`, i32/usize/v128, ...); asc checks it.
    'assembly/',
  ]),

  // The library, its tests, TypeScript in bench/ and the root config files written in TypeScript.
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', '*.config.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: { globals: globals.node },
    // `const { a, ...rest } = x` names `a` to leave it out of rest.
    rules: { '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }] },
  },
  // Budgets over the library: a function is at most a screen (100 lines, blank lines and comments
  // not counted), and at most 30 paths through it. 30 leaves room for the flat lists of checks
  // that read best as one list (validateFitSettings 27, resumeRun 29, lineChart 30) and catches
  // what grew into several jobs: every function over it was also over 100 lines when it was set.
  {
    files: ['src/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 100, skipBlankLines: true, skipComments: true }],
      complexity: ['error', 30],
    },
  },
  // The CLI tests match its column-aligned output, whose double spaces read best as they print.
  { files: ['test/**/*.ts'], rules: { 'no-regex-spaces': 'off' } },

  // Plain JavaScript run by Node: the benchmarks, the build script, the demo's server and the root configs.
  {
    files: ['bench/**/*.{js,mjs}', 'scripts/**/*.js', 'demo/serve.js', '*.config.js'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },

  // The demo's page and its worker, in the browser.
  {
    files: ['demo/**/*.js'],
    ignores: ['demo/serve.js'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { ...globals.browser, ...globals.worker } },
  },

  // The browser tests' helpers run in Node and, through page.evaluate and the test page, in Chromium.
  {
    files: ['test/browser/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
]);
