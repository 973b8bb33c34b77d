// The control socket of a running VM: second clients (`vireo guestinfo VM.vmx get|set`)
// reach the VM host that runs the VM, as vmrun reaches vmware-vmx. Requests and responses
// are single JSON lines (ControlRequest / ControlResponse in common/protocol.ts).
//
// Access: the socket sits in a directory of mode 0700 owned by this user and is itself
// 0600 (controlSocket.ts); a directory that is a symlink, someone else's, or open to
// others is refused. Clients are hostile too: a line longer than MAX_LINE or one that is
// not a well-formed request closes that connection after an error response.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import type { ControlRequest, ControlResponse } from '../common/protocol';
import { MAX_KEY_LENGTH } from './tools/guestInfo';

/** A guestinfo value is at most a GuestRPC message (GUESTMSG_MAX_IN_SIZE 64 KiB). */
export const MAX_VALUE_LENGTH = 65536;
const MAX_LINE = 2 * MAX_VALUE_LENGTH;

export type ControlHandler = (request: ControlRequest) => ControlResponse;

/** The request in `line`, or why it is not one. */
export function parseControlRequest(line: string): ControlRequest | string {
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  const o = r as { kind?: unknown; v?: unknown; key?: unknown; value?: unknown };
  if (typeof o !== 'object' || o === null || o.v !== 1) return 'not a version 1 request';
  if (typeof o.key !== 'string' || o.key.length === 0 || o.key.length > MAX_KEY_LENGTH) return `a key of 1..${MAX_KEY_LENGTH} characters is needed`;
  if (o.kind === 'guestinfo-get') return { kind: 'guestinfo-get', v: 1, key: o.key };
  if (o.kind === 'guestinfo-set') {
    if (typeof o.value !== 'string' || o.value.length > MAX_VALUE_LENGTH) return `a value of at most ${MAX_VALUE_LENGTH} characters is needed`;
    return { kind: 'guestinfo-set', v: 1, key: o.key, value: o.value };
  }
  return 'unknown request kind';
}

function privateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
  if (st.uid !== os.userInfo().uid) throw new Error(`${dir} belongs to uid ${st.uid}, not to this user`);
  if (st.mode & 0o077) throw new Error(`${dir} is open to other users (mode ${(st.mode & 0o777).toString(8)}): chmod 700 it`);
}

export class ControlServer {
  /** Resolves once the socket accepts connections. */
  readonly ready: Promise<void>;
  private readonly server: net.Server;
  private closed = false;

  /** Serves `socketPath`; `onError` hears a failure to listen (the VM goes on without). */
  constructor(readonly socketPath: string, handle: ControlHandler, onError: (err: Error) => void) {
    privateDir(path.dirname(socketPath));
    // The VM host holds the .vmx lock: a socket left here is a dead host's.
    fs.rmSync(socketPath, { force: true });
    this.server = net.createServer((conn) => this.serve(conn, handle));
    this.server.on('error', (err) => onError(err));
    this.ready = new Promise((resolve) => this.server.once('listening', resolve));
    // The socket is bound inside listen(): created 0600, never briefly wider.
    const umask = process.umask(0o177);
    try {
      this.server.listen(socketPath);
    } finally {
      process.umask(umask);
    }
    this.server.unref();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    fs.rmSync(this.socketPath, { force: true });
  }

  private serve(conn: net.Socket, handle: ControlHandler): void {
    let buffered = '';
    const reply = (r: ControlResponse) => conn.write(JSON.stringify(r) + '\n');
    conn.setEncoding('utf8');
    conn.on('error', () => undefined);
    conn.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const request = parseControlRequest(line);
        if (typeof request === 'string') {
          reply({ ok: false, error: `bad request: ${request}` });
          conn.end();
          return;
        }
        reply(handle(request));
      }
      if (buffered.length > MAX_LINE) {
        reply({ ok: false, error: `bad request: longer than ${MAX_LINE} bytes` });
        conn.end();
      }
    });
  }
}
