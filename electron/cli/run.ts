// `vireo run`: starts one VM host, puts the terminal in raw mode as the guest's serial
// console, and exits with a status that tells how the guest ended.
import * as path from 'node:path';

import { startChildHost } from '../app/childHost';
import type { HostRequest, TelemetrySample, VmConfig } from '../common/protocol';
import { vmFolderOf } from '../vmfiles/vmxDisks';
import { importVmx } from '../vmfiles/vmxImport';
import { UsageError, type RunOptions } from './args';
import { EXIT_BAD_INPUT, exitStatusFor } from './exitStatus';
import { formatStats } from './statsTable';

const CTRL_A = 0x01;

export function vmConfigFrom(o: RunOptions): VmConfig {
  const abs = (p?: string) => (p ? path.resolve(p) : undefined);
  return {
    name: o.kernel ? path.basename(o.kernel) : 'firmware',
    memoryMiB: o.memoryMiB,
    cpus: o.cpus,
    kernel: abs(o.kernel),
    initrd: abs(o.initrd),
    append: o.append,
    firmware: o.firmware ? 'seabios' : 'none',
    firmwarePath: o.firmware && o.firmware !== 'seabios' ? path.resolve(o.firmware) : undefined,
    noReboot: o.noReboot,
    disks: o.disks.map((d) => ({ ...d, path: path.resolve(d.path) })),
    nics: o.nics.length ? o.nics : undefined,
    screenshotOnStop: o.screenshot && o.screenshotAfterSec === undefined ? path.resolve(o.screenshot) : undefined,
  };
}

/**
 * `vireo run vm.vmx`: the VM as the app opens it (vmfiles/vmxImport.ts). What it starts
 * without goes to `notes` (printed one per line); what stops it, and a disk or CD image
 * outside the VM folder without --allow-external-disks, is a UsageError (exit 2).
 */
export function vmConfigFromVmx(vmxPath: string, opts: { allowExternalDisks?: boolean } = {}, notes: string[] = []): VmConfig {
  const file = path.resolve(vmxPath);
  const vm = importVmx(file);
  if (vm.problems.length) throw new UsageError(`${file}: ${vm.problems.join('; ')}`);
  const outside = vm.external[0];
  if (outside && !opts.allowExternalDisks) {
    throw new UsageError(`${outside.path} (${outside.key} in ${file}) is outside the VM folder ${vmFolderOf(file)}: pass --allow-external-disks to use it`);
  }
  notes.push(...vm.notices);
  const externalDisks = [...new Set(vm.external.map((f) => f.real))];
  return { ...vm.config, ...(externalDisks.length ? { externalDisks } : {}) };
}

export function runVm(config: VmConfig, o: RunOptions): Promise<number> {
  const host = startChildHost();
  const send = (r: HostRequest) => host.send(r);
  const started = Date.now();
  let last: TelemetrySample | undefined;
  let escape = false;
  const tty = process.stdin.isTTY ? process.stdin : undefined;

  return new Promise((resolve) => {
    let status: number | undefined;
    // --screenshot: the PNG is the point of the run; once written, the VM is stopped and
    // the run succeeds (exit 0), else it fails with 102.
    let screenshotResult: number | undefined;
    const restoreTty = () => {
      if (tty) {
        tty.setRawMode(false);
        tty.pause();
      }
    };
    const finish = (code: number) => {
      if (status !== undefined) return;
      status = code;
      restoreTty();
      if (o.stats && last) process.stderr.write(formatStats(last, (Date.now() - started) / 1000) + '\n');
      resolve(code);
    };

    if (tty) {
      tty.setRawMode(true);
      tty.resume();
      tty.on('data', (chunk: Buffer) => {
        const out: number[] = [];
        for (const byte of chunk) {
          if (escape) {
            escape = false;
            if (byte === 0x78 /* x */) send({ kind: 'power', v: 1, op: 'stop' });
            else if (byte === CTRL_A) out.push(CTRL_A);
            continue;
          }
          if (byte === CTRL_A) escape = true;
          else out.push(byte);
        }
        if (out.length) send({ kind: 'serial-in', v: 1, data: Uint8Array.from(out) });
      });
    } else if (!process.stdin.isTTY && process.env.VIREO_SERIAL_STDIN === '1') {
      process.stdin.on('data', (chunk: Buffer) => send({ kind: 'serial-in', v: 1, data: new Uint8Array(chunk) }));
    }

    if (o.timeoutSec) setTimeout(() => send({ kind: 'power', v: 1, op: 'stop' }), o.timeoutSec * 1000).unref();

    host.onEvent((event) => {
      switch (event.kind) {
        case 'hello':
          send({ kind: 'start', v: 1, config });
          if (o.screenshot && o.screenshotAfterSec !== undefined) {
            const file = path.resolve(o.screenshot);
            setTimeout(() => send({ kind: 'screenshot', v: 1, id: 1, path: file }), (o.screenshotAfterSec ?? 2) * 1000);
          }
          return;
        case 'notice':
          process.stderr.write(`vireo: ${event.message}\n`);
          return;
        case 'serial-out':
          process.stdout.write(event.data);
          return;
        case 'telemetry':
          last = event.sample;
          return;
        case 'error':
          process.stderr.write(`vireo: ${event.error.message}\n`);
          if (event.error.code !== 'invalid-argument' || !status) finish(EXIT_BAD_INPUT);
          return;
        case 'state':
          if (event.state !== 'stopped' || status !== undefined) return;
          if (event.reason !== 'poweroff' && event.reason !== 'host')
            process.stderr.write(`\nvireo: the guest stopped: ${event.reason}${event.detail ? '\n' + event.detail : ''}\n`);
          finish(
            screenshotResult !== undefined && (event.reason === 'host' || screenshotResult !== 0)
              ? screenshotResult
              : exitStatusFor(event.reason, event.code),
          );
          return;
        case 'screenshot-done':
          if (event.error) process.stderr.write(`vireo: screenshot failed: ${event.error}\n`);
          if (event.id === 0) {
            // The final screen, written as the guest stopped: the guest's own status stands.
            if (event.error) screenshotResult = 102;
            return;
          }
          screenshotResult = event.error ? 102 : 0;
          send({ kind: 'power', v: 1, op: 'stop' });
          return;
        default:
          return;
      }
    });
    host.onExit((code, signal) => {
      if (status === undefined) {
        process.stderr.write(`vireo: the VM host ended unexpectedly (${signal ?? 'exit ' + code})\n`);
        finish(102);
      }
    });
  });
}
