import { describe, expect, it } from 'vitest';
import { displaySize, fitSize, movedGuestPoint, toGuestPoint } from './scaling';

describe('scaling modes', () => {
  const guest = { width: 640, height: 480 };
  it('fit keeps the guest aspect ratio inside the box', () => {
    expect(fitSize(guest, { width: 1000, height: 480 })).toEqual({ width: 640, height: 480 });
    expect(fitSize(guest, { width: 320, height: 1000 })).toEqual({ width: 320, height: 240 });
    expect(displaySize('fit', guest, { width: 320, height: 1000 }, 2)).toEqual({ width: 320, height: 240 });
  });
  it('1:1 is one guest pixel per device pixel, whatever the box', () => {
    expect(displaySize('actual', guest, { width: 100, height: 100 }, 1)).toEqual({ width: 640, height: 480 });
    expect(displaySize('actual', guest, { width: 100, height: 100 }, 2)).toEqual({ width: 320, height: 240 });
  });
  it('stretch fills the box', () => {
    expect(displaySize('stretch', guest, { width: 1000.6, height: 300.2 }, 1)).toEqual({ width: 1000, height: 300 });
  });
  it('no guest screen yet: nothing to show', () => {
    expect(displaySize('stretch', { width: 0, height: 0 }, { width: 100, height: 100 }, 1)).toEqual({ width: 0, height: 0 });
  });
});

describe('pointer mapping', () => {
  it('maps a pointer in the scaled canvas to guest pixels, clamped', () => {
    const box = { left: 10, top: 20, width: 320, height: 240 };
    const guest = { width: 640, height: 480 };
    expect(toGuestPoint(10, 20, box, guest)).toEqual({ x: 0, y: 0 });
    expect(toGuestPoint(170, 140, box, guest)).toEqual({ x: 320, y: 240 });
    expect(toGuestPoint(9999, -5, box, guest)).toEqual({ x: 639, y: 0 });
  });
  it('moves a locked pointer by the movement at the canvas scale and keeps it on screen', () => {
    const box = { width: 320, height: 240 };
    const guest = { width: 640, height: 480 };
    expect(movedGuestPoint({ x: 100, y: 100 }, 10, -5, box, guest)).toEqual({ x: 120, y: 90 });
    expect(movedGuestPoint({ x: 630, y: 5 }, 50, -50, box, guest)).toEqual({ x: 639, y: 0 });
  });
});
