// npm run pack: the package's tarball, as users install it — dist/ as built, README and LICENSE, and
// a package.json without scripts or devDependencies. `npm pack` in the clone would ship `prepare`
// (the build), which npm does not run for a tarball but warns about on every install.
// Usage: node scripts/pack.js [--out DIR] (default: here); prints the tarball's path.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const at = process.argv.indexOf('--out');
const out = resolve(at > 0 ? process.argv[at + 1] : '.');
if (!existsSync('dist/index.js')) {
  console.error('wasmlp pack: dist/ is not built; run npm run build first');
  process.exit(1);
}
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
delete pkg.scripts;
delete pkg.devDependencies;
const stage = mkdtempSync(join(tmpdir(), 'wasmlp-pack-'));
try {
  cpSync('dist', join(stage, 'dist'), { recursive: true });
  for (const f of ['README.md', 'LICENSE']) cpSync(f, join(stage, f));
  writeFileSync(join(stage, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  const [{ filename }] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: stage, encoding: 'utf8' }),
  );
  console.log(join(out, filename));
} finally {
  rmSync(stage, { recursive: true, force: true });
}
