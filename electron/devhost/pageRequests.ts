// Which per-VM requests a page may send. `start` comes only from the runner (it carries
// the library's config) and `screenshot` names a host file path, so neither is accepted
// from a page. Everything else is forwarded; the VM host validates the values. Pure.
import type { HostRequest } from '../common/protocol';

const FROM_PAGE: ReadonlySet<string> = new Set<HostRequest['kind']>([
  'power',
  'serial-in',
  'serial-flow',
  'key',
  'pointer',
  'viewport',
  'host-clipboard',
  'set-tools-option',
  'guestinfo-set',
  'guestinfo-list',
  'vm-log',
  'frames',
]);

export function pageRequest(raw: unknown): HostRequest | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const kind = (raw as { kind?: unknown }).kind;
  return typeof kind === 'string' && FROM_PAGE.has(kind) ? (raw as HostRequest) : null;
}
