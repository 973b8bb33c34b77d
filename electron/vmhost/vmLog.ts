// vmware.log in the VM folder, kept as VMware Workstation keeps it: at every power on the
// previous logs move up one (vmware.log -> vmware-0.log -> vmware-1.log -> vmware-2.log;
// log.keepOld old logs are kept, 3 by default) and a new vmware.log starts. Lines are
// "<UTC ISO time> In(05) <source> - <text>", the shape of Workstation 17's log; what goes
// in: the VM host's own events (power on, state changes, errors), the tools' state and
// the guest's GuestRPC `log` lines ("Guest: <text>", e.g. iPXE's console, `vmware-rpctool
// log`, vmtoolsd's "toolbox: Version: ...").
//
// Guest text is hostile: control characters are escaped, a line is cut at MAX_LINE, and
// the file starts over (rotating) once it passes rotateSize, so a guest cannot fill the
// disk: at most (keepOld + 1) * rotateSize bytes.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { VM_LOG_TAIL, type HostEvent } from '../common/protocol';

export const LOG_NAME = 'vmware.log';
export const MAX_LINE = 4096;

export interface VmLogOptions {
  /** Old logs kept (vmware-0.log … vmware-<keepOld-1>.log); Workstation's log.keepOld default. */
  keepOld?: number;
  /** Bytes after which the running log rotates too. */
  rotateSize?: number;
  now?: () => Date;
}

const DEFAULTS = { keepOld: 3, rotateSize: 32 * 2 ** 20 };

function oldName(i: number): string {
  return `vmware-${i}.log`;
}

/** Escapes what a terminal or a log reader would take as structure. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  const escaped = text.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\t' ? ' ' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  return escaped.length > MAX_LINE ? `${escaped.slice(0, MAX_LINE)}…` : escaped;
}

export class VmLog {
  private fd: number;
  private size = 0;
  private readonly recent: string[] = [];
  private readonly keepOld: number;
  private readonly rotateSize: number;
  private readonly now: () => Date;

  /** Rotates the folder's logs (a power on) and starts a new vmware.log. Throws on I/O errors. */
  constructor(readonly dir: string, options: VmLogOptions = {}) {
    this.keepOld = Math.max(0, Math.floor(options.keepOld ?? DEFAULTS.keepOld));
    this.rotateSize = Math.max(MAX_LINE * 4, options.rotateSize ?? DEFAULTS.rotateSize);
    this.now = options.now ?? (() => new Date());
    this.fd = this.rotate();
  }

  /** One line per line of `text`, from `source` ("vmx", "vcpu-0", …). */
  write(source: string, text: string): void {
    if (this.fd < 0) return;
    const stamp = this.now().toISOString();
    let out = '';
    for (const line of text.split(/\r?\n/)) {
      if (line === '') continue;
      const entry = `${stamp} In(05) ${source} - ${clean(line)}`;
      out += `${entry}\n`;
      this.recent.push(entry);
      if (this.recent.length > VM_LOG_TAIL) this.recent.shift();
    }
    if (!out) return;
    if (this.size + out.length > this.rotateSize) {
      fs.closeSync(this.fd);
      this.fd = this.rotate();
    }
    this.size += fs.writeSync(this.fd, out);
  }

  /** The VM host events a VMware log has: power state, errors, tools state. */
  event(e: HostEvent): void {
    switch (e.kind) {
      case 'state':
        this.write('vmx', `VM state: ${e.state}${e.reason ? ` (${e.reason}${e.code !== undefined ? ` ${e.code}` : ''})` : ''}`);
        if (e.detail) this.write('vmx', e.detail);
        return;
      case 'error':
        this.write('vmx', `Error (${e.error.code}): ${e.error.message}`);
        return;
      case 'tools':
        this.write('vmx', `Tools: ${e.info.state}${e.info.version ? ` version ${e.info.version}` : ''}${e.info.osName ? `, guest OS ${e.info.osName}` : ''}`);
        return;
      default:
        return;
    }
  }

  /** The last lines written (VM_LOG_TAIL at most), for the app's VM details. */
  tail(): string[] {
    return [...this.recent];
  }

  get path(): string {
    return path.join(this.dir, LOG_NAME);
  }

  /** A GuestRPC `log` request from the guest. */
  guest(text: string): void {
    this.write('vcpu-0', `Guest: ${text}`);
  }

  close(): void {
    if (this.fd < 0) return;
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  private rotate(): number {
    const at = (name: string) => path.join(this.dir, name);
    if (this.keepOld === 0) {
      fs.rmSync(at(LOG_NAME), { force: true });
    } else {
      fs.rmSync(at(oldName(this.keepOld - 1)), { force: true });
      for (let i = this.keepOld - 2; i >= 0; i--) if (fs.existsSync(at(oldName(i)))) fs.renameSync(at(oldName(i)), at(oldName(i + 1)));
      if (fs.existsSync(at(LOG_NAME))) fs.renameSync(at(LOG_NAME), at(oldName(0)));
    }
    this.size = 0;
    return fs.openSync(at(LOG_NAME), 'wx', 0o644);
  }
}
