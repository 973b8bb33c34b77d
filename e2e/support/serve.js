// Starts the browser dev host for one e2e project with a fresh data folder.
//   node e2e/support/serve.js fake <port>  → the scripted fake VM host (UI tier)
//   node e2e/support/serve.js kvm <port>   → the real VM host on /dev/kvm
// The kvm library gets one entry per project guest that is built (native/guests/build); the
// fake one a demo-like entry and a VM folder opened from its .vmx.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const [mode, portArg] = process.argv.slice(2);
const repo = path.resolve(__dirname, '..', '..');
const guests = path.join(repo, 'native', 'guests', 'build');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `vireo-e2e-${mode}-`));
const NESTED = { exposeVirtualization: false, backdoorFromCpl3: false, l0HandlesL2Backdoor: false };

/** @param {string} id @param {string} name @param {string | undefined} kernel @param {object} [extra] */
const entry = (id, name, kernel, extra = {}) => ({
  id,
  origin: 'user',
  nested: NESTED,
  config: { name, memoryMiB: 32, cpus: 1, firmware: 'none', kernel, tools: { syncTime: true, copyAllowed: true, pasteAllowed: true }, ...extra },
});

/** @type {Record<string, unknown>[]} */
let entries;
if (mode === 'fake') {
  process.env.VIREO_VMHOST = path.join(repo, 'e2e', 'fixtures', 'fakeVmHost.js');
  // The fake host ignores kernels; the library only needs the demo image to exist.
  process.env.VIREO_GUESTS = path.join(dataDir, 'guests');
  fs.mkdirSync(process.env.VIREO_GUESTS);
  fs.writeFileSync(path.join(process.env.VIREO_GUESTS, 'demo.bin'), 'not a kernel: the fake VM host does not boot it');
  entries = [entry('two-vcpus', 'Two vCPU box', path.join(dataDir, 'guests', 'demo.bin'), { cpus: 2 })];
  // A Workstation-shaped VM folder (electron/vmfiles/fixtures/ws17-ubuntu.vmx) opened from
  // its .vmx: the editor's changes must land in that file (e2e/ui/vmxEditor.spec.ts).
  const vmDir = path.join(dataDir, 'vms', 'Ubuntu 64-bit');
  fs.mkdirSync(vmDir, { recursive: true });
  const vmx = path.join(vmDir, 'Ubuntu 64-bit.vmx');
  fs.copyFileSync(path.join(repo, 'electron', 'vmfiles', 'fixtures', 'ws17-ubuntu.vmx'), vmx);
  for (const f of ['Ubuntu 64-bit.vmdk', 'ubuntu-22.04.3-desktop-amd64.iso']) fs.writeFileSync(path.join(vmDir, f), Buffer.alloc(65536));
  entries.push({ id: 'ubuntu-vmx', origin: 'vmx', nested: NESTED, config: { name: 'Ubuntu 64-bit', memoryMiB: 8192, cpus: 4, firmware: 'seabios', vmxPath: vmx } });
} else if (mode === 'kvm') {
  delete process.env.VIREO_VMHOST;
  const built = fs.existsSync(guests) ? fs.readdirSync(guests).filter((f) => f.endsWith('.bin') && f !== 'demo.bin') : [];
  entries = built.map((f) => entry(`guest-${path.basename(f, '.bin')}`, `guest ${path.basename(f, '.bin')}`, path.join(guests, f), { noReboot: true }));
  // Debian's SeaBIOS with no disk: POST, "No bootable device", then it idles on timer
  // interrupts for as long as it is left running (a long-lived real guest with exits).
  if (fs.existsSync('/usr/share/seabios/bios-256k.bin')) entries.push(entry('seabios', 'SeaBIOS, no disk', undefined, { firmware: 'seabios' }));
} else {
  console.error('usage: serve.js fake|kvm <port>');
  process.exit(2);
}
fs.writeFileSync(path.join(dataDir, 'library.json'), JSON.stringify({ version: 1, entries }, null, 2));
process.argv = [process.argv[0], 'cli', '--port', portArg, '--data-dir', dataDir];
// The token playwright.config.ts chose (e2e/support/ports.ts), so the browser can use it.
process.env.VIREO_DEV_TOKEN = process.env.VIREO_E2E_TOKEN;
process.on('exit', () => fs.rmSync(dataDir, { recursive: true, force: true }));
require(path.join(repo, 'out', 'electron', 'devhost', 'cli.js'));
