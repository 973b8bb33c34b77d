// What a viewer that connects to a VM late must see first: the host's hello, the VM's
// current state, display mode and tools info, recent serial output and, where kept,
// recent telemetry. A guest that finishes in milliseconds is over before a late viewer
// arrives; its output still shows. Kept per VM by whoever relays the VM's events to more
// than one viewer: the VM host for Electron's window ports (electron/vmhost/fanout.ts) and
// the browser dev host for its WebSocket pages (electron/devhost/devHost.ts). Pure.
import type { HostEvent } from './protocol';

export interface ReplayLimits {
  /** Serial bytes kept (the oldest chunks go first; the newest chunk is always kept). */
  serialBytes: number;
  /** Telemetry samples kept; 0 keeps none. */
  telemetrySamples: number;
}

type Latest = 'hello' | 'state' | 'mode' | 'tools';
const LATEST: readonly Latest[] = ['hello', 'state', 'mode', 'tools'];

export class ReplayCache {
  private readonly latest = new Map<Latest, HostEvent>();
  private serial: Uint8Array[] = [];
  private serialBytes = 0;
  private telemetry: HostEvent[] = [];

  constructor(private readonly limits: ReplayLimits) {}

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
        while (this.serialBytes > this.limits.serialBytes && this.serial.length > 1) this.serialBytes -= this.serial.shift()!.length;
        break;
      case 'telemetry':
        if (this.limits.telemetrySamples === 0) break;
        this.telemetry.push(event);
        if (this.telemetry.length > this.limits.telemetrySamples) this.telemetry.shift();
        break;
      default:
        break;
    }
  }

  /** Events that bring a new viewer up to date: the latest of each kind, the serial tail as
   *  one chunk, then the telemetry samples in order. */
  replay(): HostEvent[] {
    const out: HostEvent[] = [];
    for (const k of LATEST) {
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
