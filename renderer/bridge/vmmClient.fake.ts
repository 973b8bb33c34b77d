// Scripted stand-in for VmmClient in unit tests: records what the renderer sends and lets
// a test play HostEvents / AppEvents into it.
import type { HostEvent, HostRequest } from '../../electron/common/protocol';
import type { AppEvent, AppRequest, LibrarySnapshot } from '../../electron/common/appProtocol';
import type { VmConnection, VmmClient } from './vmmClient';

export interface FakeVm {
  sent: HostRequest[];
  emit(event: HostEvent): void;
  closed: boolean;
}

export class FakeClient implements VmmClient {
  readonly transport = 'websocket' as const;
  readonly requests: AppRequest[] = [];
  readonly vms = new Map<string, FakeVm>();
  clipboard = '';
  snapshot: LibrarySnapshot = { entries: [], running: [] };
  private readonly appListeners = new Set<(e: AppEvent) => void>();

  async request(req: AppRequest): Promise<never> {
    this.requests.push(req);
    switch (req.kind) {
      case 'library-list':
        return this.snapshot as never;
      case 'clipboard-read':
        return this.clipboard as never;
      case 'clipboard-write':
        this.clipboard = req.text;
        return null as never;
      default:
        return null as never;
    }
  }

  onAppEvent(listener: (e: AppEvent) => void): () => void {
    this.appListeners.add(listener);
    return () => this.appListeners.delete(listener);
  }

  emitApp(event: AppEvent): void {
    for (const l of this.appListeners) l(event);
  }

  async connectVm(id: string): Promise<VmConnection> {
    const listeners = new Set<(e: HostEvent) => void>();
    const vm: FakeVm = { sent: [], closed: false, emit: (e) => listeners.forEach((l) => l(e)) };
    this.vms.set(id, vm);
    return {
      id,
      send: (req) => vm.sent.push(req),
      onEvent: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      close: () => {
        vm.closed = true;
      },
    };
  }
}
