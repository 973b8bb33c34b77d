// Client-side copy of a VM's screen, updated from `frame` events (dirty rectangles of
// RGBA pixels). Kept outside React so a canvas that mounts later can draw the whole
// screen at once. Every rectangle is checked: the numbers come from the guest's
// SVGA FIFO through the host, and a bad one is dropped, never written out of bounds.
import type { FrameRect } from '../../../electron/common/protocol';

/** SVGA II reports at most 8192x8192 (SVGA_REG_MAX_WIDTH/HEIGHT are far below this). */
export const MAX_DIMENSION = 8192;

export class Framebuffer {
  width = 0;
  height = 0;
  pixels = new Uint8ClampedArray(0);
  /** Bumped on every change; a canvas redraws when it differs from what it drew. */
  version = 0;
  droppedRects = 0;

  resize(width: number, height: number): boolean {
    if (!isDimension(width) || !isDimension(height)) return false;
    if (width === this.width && height === this.height) return true;
    this.width = width;
    this.height = height;
    this.pixels = new Uint8ClampedArray(width * height * 4);
    this.version++;
    return true;
  }

  /** Applies one `frame` event; returns how many rectangles were accepted. */
  apply(width: number, height: number, rects: readonly FrameRect[]): number {
    if (!this.resize(width, height)) return 0;
    let accepted = 0;
    for (const r of rects) {
      if (this.blit(r)) accepted++;
      else this.droppedRects++;
    }
    if (accepted > 0) this.version++;
    return accepted;
  }

  private blit(r: FrameRect): boolean {
    const { x, y, width: w, height: h, rgba } = r;
    if (![x, y, w, h].every(Number.isInteger)) return false;
    if (x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > this.width || y + h > this.height) return false;
    if (!(rgba instanceof Uint8Array) || rgba.length !== w * h * 4) return false;
    const stride = this.width * 4;
    const rowBytes = w * 4;
    for (let row = 0; row < h; row++) {
      this.pixels.set(rgba.subarray(row * rowBytes, (row + 1) * rowBytes), (y + row) * stride + x * 4);
    }
    return true;
  }
}

function isDimension(n: number): boolean {
  return Number.isInteger(n) && n > 0 && n <= MAX_DIMENSION;
}
