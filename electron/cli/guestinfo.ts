// `vireo guestinfo VM.vmx get KEY` / `set KEY VALUE`: a guestinfo variable of a running VM,
// read or written while it runs — what `vmrun readVariable/writeVariable VM.vmx guestVar`
// does for VMware. The guest reads it with `vmware-rpctool "info-get guestinfo.KEY"`, and
// values the guest set with info-set are read here. KEY may omit the "guestinfo." prefix.
// The VM host running the VM answers on its control socket (vmhost/controlServer.ts).
import * as fs from 'node:fs';
import * as net from 'node:net';

import type { ControlRequest, ControlResponse } from '../common/protocol';
import { controlSocketPath } from '../vmfiles/controlSocket';
import { UsageError } from './args';

export const GUESTINFO_USAGE = `vireo guestinfo VM.vmx get KEY          print a guestinfo variable of a running VM
vireo guestinfo VM.vmx set KEY VALUE    set one (the guest reads it with vmware-rpctool "info-get guestinfo.KEY")`;

const TIMEOUT_MS = 5000;

/** Sends one request to the control socket; rejects when no VM host listens there. */
export function controlRequest(socketPath: string, request: ControlRequest): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const conn = net.connect(socketPath);
    let data = '';
    const timer = setTimeout(() => conn.destroy(new Error(`no answer from ${socketPath} in ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(JSON.stringify(request) + '\n'));
    conn.on('data', (chunk: string) => {
      data += chunk;
      const nl = data.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      conn.end();
      try {
        resolve(JSON.parse(data.slice(0, nl)) as ControlResponse);
      } catch {
        reject(new Error(`${socketPath} answered something that is not a control response`));
      }
    });
    conn.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export async function guestinfoCommand(args: string[], out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const [vmx, op, key, value, ...extra] = args;
  const usage = `usage:\n${GUESTINFO_USAGE}`;
  if (!vmx || !key || extra.length || (op !== 'get' && op !== 'set')) throw new UsageError(usage);
  if (op === 'get' && value !== undefined) throw new UsageError(`guestinfo get takes one KEY\n${usage}`);
  if (op === 'set' && value === undefined) throw new UsageError(`guestinfo set needs a VALUE\n${usage}`);
  if (!fs.existsSync(vmx)) throw new UsageError(`${vmx}: no such file: name the .vmx of a running VM`);
  const socketPath = controlSocketPath(vmx);
  const request: ControlRequest = op === 'get' ? { kind: 'guestinfo-get', v: 1, key } : { kind: 'guestinfo-set', v: 1, key, value: value! };
  let response: ControlResponse;
  try {
    response = await controlRequest(socketPath, request);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED') throw new UsageError(`${vmx} is not running (no VM host at ${socketPath}): start it with vireo run ${vmx}`);
    throw new UsageError(`${vmx}: ${(e as Error).message}`);
  }
  if (!response.ok) {
    err(`vireo: ${response.error}\n`);
    return 1;
  }
  if (op === 'get') out(`${response.value ?? ''}\n`);
  return 0;
}
