// Images for `wasmlp predict` and the report: PNG (decoded by pngjs) and PGM (P2/P5, a few lines)
// to 8-bit grey rows the way MNIST stores them, light digit on a dark ground; and back to PNG.
import { PNG } from 'pngjs';
import { readInput } from './files.js';

export interface GreyImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** The most pixels a picture may have (4096 × 4096), PNG or PGM: decoding one costs a few bytes per pixel. */
export const MAX_PIXELS = 2 ** 24;

/** Refuses a picture larger than MAX_PIXELS, before it is decoded. */
function checkPixels(file: string, width: number, height: number): void {
  if (width * height > MAX_PIXELS)
    throw new Error(
      `${file} is ${width}×${height} = ${width * height} pixels, more than the ${MAX_PIXELS} (4096×4096) a picture may have; resize it first`,
    );
}

/** Decode a PNG or PGM file to 8-bit grey. Colour is reduced to luma; transparency is laid over white. */
export async function readGreyImage(file: string): Promise<GreyImage> {
  const bytes = await readInput(file, 'image', 256 * 2 ** 20);
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) {
    // The size is in the IHDR chunk, first after the signature: checked before pngjs allocates for it.
    if (bytes.length >= 24 && bytes.toString('latin1', 12, 16) === 'IHDR')
      checkPixels(file, bytes.readUInt32BE(16), bytes.readUInt32BE(20));
    let png: PNG;
    try {
      png = PNG.sync.read(bytes);
    } catch (e) {
      throw new Error(`${file}: not a readable PNG (${(e as Error).message})`);
    }
    const { width, height, data } = png; // RGBA, 8 bits per channel
    const pixels = new Uint8Array(width * height);
    for (let i = 0; i < pixels.length; i++) {
      const luma = 0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2];
      const alpha = data[4 * i + 3] / 255;
      pixels[i] = Math.round(alpha * luma + (1 - alpha) * 255);
    }
    return { width, height, pixels };
  }
  if (bytes[0] === 0x50 && (bytes[1] === 0x35 || bytes[1] === 0x32)) return parsePgm(bytes, file);
  throw new Error(`${file}: unsupported image format (expected PNG, or PGM P2/P5)`);
}

/** Netpbm greymap: "P5" (binary) or "P2" (ASCII), width, height, maxval, then the samples; # starts a comment. */
export function parsePgm(bytes: Uint8Array, file = 'PGM image'): GreyImage {
  let at = 2;
  const token = (): string => {
    for (;;) {
      while (at < bytes.length && /\s/.test(String.fromCharCode(bytes[at]))) at++;
      if (bytes[at] === 0x23) {
        while (at < bytes.length && bytes[at] !== 0x0a) at++;
        continue;
      }
      break;
    }
    const start = at;
    while (at < bytes.length && !/\s/.test(String.fromCharCode(bytes[at]))) at++;
    return new TextDecoder('latin1').decode(bytes.subarray(start, at));
  };
  const number = (what: string, min: number, max: number) => {
    const t = token(),
      x = Number(t);
    if (!/^\d+$/.test(t) || x < min || x > max)
      throw new Error(
        `${file}: bad PGM ${what} ${JSON.stringify(t.slice(0, 20))} (expected an integer from ${min} to ${max})`,
      );
    return x;
  };
  const binary = bytes[1] === 0x35;
  const width = number('width', 1, MAX_PIXELS),
    height = number('height', 1, MAX_PIXELS),
    maxval = number('maxval', 1, 65535);
  checkPixels(file, width, height);
  const n = width * height;
  const pixels = new Uint8Array(n);
  const scale = (v: number) => Math.round((Math.min(v, maxval) * 255) / maxval);
  if (binary) {
    at++; // exactly one whitespace byte after maxval
    const size = maxval > 255 ? 2 : 1;
    if (bytes.length - at < n * size)
      throw new Error(
        `${file}: PGM data is truncated: ${bytes.length - at} bytes for ${width}×${height} pixels of ${size} byte${size > 1 ? 's' : ''}`,
      );
    for (let i = 0; i < n; i++)
      pixels[i] = scale(size === 2 ? (bytes[at + 2 * i] << 8) | bytes[at + 2 * i + 1] : bytes[at + i]);
  } else {
    for (let i = 0; i < n; i++) pixels[i] = scale(number(`pixel ${i}`, 0, maxval));
  }
  return { width, height, pixels };
}

/**
 * MNIST digits are light on dark. A picture whose border is mostly light (a dark digit drawn on
 * white) is inverted when `invert` is 'auto'; 'yes' and 'no' force it.
 */
export function toMnistPolarity(
  img: GreyImage,
  invert: 'auto' | 'yes' | 'no' = 'auto',
): { pixels: Uint8Array; inverted: boolean } {
  const { width: w, height: h, pixels: p } = img;
  let sum = 0,
    n = 0;
  for (let x = 0; x < w; x++) {
    sum += p[x] + p[(h - 1) * w + x];
    n += 2;
  }
  for (let y = 1; y < h - 1; y++) {
    sum += p[y * w] + p[y * w + w - 1];
    n += 2;
  }
  const inverted = invert === 'yes' || (invert === 'auto' && sum / n > 127);
  return { pixels: inverted ? p.map((v) => 255 - v) : p, inverted };
}

/** An 8-bit grey image as PNG bytes (for the report's digit thumbnails). */
export function encodeGreyPng(img: GreyImage): Uint8Array {
  const png = new PNG({
    width: img.width,
    height: img.height,
    colorType: 0,
    inputColorType: 0,
    bitDepth: 8,
    inputHasAlpha: false,
  });
  png.data = Buffer.from(img.pixels);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
}
