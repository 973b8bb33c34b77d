// Binary framing for the dev host WebSocket: JSON for structure, raw bytes for every
// Uint8Array (serial chunks, frame rects), so pixels are not inflated by base64.
// Used by the dev host (Node) and the renderer's WS transport (browser); pure code, no
// `node:*`, no DOM beyond TextEncoder/TextDecoder which both runtimes have.
//
// Layout (little endian):
//   u32 jsonLength | json (UTF-8) | u32 blobCount | { u32 length | bytes } * blobCount
// In the JSON a byte array is written as {"$bin": index}.

// Globals of both runtimes (WHATWG Encoding); electron/common is compiled with neither the
// DOM nor the Node type library, so the two members used here are declared.
declare const TextEncoder: new () => { encode(text: string): Uint8Array };
declare const TextDecoder: new () => { decode(bytes: Uint8Array): string };

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Upper bounds against a broken or hostile peer. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const MAX_BLOBS = 4096;

export function encodeMessage(value: unknown): Uint8Array {
  const blobs: Uint8Array[] = [];
  // `holder[key]` is the value before toJSON(): a Node Buffer would otherwise arrive here
  // already turned into {type:'Buffer', data:[...]}.
  const json = JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const original = this[key];
    if (original instanceof Uint8Array) {
      blobs.push(original);
      return { $bin: blobs.length - 1 };
    }
    return v;
  });
  const jsonBytes = enc.encode(json);
  let total = 4 + jsonBytes.length + 4;
  for (const b of blobs) total += 4 + b.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  view.setUint32(at, jsonBytes.length, true);
  at += 4;
  out.set(jsonBytes, at);
  at += jsonBytes.length;
  view.setUint32(at, blobs.length, true);
  at += 4;
  for (const b of blobs) {
    view.setUint32(at, b.length, true);
    at += 4;
    out.set(b, at);
    at += b.length;
  }
  return out;
}

export class WireError extends Error {}

export function decodeMessage(bytes: Uint8Array): unknown {
  if (bytes.length > MAX_MESSAGE_BYTES) throw new WireError(`message of ${bytes.length} bytes is too large`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const need = (n: number): void => {
    if (at + n > bytes.length) throw new WireError('truncated message');
  };
  need(4);
  const jsonLength = view.getUint32(at, true);
  at += 4;
  need(jsonLength);
  const json = dec.decode(bytes.subarray(at, at + jsonLength));
  at += jsonLength;
  need(4);
  const count = view.getUint32(at, true);
  at += 4;
  if (count > MAX_BLOBS) throw new WireError(`${count} binary parts is too many`);
  const blobs: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    need(4);
    const len = view.getUint32(at, true);
    at += 4;
    need(len);
    // Copy, so the result does not keep the whole socket buffer alive.
    blobs.push(bytes.slice(at, at + len));
    at += len;
  }
  if (at !== bytes.length) throw new WireError('trailing bytes after message');
  return JSON.parse(json, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const ref = (v as { $bin?: unknown }).$bin;
      if (typeof ref === 'number' && Object.keys(v).length === 1) {
        const blob = blobs[ref];
        if (!blob) throw new WireError(`binary part ${ref} does not exist`);
        return blob;
      }
    }
    return v;
  }) as unknown;
}
