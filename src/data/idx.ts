// IDX files (the MNIST container): 00 00 <type> <rank>, rank big-endian u32 dims, then the data.
// Raw or gzip. Browser-safe: gzip goes through DecompressionStream, available in Node 20 too.

/** Magic number of an IDX images file (u8, rank 3): bytes 00 00 08 03. */
export const IDX_IMAGES = 0x00000803; // 2051
/** Magic number of an IDX labels file (u8, rank 1): bytes 00 00 08 01. */
export const IDX_LABELS = 0x00000801; // 2049

export interface Idx {
  dims: number[];
  /** The elements, row-major. For raw input this is a view into the caller's bytes (no copy). */
  data: Uint8Array;
}

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count × rows × cols bytes, row-major. */
  pixels: Uint8Array;
}

const U8 = 0x08;
const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

const isGzip = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/** The most an IDX file may hold (header and data): what one ArrayBuffer holds in every engine, less a byte. */
export const IDX_MAX_BYTES = 2 ** 31 - 1;

/**
 * The header of the IDX file whose first bytes are `head` (the whole file, or what of it has been
 * inflated so far): its dims, header size and total size; undefined while `head` is shorter than
 * the header, an Error as soon as what is there is not an IDX header of unsigned bytes.
 */
function idxHeader(
  head: Uint8Array,
  label: string,
  size: string,
): { dims: number[]; headerSize: number; total: number } | undefined {
  if (head.length >= 2 && (head[0] !== 0 || head[1] !== 0)) notIdx(head, label, size);
  if (head.length < 4) return undefined;
  const type = head[2],
    rank = head[3];
  if (type !== U8) {
    const known = TYPE_NAMES[type] ? ` (${TYPE_NAMES[type]})` : '';
    throw new Error(
      `${label}: unsupported IDX element type 0x${type.toString(16).padStart(2, '0')}${known}; ` +
        'only 0x08 (unsigned byte) is supported',
    );
  }
  if (rank === 0)
    throw new Error(`${label}: bad IDX rank 0; expected at least 1 dimension (1 for labels, 3 for images)`);
  const headerSize = 4 + 4 * rank;
  if (head.length < headerSize) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  return { dims, headerSize, total: headerSize + dims.reduce((p, d) => p * d, 1) };
}

function notIdx(head: Uint8Array, label: string, size: string): never {
  throw new Error(
    `${label}: not an IDX file: found first bytes [${hex(head.subarray(0, 4))}] (${size}); ` +
      'an IDX file starts with 00 00 08 <rank> (or is gzip-compressed, starting with 1f 8b)',
  );
}

/**
 * Inflate gzip `bytes` holding an IDX file, never to more than its header declares: memory stays
 * bounded by that size (at most IDX_MAX_BYTES), whatever the stream would inflate to.
 */
async function gunzipIdx(bytes: Uint8Array, label: string): Promise<Uint8Array> {
  // Copy into a fresh ArrayBuffer: a BlobPart may not be backed by a SharedArrayBuffer.
  const reader = new Blob([bytes.slice()]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  let head = new Uint8Array(0),
    out: Uint8Array | undefined,
    n = 0;
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw new Error(`${label}: corrupt gzip data (${(e as Error).message}); expected a complete gzip stream`, {
          cause: e,
        });
      }
      if (chunk.done) break;
      let c = chunk.value;
      if (!out) {
        const joined = new Uint8Array(head.length + c.length);
        joined.set(head);
        joined.set(c, head.length);
        const h = idxHeader(joined, label, `${joined.length} bytes inflated so far`);
        if (!h) {
          head = joined;
          continue;
        }
        if (h.total > IDX_MAX_BYTES) {
          throw new Error(
            `${label}: the IDX header declares dims ${h.dims.join('×')}, ${h.total} bytes in all; the limit is ${IDX_MAX_BYTES} bytes`,
          );
        }
        out = new Uint8Array(h.total);
        c = joined;
      }
      if (n + c.length > out.length) {
        throw new Error(
          `${label}: the gzip data inflates to more than the ${out.length} bytes its IDX header declares (dims ${idxHeader(out, label, '')!.dims.join('×')}): trailing garbage, or a file built to exhaust memory`,
        );
      }
      out.set(c, n);
      n += c.length;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  return out ? out.subarray(0, n) : head;
}

/** Parses an IDX file of unsigned bytes, raw or gzip-compressed (detected by the 1f 8b magic). */
export async function parseIdx(bytes: Uint8Array, name?: string): Promise<Idx> {
  const label = name ?? 'IDX data';
  if (!(bytes instanceof Uint8Array)) throw new Error(`${label}: expected a Uint8Array of file bytes`);
  const gzipped = isGzip(bytes);
  if (gzipped) bytes = await gunzipIdx(bytes, label);
  const size = gzipped ? `${bytes.length} bytes after gunzip` : `${bytes.length} bytes`;
  const h = idxHeader(bytes, label, size);
  if (!h) {
    if (bytes.length < 4) notIdx(bytes, label, size);
    const rank = bytes[3];
    throw new Error(`${label}: truncated IDX header: rank ${rank} needs ${4 + 4 * rank} header bytes, found ${size}`);
  }
  const { dims, headerSize, total: expected } = h;
  const count = expected - headerSize;
  if (bytes.length !== expected) {
    const what =
      bytes.length < expected ? 'truncated IDX file' : `${bytes.length - expected} bytes of trailing garbage`;
    throw new Error(
      `${label}: ${what}: the header (dims ${dims.join('×')}) promises ${headerSize} header + ` +
        `${count} data = ${expected} bytes, found ${size}`,
    );
  }
  // A plain Uint8Array view, even when the input is a subclass such as Node's Buffer.
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerSize, count) };
}

function kindOf(rank: number): string {
  if (rank === 1) return `a labels file (magic ${IDX_LABELS}, rank 1)`;
  if (rank === 3) return `an images file (magic ${IDX_IMAGES}, rank 3)`;
  return `an IDX file of rank ${rank} (magic ${0x0800 + rank})`;
}

/** Parses an IDX images file (magic 2051: count × rows × cols unsigned bytes). */
export async function parseIdxImages(bytes: Uint8Array, name?: string): Promise<IdxImages> {
  const { dims, data } = await parseIdx(bytes, name);
  if (dims.length !== 3) {
    throw new Error(
      `${name ?? 'IDX data'}: expected an images file (magic ${IDX_IMAGES} = 00 00 08 03, rank 3), ` +
        `found ${kindOf(dims.length)}${dims.length === 1 ? ' — are images and labels swapped?' : ''}`,
    );
  }
  const [count, rows, cols] = dims;
  return { count, rows, cols, pixels: data };
}

/** Parses an IDX labels file (magic 2049: count unsigned bytes). */
export async function parseIdxLabels(bytes: Uint8Array, name?: string): Promise<Uint8Array> {
  const { dims, data } = await parseIdx(bytes, name);
  if (dims.length !== 1) {
    throw new Error(
      `${name ?? 'IDX data'}: expected a labels file (magic ${IDX_LABELS} = 00 00 08 01, rank 1), ` +
        `found ${kindOf(dims.length)}${dims.length === 3 ? ' — are images and labels swapped?' : ''}`,
    );
  }
  return data;
}
