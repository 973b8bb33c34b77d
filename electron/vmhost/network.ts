// The VM's network adapters on the host side: for each NAT adapter one passt process
// (Debian package `passt`, the user-mode stack libvirt and Podman use) connected to the
// NIC through a socket pair the native machine made (`passt --fd`). Frames flow between
// native code and passt only; this module starts, watches and stops the processes.
// passt started as root switches to `nobody` before it binds its socket (seen with Debian
// 12's passt: in a root-owned 0755 directory the bind fails with EACCES although it prints
// "socket bound"): a pre-connected fd needs no socket directory at all.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { NicSpec } from '../common/protocol';
import type { NativeVm } from './native';

export class NetworkError extends Error {
  readonly code = 'host-limit';
}

/** passt from VIREO_PASST or PATH (and the sbin directories Debian may leave out of it). */
export function findPasst(): string | undefined {
  const candidates = process.env.VIREO_PASST
    ? [process.env.VIREO_PASST]
    : [...(process.env.PATH ?? '').split(':'), '/usr/bin', '/usr/sbin', '/usr/local/bin'].filter(Boolean).map((d) => path.join(d, 'passt'));
  return candidates.find((p) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  });
}

/** passt's arguments for one adapter: foreground, quiet, the inherited socket as fd 3,
 *  MTU 1500 (both NICs take standard frames; passt's default is 65520), and each
 *  forward as -t/-u HOSTPORT:GUESTPORT. */
export function passtArgs(nic: NicSpec): string[] {
  const args = ['--foreground', '--quiet', '--fd', '3', '--mtu', '1500'];
  for (const f of nic.portForwards ?? []) args.push(f.protocol === 'tcp' ? '-t' : '-u', `${f.hostPort}:${f.guestPort}`);
  return args;
}

export class NetworkSet {
  private readonly procs: ChildProcess[] = [];
  private closing = false;
  private readonly passt?: string;

  /** Throws NetworkError (one line naming the package) when a NAT adapter needs passt and it is missing. */
  constructor(private readonly nics: NicSpec[], private readonly onProblem: (message: string) => void) {
    if (nics.some((n) => n.connection === 'nat')) {
      this.passt = findPasst();
      if (!this.passt) throw new NetworkError('NAT networking needs passt, which is not installed: apt install passt (Debian package passt)');
    }
  }

  nativeConfig(): { model: NicSpec['model']; mac: string; connected: boolean }[] {
    return this.nics.map((n) => ({ model: n.model, mac: n.mac, connected: n.connection === 'nat' }));
  }

  /** Starts passt for every NAT adapter on the socket the machine made for it. */
  attach(vm: NativeVm): void {
    this.nics.forEach((nic, index) => {
      if (nic.connection !== 'nat' || !this.passt) return;
      const fd = vm.takeNetFd(index);
      if (fd < 0) return;
      const child = spawn(this.passt, passtArgs(nic), { stdio: ['ignore', 'ignore', 'pipe', fd] });
      fs.closeSync(fd); // passt holds it now; the NIC sees the hang-up if passt ends
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-2000);
      });
      child.on('error', (err) => this.onProblem(`ethernet${index}: passt could not start: ${err.message}`));
      child.on('exit', (code, signal) => {
        if (this.closing) return;
        const last = stderr.split('\n').filter((l) => l && !l.startsWith('Failed to send')).pop();
        this.onProblem(`ethernet${index}: passt ended (${signal ?? 'exit ' + code})${last ? ': ' + last : ''}; the link is down`);
      });
      this.procs.push(child);
    });
  }

  close(): void {
    this.closing = true;
    for (const p of this.procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
    this.procs.length = 0;
  }
}
