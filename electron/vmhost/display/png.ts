// PNG (ISO/IEC 15948) encoder and a small decoder for the VM screen. The encoder writes
// 8-bit truecolor without alpha (color type 2; screen pixels are opaque), every row with
// the "Sub" filter (type 1), one IDAT chunk compressed by node:zlib. The decoder reads
// any non-interlaced 8-bit truecolor PNG (types 2 and 6, all five filters): enough to
// check screenshots in tests.
import * as zlib from 'node:zlib';

import { crc32 } from './crc32';

/** BGRX is what the guest framebuffer holds (bytes B, G, R, X); RGBA is canvas order. */
export type PixelLayout = 'rgba' | 'bgrx';

export interface Frame {
  width: number;
  height: number;
  layout: PixelLayout;
  /** 4 bytes per pixel; rows `stride` bytes apart (default width * 4). */
  data: Uint8Array;
  stride?: number;
}

export interface DecodedPng {
  width: number;
  height: number;
  /** RGBA, rows packed (alpha 255 when the file has none). */
  rgba: Uint8Array;
}

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const MAX_SIDE = 16384;

function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  out.set(body, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

function checkFrame(f: Frame): number {
  const stride = f.stride ?? f.width * 4;
  if (!Number.isInteger(f.width) || !Number.isInteger(f.height) || f.width < 1 || f.height < 1 ||
      f.width > MAX_SIDE || f.height > MAX_SIDE)
    throw new RangeError(`bad frame size ${f.width}x${f.height}`);
  if (stride < f.width * 4 || f.data.length < stride * (f.height - 1) + f.width * 4)
    throw new RangeError('frame data is shorter than width * height * 4');
  return stride;
}

/** Encodes a frame as PNG; `level` is the zlib level (default 6; 1 is fastest). */
export function encodePng(frame: Frame, level = 6): Buffer {
  const stride = checkFrame(frame);
  const { width, height, data } = frame;
  const [ri, bi] = frame.layout === 'rgba' ? [0, 2] : [2, 0];
  const rowBytes = 1 + width * 3;
  const raw = Buffer.alloc(rowBytes * height);
  for (let y = 0; y < height; y++) {
    const o = y * rowBytes;
    raw[o] = 1; // Sub: each byte minus the byte 3 positions (one pixel) to its left
    let pr = 0, pg = 0, pb = 0;
    for (let x = 0, s = y * stride, d = o + 1; x < width; x++, s += 4, d += 3) {
      const r = data[s + ri], g = data[s + 1], b = data[s + bi];
      raw[d] = (r - pr) & 0xff;
      raw[d + 1] = (g - pg) & 0xff;
      raw[d + 2] = (b - pb) & 0xff;
      pr = r;
      pg = g;
      pb = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // color type: truecolor
  // compression 0 (deflate), filter method 0, interlace 0: already zero
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decodes an 8-bit non-interlaced RGB or RGBA PNG; throws on anything else or on damage. */
export function decodePng(file: Uint8Array): DecodedPng {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file');
  let width = 0, height = 0, channels = 0;
  const idat: Buffer[] = [];
  for (let pos = 8; pos + 12 <= buf.length;) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    if (pos + 12 + len > buf.length) throw new Error(`truncated ${type} chunk`);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    if (crc32(buf.subarray(pos + 4, pos + 8 + len)) !== buf.readUInt32BE(pos + 8 + len))
      throw new Error(`bad CRC in ${type} chunk`);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, color, , , interlace] = body.subarray(8, 13);
      if (depth !== 8 || (color !== 2 && color !== 6) || interlace !== 0)
        throw new Error(`unsupported PNG: depth ${depth}, color type ${color}, interlace ${interlace}`);
      if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) throw new Error('bad PNG size');
      channels = color === 6 ? 4 : 3;
    } else if (type === 'IDAT') {
      idat.push(body);
    } else if (type === 'IEND') {
      break;
    }
    pos += 12 + len;
  }
  if (!channels) throw new Error('PNG has no IHDR');
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const rowBytes = width * channels;
  if (raw.length < (rowBytes + 1) * height) throw new Error('PNG image data is short');
  const rgba = new Uint8Array(width * height * 4);
  let prev = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (rowBytes + 1)];
    const line = Uint8Array.from(raw.subarray(y * (rowBytes + 1) + 1, (y + 1) * (rowBytes + 1)));
    for (let i = 0; i < rowBytes; i++) {
      const a = i >= channels ? line[i - channels] : 0, b = prev[i], c = i >= channels ? prev[i - channels] : 0;
      let add: number;
      switch (filter) {
        case 0: add = 0; break;
        case 1: add = a; break;
        case 2: add = b; break;
        case 3: add = (a + b) >> 1; break;
        case 4: add = paeth(a, b, c); break;
        default: throw new Error(`bad PNG filter ${filter}`);
      }
      line[i] = (line[i] + add) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const d = (y * width + x) * 4, s = x * channels;
      rgba[d] = line[s];
      rgba[d + 1] = line[s + 1];
      rgba[d + 2] = line[s + 2];
      rgba[d + 3] = channels === 4 ? line[s + 3] : 0xff;
    }
    prev = line;
  }
  return { width, height, rgba };
}
