// FramePacer: decides when the VM host pulls pixels from the native display, so frames go
// out at most `maxFps` times a second, only when something changed, and never faster than
// the consumer takes them. One frame may be in flight; ticks while it is unacknowledged
// are skipped (the native side keeps accumulating damage, so nothing is lost). If an
// acknowledgement does not come within `ackTimeoutMs` (window closed, renderer reloaded),
// the pacer gives up waiting and asks for a full frame next, because the consumer may
// have missed the partial updates.

export interface PacedFrame {
  /** True when the frame covers the whole screen (first frame, mode change, resync). */
  full: boolean;
}

export interface FramePacerOptions<F extends PacedFrame> {
  maxFps: number;
  /** Pulls changes from the display; `full` forces a whole frame. null = nothing changed. */
  pull: (full: boolean) => F | null;
  /** Hands a frame to the consumer, which calls ack() when it has drawn it. */
  deliver: (frame: F) => void;
  ackTimeoutMs?: number;
  now?: () => number;
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
}

export interface FramePacerStats {
  delivered: number;
  /** Ticks not pulled because the screen has been idle (idle back-off). */
  skippedIdle: number;
  skippedInFlight: number;
  idleTicks: number;
  ackTimeouts: number;
}

export class FramePacer<F extends PacedFrame> {
  private handle: unknown = null;
  private inFlightSince: number | null = null;
  private needFull = true;
  readonly stats: FramePacerStats = { delivered: 0, skippedIdle: 0, skippedInFlight: 0, idleTicks: 0, ackTimeouts: 0 };
  // Idle back-off: after IDLE_AFTER empty pulls in a row, pull only every IDLE_EVERY-th
  // tick (60 fps -> 10 Hz) until something changes. An idle guest then costs a sixth of
  // the dirty-log checks; the first change after idleness shows within 100 ms.
  private static readonly IDLE_AFTER = 30;
  private static readonly IDLE_EVERY = 6;
  private emptyPulls = 0;
  private idleSkip = 0;
  private readonly intervalMs: number;
  private readonly ackTimeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: FramePacerOptions<F>) {
    if (!(opts.maxFps > 0 && opts.maxFps <= 240)) throw new RangeError(`maxFps ${opts.maxFps} out of range`);
    this.intervalMs = 1000 / opts.maxFps;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 1000;
    this.now = opts.now ?? (() => performance.now());
  }

  start(): void {
    if (this.handle !== null) return;
    const set = this.opts.setInterval ?? ((fn, ms) => setInterval(fn, ms));
    this.handle = set(() => this.tick(), this.intervalMs);
  }

  stop(): void {
    if (this.handle === null) return;
    const clear = this.opts.clearInterval ?? ((h) => clearInterval(h as ReturnType<typeof setInterval>));
    clear(this.handle);
    this.handle = null;
  }

  /** The consumer drew the last frame. */
  ack(): void {
    this.inFlightSince = null;
  }

  /** Asks for a whole frame at the next tick (a new window attached). */
  requestFull(): void {
    this.needFull = true;
  }

  /** One pacing step; start() calls it every 1/maxFps seconds. */
  tick(): void {
    const t = this.now();
    if (this.inFlightSince !== null) {
      if (t - this.inFlightSince < this.ackTimeoutMs) {
        this.stats.skippedInFlight++;
        return;
      }
      this.stats.ackTimeouts++;
      this.inFlightSince = null;
      this.needFull = true;
    }
    if (!this.needFull && this.emptyPulls >= FramePacer.IDLE_AFTER && ++this.idleSkip % FramePacer.IDLE_EVERY !== 0) {
      this.stats.skippedIdle++;
      return;
    }
    const frame = this.opts.pull(this.needFull);
    if (!frame) {
      this.stats.idleTicks++;
      this.emptyPulls++;
      return;
    }
    this.emptyPulls = 0;
    this.idleSkip = 0;
    if (frame.full) this.needFull = false;
    this.inFlightSince = t;
    this.stats.delivered++;
    this.opts.deliver(frame);
  }
}
