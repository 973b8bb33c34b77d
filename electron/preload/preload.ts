// The page's only bridge to main (Electron security checklist #20, "do not
// expose Electron APIs to untrusted web content"): functions, never
// ipcRenderer itself, and listeners never see the IpcRendererEvent. A sandboxed preload
// can require only 'electron', so channel names are spelled here; `satisfies` ties them
// to appProtocol.ts. VM MessagePorts cannot cross contextBridge: they are posted to the
// page with window.postMessage (Electron docs, "MessagePorts in the main world").
import { contextBridge, ipcRenderer } from 'electron';
import type { AppEvent, AppRequest, APP_CHANNELS, VireoApi, VM_PORT_MESSAGE } from '../common/appProtocol';

// The one page API the preload uses. The preload is compiled without the DOM library (only
// the renderer and its tests see DOM types), so it is declared here.
declare const window: { postMessage(message: unknown, targetOrigin: string, transfer?: readonly unknown[]): void };

const CH = {
  request: 'vireo:request',
  connectVm: 'vireo:connect-vm',
  event: 'vireo:event',
  vmPort: 'vireo:vm-port',
} as const satisfies typeof APP_CHANNELS;
const PORT_TAG: typeof VM_PORT_MESSAGE = 'vireo:vm-port';

// App events that arrive before the page subscribed (main may send `show-vm` right after
// the page loads, before React mounted) are kept and handed to the first listener.
const listeners = new Set<(event: AppEvent) => void>();
let early: AppEvent[] | null = [];
ipcRenderer.on(CH.event, (_e, event: AppEvent) => {
  if (early) early.push(event);
  else for (const l of [...listeners]) l(event);
});

const api: VireoApi = {
  request: (req: AppRequest) => ipcRenderer.invoke(CH.request, req),
  onEvent(listener: (event: AppEvent) => void) {
    listeners.add(listener);
    const held = early;
    early = null;
    if (held) for (const e of held) listener(e);
    return () => void listeners.delete(listener);
  },
  connectVm: (id: string) => ipcRenderer.invoke(CH.connectVm, id) as Promise<void>,
};

ipcRenderer.on(CH.vmPort, (event, msg: { id: string }) => {
  // Same window only; vmmClient checks event.source === window and the tag.
  window.postMessage({ type: PORT_TAG, id: msg.id }, '*', event.ports);
});

contextBridge.exposeInMainWorld('vireo', api);
