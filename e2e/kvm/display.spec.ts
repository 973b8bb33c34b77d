// kvm tier: the SVGA II picture of a real guest in the framebuffer canvas. svga_modes
// (native/guests/svga_modes.c) ends on 640x480x32 with colour blocks at y 32..127:
// red x 32..159, green x 192..319, blue x 352..479, white x 512..607.
import { expect, test } from '@playwright/test';
import { VireoApp } from '../support/vireoApp';
import { missingForKvm, skipUnless } from '../support/realHost';

test('the svga_modes guest draws its colour blocks into the canvas', async ({ page }) => {
  skipUnless('display', missingForKvm('svga_modes.bin'), test.skip);
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
