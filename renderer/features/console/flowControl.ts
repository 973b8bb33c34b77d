// Serial back-pressure with xterm.js write-callback watermarks (xtermjs.org "Flow
// Control"): count bytes handed to term.write() and not yet parsed; above HIGH ask the VM
// host to pause the serial stream, below LOW let it resume. The host stops reading the
// UART pipe, so THRE stays clear and the guest waits instead of memory growing.

export const HIGH_WATERMARK = 128 * 1024;
export const LOW_WATERMARK = 16 * 1024;

export class SerialFlowControl {
  private pending = 0;
  private paused = false;

  constructor(
    private readonly setPaused: (paused: boolean) => void,
    private readonly high = HIGH_WATERMARK,
    private readonly low = LOW_WATERMARK,
  ) {}

  /** Call before term.write(); pass the returned callback as the write callback. */
  written(bytes: number): () => void {
    this.pending += bytes;
    if (!this.paused && this.pending > this.high) {
      this.paused = true;
      this.setPaused(true);
    }
    return () => this.parsed(bytes);
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get pendingBytes(): number {
    return this.pending;
  }

  private parsed(bytes: number): void {
    this.pending -= bytes;
    if (this.paused && this.pending < this.low) {
      this.paused = false;
      this.setPaused(false);
    }
  }
}
