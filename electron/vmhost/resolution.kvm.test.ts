// The resolution round trip of a real VM on KVM, through the VM host API as the UI drives
// it: the client's viewport -> ToolsService -> TCLO "Resolution_Set <w> <h>" to the demo
// guest's tools agent (native/guests/demo_tools.h) -> the guest programs the SVGA II mode
// registers -> the display session reports the new mode and sends frames of that size.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import type { DisplayMode } from '../common/protocol';
import { kvmAvailable } from '../testing/kvmGate';
import { GUESTS, ROOT } from '../testing/runCli';
import { VmHostClient } from '../testing/vmHostClient';
import { decodePng } from './display/png';

const kvm = kvmAvailable();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-resolution-'));
const hex = (rgb: number) => '0x' + rgb.toString(16).padStart(6, '0');
let shots = 0;
const DEMO = path.join(GUESTS, 'demo.bin');

/** Why the demo guest cannot take part (empty when it can): names the missing piece. */
function demoMissing(): string | undefined {
  const source = path.join(ROOT, 'native/guests/demo_tools.h');
  if (!fs.existsSync(path.join(ROOT, 'native/guests/demo.c'))) return 'native/guests/demo.c (the demo guest) does not exist';
  if (!fs.existsSync(source) || !fs.readFileSync(source, 'utf8').includes('Resolution_Set'))
    return 'the demo guest\'s tools agent (native/guests/demo_tools.h) does not handle TCLO Resolution_Set';
  if (!fs.existsSync(DEMO)) return `${path.relative(ROOT, DEMO)} is not built (make -s -C native/guests)`;
  return undefined;
}

describe.runIf(kvm)('resolution round trip on KVM through the VM host', () => {
  let client: VmHostClient | undefined;
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('a viewport change reaches the demo guest as Resolution_Set and comes back as an SVGA mode and frames', async () => {
    const missing = demoMissing();
    if (missing) throw new Error(`resolution round trip needs the demo guest: ${missing}`);

    client = await VmHostClient.start({
      name: 'demo',
      memoryMiB: 64,
      cpus: 1,
      kernel: DEMO,
      firmware: 'none',
      noReboot: true,
    });
    const c = client;
    c.send({ kind: 'frames', v: 1, enabled: true });

    // The card starts in VGA text mode; the guest then enables SVGA at its boot size.
    const boot = await c.waitFor('mode', (e) => e.mode.source === 'svga', { timeoutMs: 20_000 });
    expect([boot.mode.width, boot.mode.height], c.diagnostics()).toEqual([1024, 768]);
    await c.waitFor('tools', (e) => e.info.state === 'running', { timeoutMs: 30_000 });
    // Milestone 3: the agent has registered resolution_set, so each Resolution_Set goes
    // out when the viewport changes (not later, from the viewport the host kept).
    await c.waitFor('milestone', (e) => e.value === 3, { timeoutMs: 30_000 });

    for (const [width, height] of [
      [800, 600],
      [1280, 720],
    ]) {
      const since = c.mark();
      c.send({ kind: 'viewport', v: 1, width, height });
      const want: DisplayMode = { width, height, source: 'svga' };
      const mode = await c.waitFor('mode', (e) => e.mode.width === width && e.mode.height === height, {
        since,
        timeoutMs: 20_000,
      });
      expect(mode.mode, c.diagnostics()).toEqual(want);

      // The first frame in the new mode is the whole screen (a viewer resizes its canvas
      // and needs every pixel); every frame after it has the new size, rects inside it.
      const afterMode = c.events.indexOf(mode) + 1;
      const frame = await c.waitFor('frame', () => true, { since: afterMode, timeoutMs: 10_000 });
      expect(frame.rects.map((r) => [r.x, r.y, r.width, r.height])).toEqual([[0, 0, width, height]]);
      await c.waitForSerial(new RegExp(`demo: screen ${width}x${height}`), 10_000);
      const later = c.events.slice(afterMode).filter((e) => e.kind === 'frame' || e.kind === 'mode');
      const wrong = later.filter((e) =>
        e.kind === 'mode'
          ? e.mode.width !== width || e.mode.height !== height
          : e.width !== width || e.height !== height || e.rects.some((r) => r.x + r.width > width || r.y + r.height > height),
      );
      expect(wrong).toEqual([]);

      // The guest drew its screen at the new size: title bar, accent line and the bottom
      // band of its 64-band gradient reach the far edges (demo.c screen_draw).
      const file = path.join(tmp, `demo-${width}x${height}.png`);
      const id = ++shots;
      c.send({ kind: 'screenshot', v: 1, id, path: file });
      const done = await c.waitFor('screenshot-done', (e) => e.id === id, { timeoutMs: 10_000 });
      expect(done.error).toBeUndefined();
      const png = decodePng(fs.readFileSync(file));
      expect([png.width, png.height]).toEqual([width, height]);
      const px = (x: number, y: number) => {
        const o = (y * png.width + x) * 4;
        return (png.rgba[o] << 16) | (png.rgba[o + 1] << 8) | png.rgba[o + 2];
      };
      const band = Math.ceil(height / 64);
      const last = Math.floor((height - 1) / band);
      const gradient =
        ((0x18 + Math.floor((0x28 * last) / 63)) << 16) |
        ((0x30 + Math.floor((0x60 * last) / 63)) << 8) |
        (0x58 + Math.floor((0x48 * last) / 63));
      expect(hex(px(width - 1, 10))).toBe(hex(0x141c2c));
      expect(hex(px(width - 1, 65))).toBe(hex(0xf0a030));
      expect(hex(px(width - 1, height - 1))).toBe(hex(gradient));
      expect(hex(px(0, height - 1))).toBe(hex(gradient));
    }
  });
});
