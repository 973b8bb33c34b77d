// Keys typed through the VM host API reach a guest as an OS sees them: DOM code -> set 2
// (keymap.ts) -> i8042 keyboard -> XLATE to set 1 -> output buffer -> IRQ1 -> 8259 ->
// guest handler. The kbd_echo guest initializes the 8042 as a BIOS would and prints
// every byte it takes by interrupt ("kbd: 1e 9e"); Escape ends it.
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { kvmAvailable } from '../testing/kvmGate';
import { GUESTS } from '../testing/runCli';
import { VmHostClient } from '../testing/vmHostClient';

const kvm = kvmAvailable();

// Each step and the set-1 bytes it must produce (IBM PS/2 Technical Reference, set 1
// table; the 8042 turns "F0 xx" into "xx | 0x80" and passes E0 through).
const STEPS: { code: string; down: boolean; set1: number[] }[] = [
  { code: 'KeyA', down: true, set1: [0x1e] },
  { code: 'KeyA', down: false, set1: [0x9e] },
  { code: 'ArrowRight', down: true, set1: [0xe0, 0x4d] },
  { code: 'ArrowRight', down: false, set1: [0xe0, 0xcd] },
  { code: 'ShiftLeft', down: true, set1: [0x2a] },
  { code: 'KeyZ', down: true, set1: [0x2c] },
  { code: 'KeyZ', down: false, set1: [0xac] },
  { code: 'ShiftLeft', down: false, set1: [0xaa] },
  { code: 'Fn', down: true, set1: [] }, // no PS/2 key: the host sends nothing
  { code: 'F7', down: true, set1: [0x41] }, // set 2 0x83, the one make code above 0x7F
  { code: 'F7', down: false, set1: [0xc1] },
  { code: 'ControlRight', down: true, set1: [0xe0, 0x1d] },
  { code: 'ControlRight', down: false, set1: [0xe0, 0x9d] },
  { code: 'Escape', down: true, set1: [0x01] }, // ends the guest
];

/** Every byte the guest echoed, in order, from its "kbd: xx xx ..." lines. */
function echoed(serial: string): number[] {
  const bytes: number[] = [];
  for (const m of serial.matchAll(/^kbd:((?: [0-9a-f]{2})+)\r?$/gm)) {
    for (const hex of m[1].trim().split(' ')) bytes.push(parseInt(hex, 16));
  }
  return bytes;
}

const hex = (bytes: number[]) => bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');

describe.runIf(kvm)('keyboard input on KVM through the VM host', () => {
  let client: VmHostClient | undefined;
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('DOM key codes arrive as translated set-1 scan codes through IRQ1', async () => {
    client = await VmHostClient.start({
      name: 'kbd_echo',
      memoryMiB: 64,
      cpus: 1,
      kernel: path.join(GUESTS, 'kbd_echo.bin'),
      firmware: 'none',
      noReboot: true,
    });
    const c = client;
    await c.waitForSerial(/^kbd: ready\r?$/m, 20_000);

    // One key event at a time, each echoed before the next: the keyboard buffer holds
    // 16 bytes and the host drops an event that does not fit.
    const expected: number[] = [];
    for (const step of STEPS) {
      c.send({ kind: 'key', v: 1, code: step.code, down: step.down });
      expected.push(...step.set1);
      if (step.set1.length === 0) continue;
      const got = await c.waitUntil(
        `the guest to echo ${hex(step.set1)} for ${step.code} ${step.down ? 'down' : 'up'}`,
        () => {
          const bytes = echoed(c.serial());
          return bytes.length >= expected.length ? bytes : undefined;
        },
        10_000,
      );
      expect(hex(got), `${step.code} ${step.down ? 'down' : 'up'}`).toBe(hex(expected));
    }

    const stop = await c.waitForStop(10_000);
    expect(stop.reason, c.diagnostics()).toBe('poweroff');
    expect(stop.code).toBe(0);
    const serial = c.serial();
    expect(hex(echoed(serial))).toBe(hex(expected));
    // Every byte came by interrupt, one byte per IRQ1 edge.
    const summary = serial.match(/^kbd: (\d+) bytes in (\d+) interrupts/m);
    expect(summary, serial).not.toBeNull();
    expect(Number(summary![1])).toBe(expected.length);
    expect(serial).toContain('PASS kbd_echo');
  });
});
