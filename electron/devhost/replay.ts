// What a page that connects to a VM late must see first: the host's hello, the VM's
// current state, display mode and tools info, recent serial output and telemetry. A guest
// that finishes in milliseconds is over before the page's vm-open arrives; its output
// still shows. The dev
// host keeps this per VM because it relays every event anyway. Pure.
import type { HostEvent } from '../common/protocol';

export const REPLAY_SERIAL_BYTES = 256 * 1024;
/** 60 s of samples at 10 Hz: the exit charts' history. */
export const REPLAY_TELEMETRY_SAMPLES = 600;

export class ReplayCache {
  private latest = new Map<'hello' | 'state' | 'mode' | 'tools', HostEvent>();
  private serial: Uint8Array[] = [];
  private serialBytes = 0;
  private telemetry: HostEvent[] = [];

  record(event: HostEvent): void {
    switch (event.kind) {
      case 'hello':
      case 'state':
      case 'mode':
      case 'tools':
        this.latest.set(event.kind, event);
        break;
      case 'serial-out':
        this.serial.push(event.data);
        this.serialBytes += event.data.length;
        while (this.serialBytes > REPLAY_SERIAL_BYTES && this.serial.length > 1) this.serialBytes -= this.serial.shift()!.length;
        break;
      case 'telemetry':
        this.telemetry.push(event);
        if (this.telemetry.length > REPLAY_TELEMETRY_SAMPLES) this.telemetry.shift();
        break;
      default:
        break;
    }
  }

  /** Events that bring a new viewer up to date, in a sensible order. */
  replay(): HostEvent[] {
    const out: HostEvent[] = [];
    for (const k of ['hello', 'state', 'mode', 'tools'] as const) {
      const e = this.latest.get(k);
      if (e) out.push(e);
    }
    if (this.serialBytes > 0) {
      const data = new Uint8Array(this.serialBytes);
      let at = 0;
      for (const c of this.serial) {
        data.set(c, at);
        at += c.length;
      }
      out.push({ kind: 'serial-out', v: 1, data });
    }
    out.push(...this.telemetry);
    return out;
  }
}
