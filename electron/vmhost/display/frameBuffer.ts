// FrameBuffer: the VM host's copy of the whole guest screen, kept current by applying the
// dirty rectangles the native Display hands out (Display::take_dirty_rects: rectangles
// plus their pixels packed rect by rect, rows packed, 4 bytes per pixel). It lets the host
// answer a screenshot or a newly attached window without asking the guest side again.
import { encodePng, type Frame, type PixelLayout } from './png';

export interface DirtyRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export class FrameBuffer {
  private frame: Uint8Array;

  constructor(
    public width: number,
    public height: number,
    readonly layout: PixelLayout,
  ) {
    this.frame = new Uint8Array(width * height * 4);
  }

  /** New mode: the contents are dropped (the next update after a mode change is full). */
  resize(width: number, height: number): void {
    if (width === this.width && height === this.height) return;
    this.width = width;
    this.height = height;
    this.frame = new Uint8Array(width * height * 4);
  }

  /**
   * Copies each rectangle's pixels in. Rectangles must lie inside the frame and `pixels`
   * must hold exactly their w*h*4 bytes in order; otherwise nothing is applied and a
   * RangeError says why (a mismatch means the sender and this frame disagree on the mode).
   */
  apply(rects: readonly DirtyRect[], pixels: Uint8Array): void {
    let need = 0;
    for (const r of rects) {
      if (r.x < 0 || r.y < 0 || r.w < 0 || r.h < 0 || r.x + r.w > this.width || r.y + r.h > this.height)
        throw new RangeError(`rect ${r.x},${r.y} ${r.w}x${r.h} outside ${this.width}x${this.height}`);
      need += r.w * r.h * 4;
    }
    if (need !== pixels.length) throw new RangeError(`expected ${need} pixel bytes, got ${pixels.length}`);
    let src = 0;
    for (const r of rects) {
      const row = r.w * 4;
      for (let y = 0; y < r.h; y++, src += row)
        this.frame.set(pixels.subarray(src, src + row), ((r.y + y) * this.width + r.x) * 4);
    }
  }

  view(): Frame {
    return { width: this.width, height: this.height, layout: this.layout, data: this.frame };
  }

  toPng(level?: number): Buffer {
    return encodePng(this.view(), level);
  }
}
