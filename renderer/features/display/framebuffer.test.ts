import { describe, expect, it } from 'vitest';
import { Framebuffer } from './framebuffer';

function solid(w: number, h: number, v: number): Uint8Array {
  return new Uint8Array(w * h * 4).fill(v);
}

describe('Framebuffer', () => {
  it('writes a rectangle at its place, row by row', () => {
    const fb = new Framebuffer();
    expect(fb.apply(4, 3, [{ x: 1, y: 1, width: 2, height: 2, rgba: solid(2, 2, 7) }])).toBe(1);
    const px = (x: number, y: number): number => fb.pixels[(y * 4 + x) * 4]!;
    expect([px(0, 0), px(1, 1), px(2, 1), px(1, 2), px(2, 2), px(3, 2)]).toEqual([0, 7, 7, 7, 7, 0]);
    expect(fb.version).toBeGreaterThan(0);
  });

  it('drops rectangles that leave the screen or lie about their size', () => {
    const fb = new Framebuffer();
    const bad = [
      { x: 3, y: 0, width: 2, height: 1, rgba: solid(2, 1, 1) },
      { x: -1, y: 0, width: 1, height: 1, rgba: solid(1, 1, 1) },
      { x: 0, y: 0, width: 2, height: 2, rgba: solid(1, 1, 1) },
      { x: 0.5, y: 0, width: 1, height: 1, rgba: solid(1, 1, 1) },
      { x: 0, y: 0, width: 0, height: 1, rgba: new Uint8Array(0) },
    ];
    expect(fb.apply(4, 4, bad)).toBe(0);
    expect(fb.droppedRects).toBe(bad.length);
    expect(fb.pixels.every((b) => b === 0)).toBe(true);
  });

  it('refuses absurd screen sizes', () => {
    const fb = new Framebuffer();
    expect(fb.resize(0, 10)).toBe(false);
    expect(fb.resize(100_000, 10)).toBe(false);
    expect(fb.resize(640, 480)).toBe(true);
    expect(fb.pixels.length).toBe(640 * 480 * 4);
  });
});
