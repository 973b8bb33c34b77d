// The display side of one VM in the VM host: pulls dirty rectangles from the native
// display only while a client wants frames (at most 60 per second, only when something
// changed; an idle guest costs a dirty-log check per tick), keeps a host copy of the
// screen for screenshots, and reports mode changes.
import type { DisplayMode, FrameRect, HostEvent } from '../common/protocol';
import { FrameBuffer } from './display/frameBuffer';
import { FramePacer, type PacedFrame } from './display/framePacer';
import { writeScreenshot } from './display/screenshot';
import type { NativeFrame, NativeVm } from './native';

const MAX_FPS = 60;

interface Pulled extends PacedFrame {
  native: NativeFrame;
}

export class DisplaySession {
  private readonly buffer = new FrameBuffer(0, 0, 'rgba');
  private readonly pacer: FramePacer<Pulled>;
  private mode: DisplayMode = { width: 0, height: 0, source: 'none' };
  private announceMode = false; // a new consumer gets the mode before its first full frame

  constructor(
    private readonly vm: NativeVm,
    private readonly emit: (event: HostEvent) => void,
  ) {
    this.pacer = new FramePacer<Pulled>({
      maxFps: MAX_FPS,
      pull: (full) => this.pull(full),
      deliver: (frame) => {
        this.emitFrame(frame.native);
        this.pacer.ack(); // IPC delivery is ordered and back-pressured by the channel itself
      },
    });
  }

  currentMode(): DisplayMode {
    return this.mode;
  }

  setFrames(enabled: boolean): void {
    if (enabled) {
      this.announceMode = true;
      this.pacer.requestFull();
      this.pacer.start();
    } else {
      this.pacer.stop();
    }
  }

  /** Writes a PNG of the current screen (a full pull first, so it is current). */
  async screenshot(file: string): Promise<void> {
    this.pull(true);
    if (!this.buffer.width || !this.buffer.height) throw new Error('the guest shows no picture yet');
    await writeScreenshot(file, this.buffer.view());
  }

  /** The last screen as one full frame, so a viewer keeps the final picture of a VM that stopped. */
  emitFinalFrame(): void {
    this.pacer.stop();
    const frame = this.pull(true);
    if (frame) this.emitFrame(frame.native);
  }

  stop(): void {
    this.pacer.stop();
  }

  private pull(full: boolean): Pulled | null {
    const frame = this.vm.takeFrame(full);
    if (!frame) return null;
    const { width, height, source } = frame.mode;
    const changed = width !== this.mode.width || height !== this.mode.height || source !== this.mode.source;
    if (changed) {
      this.mode = { width, height, source: source === 'boot' || source === 'vga' ? 'vbe' : source };
      this.buffer.resize(width, height);
    }
    if (changed || this.announceMode) {
      this.announceMode = false;
      this.emit({ kind: 'mode', v: 1, mode: this.mode });
    }
    // Defined answer for an inconsistent frame (never a crash of the VM host): drop it and
    // resynchronize with a full frame on the next tick.
    if (frame.rects.some((r) => r.x + r.width > width || r.y + r.height > height)) {
      this.pacer.requestFull();
      return null;
    }
    this.buffer.apply(
      frame.rects.map((r) => ({ x: r.x, y: r.y, w: r.width, h: r.height })),
      frame.pixels,
    );
    const covers = frame.rects.length === 1 && frame.rects[0].width === width && frame.rects[0].height === height;
    return { full: full || covers, native: frame };
  }

  private emitFrame(frame: NativeFrame): void {
    const rects: FrameRect[] = frame.rects.map((r) => ({
      x: r.x,
      y: r.y,
      width: r.width,
      height: r.height,
      rgba: new Uint8Array(frame.pixels.buffer, frame.pixels.byteOffset + r.offset, r.width * r.height * 4),
    }));
    this.emit({ kind: 'frame', v: 1, width: frame.mode.width, height: frame.mode.height, rects });
  }
}
