// Protocol Buffers, the writing side only, and only what an ONNX model needs: varints (wire type 0),
// 32-bit floats (wire type 5) and length-delimited bytes, strings and messages (wire type 2).
// A few lines of our own rather than pbf or protobufjs: nothing here parses (so no untrusted bytes),
// and the bundle needs no dependency for five functions. test/export.test.ts checks them against
// the examples of the protobuf encoding guide, and onnxruntime-web loads the models built with them.

/** One encoded field (tag and value); a message is the concatenation of its fields. */
export type Field = Uint8Array;

const tag = (field: number, wire: number): number[] => varintBytes(BigInt(field * 8 + wire));

/** A varint's bytes; negative int64 values are written as their 64-bit two's complement (10 bytes), as protobuf does. */
function varintBytes(v: bigint): number[] {
  let u = BigInt.asUintN(64, v);
  const out: number[] = [];
  do {
    const low = Number(u & 0x7fn);
    u >>= 7n;
    out.push(u ? low | 0x80 : low);
  } while (u);
  return out;
}

/** An int32, int64 or enum field. */
export function varint(field: number, value: number): Field {
  if (!Number.isSafeInteger(value)) throw new Error(`protobuf: field ${field} must be an integer, got ${value}`);
  return Uint8Array.from([...tag(field, 0), ...varintBytes(BigInt(value))]);
}

/** A float field (fixed 32 bits, little-endian). */
export function float32(field: number, value: number): Field {
  const out = new Uint8Array([...tag(field, 5), 0, 0, 0, 0]);
  new DataView(out.buffer).setFloat32(out.length - 4, value, true);
  return out;
}

/** A bytes field, or a message field given its fields. */
export function bytes(field: number, value: Uint8Array | Field[]): Field {
  const body = value instanceof Uint8Array ? value : concat(value);
  const head = [...tag(field, 2), ...varintBytes(BigInt(body.length))];
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** A string field (UTF-8). */
export const string = (field: number, value: string): Field => bytes(field, new TextEncoder().encode(value));

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
