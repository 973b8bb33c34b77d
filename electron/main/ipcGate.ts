// The only way main registers IPC handlers (Electron security checklist #17, "validate
// the sender of all IPC messages"): a handler runs only for an allowlisted channel, sent
// by a web contents main created, from a top-level frame whose URL is our app:// origin.
// Parsed with a real URL parser, never by prefix. Uses Electron types only, so it runs in
// vitest with fakes.
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { APP_CHANNELS, type AppChannel } from '../common/appProtocol';

export const APP_SCHEME = 'app';
export const APP_HOST = 'vireo';
export const APP_ORIGIN_URL = `${APP_SCHEME}://${APP_HOST}/`;

const ALLOWED: ReadonlySet<string> = new Set(Object.values(APP_CHANNELS));

/** The part of WebFrameMain the check needs. */
export interface FrameLike {
  url: string;
  parent: unknown;
}

export type Refusal = 'channel' | 'no-frame' | 'subframe' | 'origin' | 'sender';

/** null when the sender may talk to main, otherwise why not. */
export function refuseSender(channel: string, frame: FrameLike | null | undefined): Refusal | null {
  if (!ALLOWED.has(channel)) return 'channel';
  if (!frame) return 'no-frame'; // the frame navigated away or was destroyed
  if (frame.parent !== null) return 'subframe';
  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    return 'origin';
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST || url.username || url.password) return 'origin';
  return null;
}

export class IpcRefused extends Error {
  constructor(
    readonly channel: string,
    readonly why: Refusal,
  ) {
    super(`IPC on ${JSON.stringify(channel)} refused (${why})`);
    this.name = 'IpcRefused';
  }
}

export class IpcGate {
  /**
   * @param ipcMain      Electron's ipcMain (or a fake in tests)
   * @param isOurContents true for webContents ids of windows main created (window.ts)
   * @param log          where refusals are reported
   */
  constructor(
    private readonly ipcMain: Pick<IpcMain, 'handle'>,
    private readonly isOurContents: (webContentsId: number) => boolean,
    private readonly log: (message: string) => void = console.warn,
  ) {}

  handle(channel: AppChannel, handler: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void {
    if (!ALLOWED.has(channel)) throw new Error(`channel ${channel} is not in APP_CHANNELS`);
    this.ipcMain.handle(channel, (event, ...args) => {
      let why = refuseSender(channel, event.senderFrame);
      if (!why && !this.isOurContents(event.sender.id)) why = 'sender';
      if (why) {
        this.log(`ipcGate: refused ${channel} from ${event.senderFrame?.url ?? '<no frame>'}: ${why}`);
        throw new IpcRefused(channel, why);
      }
      return handler(event, ...args);
    });
  }
}
