// kvm tier: the SVGA II picture of a real guest in the framebuffer canvas. svga_modes
// (native/guests/svga_modes.c) ends on 640x480x32 with colour blocks at y 32..127:
// red x 32..159, green x 192..319, blue x 352..479, white x 512..607.
import { expect, test } from '@playwright/test';
import * as fs from 'node:fs';
import { VireoApp } from '../support/vireoApp';
import { missingForKvm, REPO, skipUnless } from '../support/realHost';

// The VM host answers `frames` only once its display service is attached
// (electron/vmhost/vmSession.ts); until then this spec is a known gap, not a pass.
const vmSession = fs.readFileSync(`${REPO}/electron/vmhost/vmSession.ts`, 'utf8');
const framesServed = !/case 'frames':\s*\/\/ Served once/.test(vmSession);
if (!framesServed) console.warn('\n*** FIXME e2e/kvm display: the VM host does not serve display frames yet ***\n');

test('the svga_modes guest draws its colour blocks into the canvas', async ({ page }) => {
  skipUnless('display', missingForKvm('svga_modes.bin'), test.skip);
  test.fixme(!framesServed, 'the VM host does not serve display frames yet (vmSession: frames is a no-op)');
  const app = new VireoApp(page);
  await app.openLibrary();
  await app.startVm('guest-svga_modes');
  await expect.poll(() => app.framebufferSize(), { timeout: 120_000 }).toEqual({ width: 640, height: 480 });
  await expect.poll(() => app.pixel(100, 80), { timeout: 120_000 }).toEqual([255, 0, 0, 255]);
  expect(await app.pixel(250, 80)).toEqual([0, 255, 0, 255]);
  expect(await app.pixel(400, 80)).toEqual([0, 0, 255, 255]);
  expect(await app.pixel(550, 80)).toEqual([255, 255, 255, 255]);
  await app.screenshot('kvm-svga-modes');
});
