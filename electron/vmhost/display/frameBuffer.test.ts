import { describe, expect, it } from 'vitest';

import { FrameBuffer } from './frameBuffer';
import { decodePng } from './png';

describe('FrameBuffer', () => {
  it('applies packed dirty rectangles at their places', () => {
    const fb = new FrameBuffer(4, 3, 'rgba');
    // Two rects: 2x1 at (1,0) and 1x2 at (3,1); pixels packed rect by rect.
    const px = Uint8Array.from([1, 1, 1, 255, 2, 2, 2, 255, 3, 3, 3, 255, 4, 4, 4, 255]);
    fb.apply([{ x: 1, y: 0, w: 2, h: 1 }, { x: 3, y: 1, w: 1, h: 2 }], px);
    const f = fb.view().data;
    expect([...f.subarray(4, 12)]).toEqual([1, 1, 1, 255, 2, 2, 2, 255]);
    expect([...f.subarray((1 * 4 + 3) * 4, (1 * 4 + 3) * 4 + 4)]).toEqual([3, 3, 3, 255]);
    expect([...f.subarray((2 * 4 + 3) * 4, (2 * 4 + 3) * 4 + 4)]).toEqual([4, 4, 4, 255]);
    expect(f[0]).toBe(0);
    const d = decodePng(fb.toPng());
    expect([...d.rgba.subarray(4, 8)]).toEqual([1, 1, 1, 255]);
  });

  it('refuses rectangles outside the frame or a pixel count mismatch, changing nothing', () => {
    const fb = new FrameBuffer(2, 2, 'bgrx');
    expect(() => fb.apply([{ x: 1, y: 1, w: 2, h: 1 }], new Uint8Array(8))).toThrow(RangeError);
    expect(() => fb.apply([{ x: 0, y: 0, w: 1, h: 1 }], new Uint8Array(8))).toThrow(/expected 4/);
    expect(fb.view().data.every((b) => b === 0)).toBe(true);
    fb.resize(3, 1);
    expect(fb.view().data.length).toBe(12);
  });
});
