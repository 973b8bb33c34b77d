// Envelope on the dev host WebSocket (/ipc), framed by wireCodec. The renderer's
// vmmClient speaks the client side; devHost.ts the server side. Types only.
import type { HostEvent, HostRequest } from '../common/protocol';
import type { AppEvent, AppRequest } from './appProtocol';

export type WsClientMessage =
  | { t: 'req'; seq: number; req: AppRequest }
  | { t: 'vm-open'; seq: number; id: string }
  | { t: 'vm-close'; id: string }
  | { t: 'vm'; id: string; req: HostRequest };

export type WsServerMessage =
  | { t: 'res'; seq: number; ok: true; value: unknown }
  | { t: 'res'; seq: number; ok: false; error: string }
  | { t: 'app'; event: AppEvent }
  | { t: 'vm'; id: string; event: HostEvent };
