import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';

import { crc32 } from './crc32';
import { decodePng, encodePng } from './png';

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

describe('crc32', () => {
  it('matches the standard check values', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(Buffer.from('IEND'))).toBe(0xae426082);
    const all = Buffer.from('hello, world');
    expect(crc32(all.subarray(5), crc32(all.subarray(0, 5)))).toBe(crc32(all));
  });
});

describe('encodePng', () => {
  it('writes signature, IHDR (RGB, 8 bit) and IEND, and round-trips BGRX pixels', () => {
    const width = 3, height = 2;
    // BGRX: red, green, blue / white, black, grey; X bytes are garbage on purpose.
    const bgrx = Uint8Array.from([
      0, 0, 255, 9, 0, 255, 0, 9, 255, 0, 0, 9,
      255, 255, 255, 1, 0, 0, 0, 2, 128, 128, 128, 3,
    ]);
    const png = encodePng({ width, height, layout: 'bgrx', data: bgrx });
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    expect(png.readUInt32BE(16)).toBe(3);
    expect(png.readUInt32BE(20)).toBe(2);
    expect([png[24], png[25], png[26], png[27], png[28]]).toEqual([8, 2, 0, 0, 0]);
    expect(png.toString('latin1', png.length - 8, png.length - 4)).toBe('IEND');
    const d = decodePng(png);
    expect(d.width).toBe(3);
    expect([...d.rgba.subarray(0, 12)]).toEqual([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255]);
    expect([...d.rgba.subarray(12, 24)]).toEqual([255, 255, 255, 255, 0, 0, 0, 255, 128, 128, 128, 255]);
  });

  it('honours RGBA layout and a row stride', () => {
    const stride = 12; // 2 pixels + 4 bytes padding
    const data = Uint8Array.from([10, 20, 30, 255, 40, 50, 60, 255, 7, 7, 7, 7, 70, 80, 90, 255, 1, 2, 3, 255, 7, 7, 7, 7]);
    const d = decodePng(encodePng({ width: 2, height: 2, layout: 'rgba', data, stride }, 1));
    expect([...d.rgba]).toEqual([10, 20, 30, 255, 40, 50, 60, 255, 70, 80, 90, 255, 1, 2, 3, 255]);
  });

  it('rejects bad sizes and short data', () => {
    expect(() => encodePng({ width: 0, height: 1, layout: 'rgba', data: new Uint8Array(4) })).toThrow(RangeError);
    expect(() => encodePng({ width: 2, height: 2, layout: 'rgba', data: new Uint8Array(15) })).toThrow(RangeError);
    expect(() => encodePng({ width: 1.5, height: 1, layout: 'rgba', data: new Uint8Array(8) })).toThrow(RangeError);
  });

  it('compresses a flat 1024x768 frame to a small file quickly', () => {
    const data = new Uint8Array(1024 * 768 * 4).fill(0x40);
    const png = encodePng({ width: 1024, height: 768, layout: 'bgrx', data });
    expect(png.length).toBeLessThan(20_000);
    expect(decodePng(png).rgba[4 * 1000]).toBe(0x40);
  });
});

describe('decodePng', () => {
  it('undoes the Up, Average and Paeth filters of an RGBA image', () => {
    const w = 2, h = 3, ch = 4;
    const pixels = [
      [1, 2, 3, 255, 200, 100, 50, 128],
      [9, 8, 7, 255, 0, 255, 0, 255],
      [30, 60, 90, 255, 15, 25, 35, 0],
    ];
    const raw: number[] = [];
    const filters = [2, 3, 4];
    for (let y = 0; y < h; y++) {
      raw.push(filters[y]);
      for (let i = 0; i < w * ch; i++) {
        const a = i >= ch ? pixels[y][i - ch] : 0;
        const b = y > 0 ? pixels[y - 1][i] : 0;
        const c = y > 0 && i >= ch ? pixels[y - 1][i - ch] : 0;
        const p = a + b - c;
        const pred = filters[y] === 2 ? b : filters[y] === 3 ? (a + b) >> 1
          : Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a
          : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
        raw.push((pixels[y][i] - pred) & 0xff);
      }
    }
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(w, 0);
    ihdr.writeUInt32BE(h, 4);
    ihdr[8] = 8;
    ihdr[9] = 6;
    const file = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', zlib.deflateSync(Buffer.from(raw))),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    expect([...decodePng(file).rgba]).toEqual(pixels.flat());
  });

  it('rejects damaged files', () => {
    const png = encodePng({ width: 1, height: 1, layout: 'rgba', data: new Uint8Array(4) });
    const bad = Buffer.from(png);
    bad[20] ^= 1; // inside IHDR: CRC no longer matches
    expect(() => decodePng(bad)).toThrow(/CRC/);
    expect(() => decodePng(png.subarray(0, 30))).toThrow(/truncated/);
    expect(() => decodePng(Buffer.from('GIF89a...'))).toThrow(/not a PNG/);
  });
});
