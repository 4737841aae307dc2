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

async function gunzip(bytes: Uint8Array, label: string): Promise<Uint8Array> {
  try {
    // Copy into a fresh ArrayBuffer: a BlobPart may not be backed by a SharedArrayBuffer.
    const stream = new Blob([bytes.slice()]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new Error(`${label}: corrupt gzip data (${(e as Error).message}); expected a complete gzip stream`, {
      cause: e,
    });
  }
}

/** Parses an IDX file of unsigned bytes, raw or gzip-compressed (detected by the 1f 8b magic). */
export async function parseIdx(bytes: Uint8Array, name?: string): Promise<Idx> {
  const label = name ?? 'IDX data';
  if (!(bytes instanceof Uint8Array)) throw new Error(`${label}: expected a Uint8Array of file bytes`);
  const gzipped = isGzip(bytes);
  if (gzipped) bytes = await gunzip(bytes, label);
  const size = gzipped ? `${bytes.length} bytes after gunzip` : `${bytes.length} bytes`;

  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(
      `${label}: not an IDX file: found first bytes [${hex(bytes.subarray(0, 4))}] (${size}); ` +
        'an IDX file starts with 00 00 08 <rank> (or is gzip-compressed, starting with 1f 8b)',
    );
  }
  const type = bytes[2],
    rank = bytes[3];
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
  if (bytes.length < headerSize) {
    throw new Error(`${label}: truncated IDX header: rank ${rank} needs ${headerSize} header bytes, found ${size}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  const expected = headerSize + count;
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
