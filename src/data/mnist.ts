// MNIST over HTTP, for browsers (and any engine with fetch): the four IDX files, raw or .gz.
// The Node entry (wasmlp/node) has its own loadMnist that reads a folder instead.
import { Dataset } from './dataset.js';

/** The four standard file names, relative to `baseUrl`. */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** The most one download may be: the largest MNIST file (training images) is 47 MB raw. */
export const MNIST_MAX_BYTES = 256 * 2 ** 20;

export interface MnistProgress {
  /** Bytes received so far, over all four files (as sent: compressed bytes for .gz files). */
  loaded: number;
  /** Total bytes, once every file's Content-Length is known; undefined until then (or if a server omits it). */
  total?: number;
  /** The URL that last received bytes. */
  url: string;
}

export interface LoadMnistUrlOptions {
  /** Where the four files are: a folder URL (absolute, or relative to the page / worker). */
  baseUrl: string | URL;
  /**
   * `false` (default): fetch each file as named, and fall back to `name.gz` if that is a 404.
   * `true`: fetch `name.gz` only. The bytes decide how they are parsed (gzip magic 1f 8b), not the name.
   */
  gzip?: boolean;
  /** Keep only the first `limit` training rows (the test set is kept whole). */
  limit?: number;
  /** Called as bytes arrive. */
  onProgress?: (p: MnistProgress) => void;
  /** Abort the downloads. */
  signal?: AbortSignal;
}

/**
 * Fetches MNIST (`train-images-idx3-ubyte`, …) from `baseUrl` and returns `{ train, test }` with u8
 * pixels (width 784) and labels 0..9, the same shapes as `loadMnist` from `wasmlp/node`.
 */
export async function loadMnist(options: LoadMnistUrlOptions): Promise<{ train: Dataset; test: Dataset }> {
  const { gzip = false, limit, onProgress, signal } = options ?? ({} as LoadMnistUrlOptions);
  if (options?.baseUrl === undefined) {
    throw new Error(
      'loadMnist: expected { baseUrl }, the folder URL that holds the four MNIST IDX files ' +
        `(${Object.values(MNIST_FILES).join(', ')}, each optionally .gz); in Node use loadMnist from 'wasmlp/node'`,
    );
  }
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new Error(`loadMnist: limit must be an integer ≥ 1 (training rows to keep), got ${limit}`);
  }
  const base = folderUrl(options.baseUrl);
  const names = Object.values(MNIST_FILES);
  const loaded = [0, 0, 0, 0];
  const sizes: (number | undefined)[] = [undefined, undefined, undefined, undefined];
  let known = 0;
  const report = (url: string) => {
    if (!onProgress) return;
    const total = known === 4 && sizes.every((s) => s !== undefined) ? sizes.reduce((s, x) => s! + x!, 0) : undefined;
    onProgress({ loaded: loaded.reduce((s, x) => s + x, 0), total, url });
  };
  const files = await Promise.all(
    names.map(async (name, i) => {
      const { bytes, url } = await download(
        base,
        name,
        gzip,
        signal,
        (size) => {
          sizes[i] = size;
          known++;
        },
        (n, url) => {
          loaded[i] = n;
          report(url);
        },
      );
      return { bytes, url };
    }),
  );
  const [train, test] = await Promise.all([
    Dataset.fromIdx(files[0].bytes, files[1].bytes, { images: files[0].url, labels: files[1].url }),
    Dataset.fromIdx(files[2].bytes, files[3].bytes, { images: files[2].url, labels: files[3].url }),
  ]);
  return { train: limit === undefined ? train : train.slice(0, Math.min(limit, train.length)), test };
}

/** baseUrl as an absolute URL ending in '/', resolved against the page or worker location. */
function folderUrl(baseUrl: string | URL): URL {
  const here = (globalThis as { location?: { href: string } }).location?.href;
  let url: URL;
  try {
    url = new URL(String(baseUrl), here);
  } catch (e) {
    throw new Error(
      `loadMnist: baseUrl ${JSON.stringify(String(baseUrl))} is not a valid URL` +
        (here ? '' : ' (there is no page location to resolve a relative URL against: pass an absolute URL)'),
      { cause: e },
    );
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

async function download(
  base: URL,
  name: string,
  gzip: boolean,
  signal: AbortSignal | undefined,
  onSize: (size: number | undefined) => void,
  onBytes: (n: number, url: string) => void,
): Promise<{ bytes: Uint8Array; url: string }> {
  const candidates = gzip ? [`${name}.gz`] : [name, `${name}.gz`];
  const tried: string[] = [];
  for (const candidate of candidates) {
    const url = new URL(candidate, base).href;
    let res: Response;
    try {
      res = await fetch(url, { signal });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new Error(
        `MNIST: could not fetch ${url} (${(e as Error).message}); is the server running and the URL right?`,
        { cause: e },
      );
    }
    if (res.status === 404 && candidate !== candidates[candidates.length - 1]) {
      tried.push(`${url} (404)`);
      await res.body?.cancel();
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      const before = tried.length ? `, after ${tried.join(', ')}` : '';
      throw new Error(
        `MNIST: GET ${url} failed: HTTP ${res.status} ${res.statusText}${before}; expected ${name} ` +
          `(raw or .gz) under ${base.href}`,
      );
    }
    // Content-Length counts encoded bytes; with a Content-Encoding the body we read is decoded, so it is no total.
    const length = res.headers.get('content-encoding') ? null : res.headers.get('content-length');
    const size = length !== null && /^\d+$/.test(length) ? Number(length) : undefined;
    onSize(size);
    return { bytes: await readBody(res, url, size, onBytes), url };
  }
  throw new Error('unreachable');
}

/** The response body as one Uint8Array, reporting bytes as they arrive. */
async function readBody(
  res: Response,
  url: string,
  size: number | undefined,
  onBytes: (n: number, url: string) => void,
): Promise<Uint8Array> {
  const tooLarge = (n: number | string) =>
    new Error(
      `MNIST: ${url} is ${n} bytes, more than any MNIST file (the limit is ${MNIST_MAX_BYTES}); is the URL right?`,
    );
  if (size !== undefined && size > MNIST_MAX_BYTES) {
    await res.body?.cancel();
    throw tooLarge(size);
  }
  if (!res.body) {
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > MNIST_MAX_BYTES) throw tooLarge(bytes.length);
    onBytes(bytes.length, url);
    return bytes;
  }
  const reader = res.body.getReader();
  let out = new Uint8Array(size ?? 1 << 20);
  let n = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (e) {
      throw new Error(`MNIST: the download of ${url} broke off after ${n} bytes (${(e as Error).message})`, {
        cause: e,
      });
    }
    if (chunk.done) break;
    const c = chunk.value;
    if (n + c.length > MNIST_MAX_BYTES) {
      await reader.cancel();
      throw tooLarge(`over ${MNIST_MAX_BYTES}`);
    }
    if (n + c.length > out.length) {
      const bigger = new Uint8Array(Math.min(MNIST_MAX_BYTES, Math.max(out.length * 2, n + c.length)));
      bigger.set(out.subarray(0, n));
      out = bigger;
    }
    out.set(c, n);
    n += c.length;
    onBytes(n, url);
  }
  if (size !== undefined && n !== size) {
    throw new Error(`MNIST: ${url} ended after ${n} of ${size} bytes (Content-Length); the download was cut short`);
  }
  return n === out.length ? out : out.slice(0, n);
}
