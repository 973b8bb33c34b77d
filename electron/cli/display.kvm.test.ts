// The display through the real CLI on KVM, asserted on the pixels of the PNG a user gets
// from `vireo run ... --screenshot FILE`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { kvmAvailable } from '../testing/kvmGate';
import { GUESTS, runCli } from '../testing/runCli';
import { decodePng } from '../vmhost/display/png';

const kvm = kvmAvailable();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-display-'));

function screenshot(file: string) {
  const f = decodePng(fs.readFileSync(file));
  const px = (x: number, y: number) => {
    const i = (y * f.width + x) * 4;
    return (f.rgba[i] << 16) | (f.rgba[i + 1] << 8) | f.rgba[i + 2];
  };
  // An 8x16 text cell as a string of ink bits (anything not black), for glyph comparisons.
  const cell = (col: number, row: number) => {
    let bits = '';
    for (let y = 0; y < 16; y++) for (let x = 0; x < 8; x++) bits += px(col * 8 + x, row * 16 + y) ? '1' : '0';
    return bits;
  };
  return { width: f.width, height: f.height, px, cell };
}

describe.runIf(kvm)('display on KVM', () => {
  it('SVGA II: mode set, FIFO RECT_FILL / RECT_COPY / UPDATE and CPU drawing land in the picture', async () => {
    const file = path.join(tmp, 'modes.png');
    const r = await runCli(['run', '--kernel', path.join(GUESTS, 'svga_modes.bin'), '--screenshot', file]);
    expect(r.stdout).toContain('PASS svga_modes');
    expect(r.code).toBe(0);
    const s = screenshot(file);
    expect([s.width, s.height]).toEqual([640, 480]);
    expect(s.px(600, 400)).toBe(0x203040); // RECT_FILL background
    expect(s.px(40, 40)).toBe(0xff0000);
    expect(s.px(200, 100)).toBe(0x00ff00);
    expect(s.px(400, 100)).toBe(0x0000ff);
    expect(s.px(600, 120)).toBe(0xffffff);
    // CPU-drawn gradient pixel(x,y) = (4x) << 16 | (4y) << 8 | 0x80, and its RECT_COPY.
    expect(s.px(32 + 10, 160 + 5)).toBe((40 << 16) | (20 << 8) | 0x80);
    expect(s.px(128 + 10, 160 + 5)).toBe((40 << 16) | (20 << 8) | 0x80);
  });

  it('PCI enumeration finds the SVGA device and its BARs', async () => {
    const r = await runCli(['run', '--kernel', path.join(GUESTS, 'svga_pci.bin')]);
    expect(r.stdout).toContain('PASS svga_pci');
    expect(r.code).toBe(0);
  });

  it('VGA text mode and VBE are rendered', async () => {
    const file = path.join(tmp, 'text.png');
    const r = await runCli(['run', '--kernel', path.join(GUESTS, 'svga_text.bin'), '--screenshot', file]);
    expect(r.stdout).toContain('PASS svga_text');
    const s = screenshot(file);
    expect([s.width, s.height]).toEqual([640, 400]); // 80x25 cells of 8x16
    expect(s.px(7, 15)).toBe(0x0000aa); // blue attribute background of the title row
    expect(s.cell(0, 0)).toContain('1');
  });

  it('SeaBIOS with vgabios-vmware shows its banner on screen', async () => {
    const file = path.join(tmp, 'bios.png');
    const r = await runCli(['run', '--firmware', 'seabios', '--screenshot', file, '--screenshot-after', '12'], { timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('SeaBIOS (version');
    const s = screenshot(file);
    // Row 0 reads "SeaBIOS (version ...": the glyphs repeat where the letters repeat.
    const cells = Array.from({ length: 16 }, (_, c) => s.cell(c, 0));
    expect(cells[0]).toContain('1');
    expect(cells[0]).toBe(cells[6]); // S ... S
    expect(cells[1]).toBe(cells[10]); // e in "Sea" and in "version"
    expect(cells[5]).not.toBe(cells[0]); // O is not S
    expect(cells[7]).not.toContain('1'); // the space after "SeaBIOS"
    expect(cells[8]).toContain('1'); // "("
  });
});
