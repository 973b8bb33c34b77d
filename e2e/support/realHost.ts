// Prerequisites of the kvm tier and a direct line to a real VM host, so specs can compare
// the UI with what the host itself says.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { childHostStarter } from '../../electron/app/childHost';
import { probeCapabilities } from '../../electron/app/vmRunner';
import type { HostCapabilities } from '../../electron/common/protocol';

export const REPO = path.resolve(__dirname, '..', '..');
export const VMHOST = path.join(REPO, 'out', 'electron', 'vmhost', 'vmHostMain.js');
export const ADDON = path.join(REPO, 'native', 'build', 'Release', 'vireo_native.node');
export const GUESTS = path.join(REPO, 'native', 'guests', 'build');

/** Why the kvm tier cannot run here (empty when it can). */
export function missingForKvm(...guests: string[]): string[] {
  const missing: string[] = [];
  if (!fs.existsSync(VMHOST)) missing.push(`${path.relative(REPO, VMHOST)} (npm run build:ts)`);
  if (!fs.existsSync(ADDON)) missing.push(`${path.relative(REPO, ADDON)} (npm run build:native)`);
  if (!fs.existsSync('/dev/kvm')) missing.push('/dev/kvm');
  for (const g of guests) {
    if (!fs.existsSync(path.join(GUESTS, g))) missing.push(`native/guests/build/${g} (npm run build:guests)`);
  }
  return missing;
}

/** Skips the current test when something is missing, and says so loudly. */
export function skipUnless(what: string, missing: string[], skip: (condition: boolean, message: string) => void): void {
  if (missing.length === 0) return;
  const msg = `SKIPPED e2e/kvm ${what}: missing ${missing.join(', ')}`;
  console.warn(`\n*** ${msg} ***\n`);
  skip(true, msg);
}

/** What a real VM host reports about this machine (its hello). */
export function realCapabilities(): Promise<HostCapabilities> {
  return probeCapabilities(childHostStarter({ module: VMHOST }), 15_000);
}
