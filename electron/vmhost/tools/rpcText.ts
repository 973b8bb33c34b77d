// Text framing of GuestRPC messages (docs/vmware-backdoor.md §4.3, §5.1, §5.2).
// Messages arrive as raw bytes: vmtoolsd usually appends a NUL (strlen+1), vmwgfx and
// OpenBSD do not, and some messages are binary after the command word.

/** RPCI replies start with "1 " (success) or "0 " (failure); open-vm-tools rpcout.c rejects anything else. */
export const rpciOk = (result = ''): string => `1 ${result}`;
export const rpciError = (text: string): string => `0 ${text}`;
/** RPCI_UNKNOWN_COMMAND in open-vm-tools rpcout.h. */
export const RPCI_UNKNOWN = rpciError('Unknown command');

/** TCLO replies from the guest: "OK <result>" or "ERROR <text>" (rpcin.c). */
export interface TcloReply {
  ok: boolean;
  text: string;
}

/** Raw message bytes as text: UTF-8, one trailing NUL removed. */
export function messageText(msg: string | Uint8Array): string {
  const text = typeof msg === 'string' ? msg : Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength).toString('utf8');
  return text.endsWith('\0') ? text.slice(0, -1) : text;
}

/** Splits "<command> <args>" at the first space; args keep inner and trailing spaces. */
export function splitCommand(text: string): { command: string; args: string } {
  const sp = text.indexOf(' ');
  return sp < 0 ? { command: text, args: '' } : { command: text.slice(0, sp), args: text.slice(sp + 1) };
}

/** Parses a guest's TCLO reply; null for an empty message (a plain poll). */
export function parseTcloReply(text: string): TcloReply | null {
  if (text === '') return null;
  if (text === 'OK' || text.startsWith('OK ')) return { ok: true, text: text.slice(3) };
  if (text === 'ERROR' || text.startsWith('ERROR ')) return { ok: false, text: text.slice(6) };
  return { ok: false, text };
}

/** Tools version as sent in tools.set.version: major << 10 | minor << 5 | base. */
export function decodeToolsVersion(v: number): string | null {
  if (!Number.isInteger(v) || v < 0 || v >= 0x7fffffff) return null;  // 0x7fffffff: unmanaged
  return `${v >>> 10}.${(v >>> 5) & 31}.${v & 31}`;
}
