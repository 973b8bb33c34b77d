// `vireo run` arguments: parsed and validated on the JS side before anything native runs,
// each problem one line naming the option and the remedy.
export interface RunOptions {
  kernel?: string;
  initrd?: string;
  append: string;
  firmware?: string;
  cpus: number;
  memoryMiB: number;
  stats: boolean;
  noReboot: boolean;
  timeoutSec?: number;
  screenshot?: string;
  screenshotAfterSec?: number;
  vmx?: string;
  /** The .vmx may name disks outside its folder (`--allow-external-disks`). */
  allowExternalDisks: boolean;
  disks: DiskSpec[];
  nics: NicSpec[];
}

import type { DiskSpec, NicSpec } from '../common/protocol';
import { NetUsageError, parseNet } from './netArgs';

export class UsageError extends Error {}

/** --disk FILE[,ide|sata|nvme|virtio][,ro]; --cdrom FILE[,ide|sata] */
export function parseDisk(text: string, kind: 'disk' | 'cdrom'): DiskSpec {
  const [file, ...flags] = text.split(',');
  if (!file) throw new UsageError(`--${kind} needs a file`);
  const spec: DiskSpec = { path: file, kind, bus: 'ide' };
  for (const f of flags) {
    if (f === 'virtio' || f === 'ide' || f === 'sata' || f === 'nvme') spec.bus = f;
    else if (f === 'ro') spec.readOnly = true;
    else throw new UsageError(`--${kind} ${text}: unknown flag ${f} (use ide, sata, nvme, virtio or ro)`);
  }
  if (kind === 'cdrom' && (spec.bus === 'virtio' || spec.bus === 'nvme'))
    throw new UsageError(`--cdrom FILE,${spec.bus}: ${spec.bus} has no CD-ROMs (use ide or sata)`);
  return spec;
}

const VALUE_OPTIONS = new Set([
  '--kernel', '--initrd', '--append', '--firmware', '--cpus', '--memory', '--timeout', '--screenshot', '--screenshot-after',
  '--disk', '--cdrom', '--net',
]);

/** "512M", "2G", "256" (MiB) -> MiB. */
export function parseMemory(text: string): number {
  const m = /^(\d+)([MmGg]?)$/.exec(text);
  if (!m) throw new UsageError(`--memory ${text} is not a size: use e.g. 512M or 2G`);
  const n = Number(m[1]) * (m[2].toUpperCase() === 'G' ? 1024 : 1);
  if (n < 16) throw new UsageError(`--memory ${text} is too small: use at least 16M`);
  return n;
}

function positiveNumber(option: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${option} ${text} is not a positive number`);
  return n;
}

export function parseRunArgs(argv: string[]): RunOptions {
  const o: RunOptions = { append: '', cpus: 1, memoryMiB: 256, stats: false, noReboot: false, allowExternalDisks: false, disks: [], nics: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (VALUE_OPTIONS.has(arg)) {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      switch (arg) {
        case '--kernel': o.kernel = value; break;
        case '--initrd': o.initrd = value; break;
        case '--append': o.append = value; break;
        case '--firmware': o.firmware = value; break;
        case '--cpus': {
          const n = Number(value);
          if (!Number.isInteger(n) || n < 1 || n > 8) throw new UsageError(`--cpus ${value} is out of range: use 1 to 8`);
          o.cpus = n;
          break;
        }
        case '--memory': o.memoryMiB = parseMemory(value); break;
        case '--timeout': o.timeoutSec = positiveNumber(arg, value); break;
        case '--screenshot': o.screenshot = value; break;
        case '--disk': o.disks.push(parseDisk(value, 'disk')); break;
        case '--cdrom': o.disks.push(parseDisk(value, 'cdrom')); break;
        case '--screenshot-after': o.screenshotAfterSec = positiveNumber(arg, value); break;
        case '--net':
          if (o.nics.length) throw new UsageError('--net: one network adapter is supported');
          try {
            o.nics.push(parseNet(value));
          } catch (e) {
            throw e instanceof NetUsageError ? new UsageError(e.message) : e;
          }
          break;
      }
    } else if (arg === '--stats') {
      o.stats = true;
    } else if (arg === '--no-reboot') {
      o.noReboot = true;
    } else if (arg === '--allow-external-disks') {
      o.allowExternalDisks = true;
    } else if (!arg.startsWith('-') && arg.toLowerCase().endsWith('.vmx') && !o.vmx) {
      o.vmx = arg;
    } else {
      throw new UsageError(`unknown option ${arg}: see vireo --help`);
    }
  }
  // Disks alone boot the way a PC does: through the BIOS.
  if (!o.kernel && !o.firmware && !o.vmx && o.disks.length) o.firmware = 'seabios';
  if (!o.kernel && !o.firmware && !o.vmx) throw new UsageError('nothing to boot: pass --kernel FILE, --firmware seabios, --disk FILE or a .vmx file');
  if (o.firmware && o.firmware !== 'seabios' && !o.firmware.includes('/'))
    throw new UsageError(`--firmware ${o.firmware} is not known: use seabios or a path to a BIOS image`);
  if (o.initrd && !o.kernel) throw new UsageError('--initrd needs --kernel');
  if (o.screenshotAfterSec !== undefined && !o.screenshot) throw new UsageError('--screenshot-after needs --screenshot FILE');
  if (o.allowExternalDisks && !o.vmx) throw new UsageError('--allow-external-disks applies to a .vmx: vireo run path/to/vm.vmx --allow-external-disks');
  return o;
}

export const USAGE = `usage: vireo run --kernel FILE [--initrd FILE] [--append TEXT] [--cpus N] [--memory 512M]
                 [--disk FILE[,virtio][,ro]]... [--cdrom ISO]
                 [--net nat|unplugged[,model=e1000|vmxnet3][,mac=00:0c:29:..][,hostfwd=tcp:HOSTPORT-:GUESTPORT]...]
       vireo run --firmware seabios [--kernel FILE] ...
       vireo run path/to/vm.vmx [--allow-external-disks]
       vireo host          (what this host's KVM offers, and remedies)
options: --stats (exit statistics at the end)  --no-reboot (a guest reset ends the run)
         --allow-external-disks (the .vmx may use disk and CD files outside its folder)
         --timeout SECONDS  --screenshot FILE (PNG of the screen when the guest stops, or
         after --screenshot-after SECONDS, then the VM is stopped)
console: the serial port is the terminal; press Ctrl-A then x to stop the VM, Ctrl-A Ctrl-A sends Ctrl-A.
exit status: 0-99 guest power-off code (debug-exit port), 100 guest reset (--no-reboot),
             101 triple fault, 102 guest error (emulation failure), 103 stopped from the host
             (Ctrl-A x, --timeout), 2 bad input or host problem.`;
