// Page object for the Vireo window (VS Code test/automation style): specs say what the
// user does, this file knows the DOM.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import { E2E_TOKEN } from './ports';

export const ARTIFACTS = path.resolve(__dirname, '..', '..', 'artifacts', 'e2e');

export class VireoApp {
  constructor(readonly page: Page) {}

  async openLibrary(): Promise<void> {
    await this.page.goto(`/?token=${E2E_TOKEN}`);
    await expect(this.page.getByTestId('vm-demo')).toBeVisible();
  }

  vmRow(id: string): Locator {
    return this.page.getByTestId(`vm-${id}`);
  }

  async startVm(id: string): Promise<void> {
    await this.vmRow(id).getByRole('button', { name: 'Start' }).click();
    await expect(this.page.getByTestId('console')).toBeVisible();
  }

  consoleState(): Locator {
    return this.page.getByTestId('console-state');
  }

  serial(): Locator {
    return this.page.getByTestId('serial');
  }

  async serialText(): Promise<string> {
    return this.serial().locator('.xterm-rows').innerText();
  }

  async expectSerial(pattern: RegExp, timeout = 15_000): Promise<void> {
    await expect.poll(() => this.serialText(), { timeout }).toMatch(pattern);
  }

  async typeSerial(text: string): Promise<void> {
    await this.serial().click();
    await this.page.keyboard.type(text);
  }

  /** RGBA of one guest pixel as drawn in the framebuffer canvas. */
  async pixel(x: number, y: number): Promise<number[]> {
    return this.page.getByTestId('framebuffer').evaluate(
      (c: HTMLCanvasElement, [px, py]) => Array.from(c.getContext('2d')!.getImageData(px!, py!, 1, 1).data),
      [x, y],
    );
  }

  async framebufferSize(): Promise<{ width: number; height: number }> {
    return this.page.getByTestId('framebuffer').evaluate((c: HTMLCanvasElement) => ({ width: c.width, height: c.height }));
  }

  async exitTotal(): Promise<{ total: number; samples: number }> {
    const el = this.page.getByTestId('exit-total');
    return {
      total: Number(await el.getAttribute('data-total')),
      samples: Number(await el.getAttribute('data-samples')),
    };
  }

  /** A hash of a chart canvas's pixels, to see that it was redrawn with new data. */
  async canvasDigest(testId: string): Promise<string> {
    return this.page.getByTestId(testId).evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let h = 0;
      for (let i = 0; i < d.length; i += 4) h = (h * 31 + d[i]! + d[i + 1]! * 3 + d[i + 2]! * 7 + d[i + 3]!) >>> 0;
      return `${c.width}x${c.height}:${h}`;
    });
  }

  /** Clicks a toolbar power button; Power off and Reset ask first, and the answer is yes. */
  async power(label: string): Promise<void> {
    await this.page.getByTestId('toolbar').getByRole('button', { name: label, exact: true }).click();
    const yes = { 'Power off': 'Yes, power off', Reset: 'Yes, reset' }[label];
    if (yes) await this.page.getByRole('alertdialog').getByRole('button', { name: yes }).click();
  }

  async screenshot(name: string): Promise<void> {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await this.page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
  }
}
