// Answers the renderer's app-level requests (appProtocol.ts). Shared by Electron main
// (behind ipcGate) and the browser dev host (behind its WebSocket); every request is
// treated as untrusted input. Electron-free.
import type { HostCapabilities } from '../common/protocol';
import { NO_NESTED, type AppRequest, type LibraryEntry, type LibrarySnapshot } from '../common/appProtocol';
import { checkDraft, ConfigError } from './configCheck';
import type { AppLibrary } from './appLibrary';
import type { HostHandle } from './hostHandle';
import type { VmRunner } from './vmRunner';
import { importVmx } from '../vmfiles/vmxImport';

/** Large enough for any text a person copies; the backdoor clipboard is smaller still. */
export const MAX_CLIPBOARD_CHARS = 1 << 20;

export interface AppServiceDeps {
  library: AppLibrary;
  runner: VmRunner<HostHandle>;
  capabilities(): Promise<HostCapabilities>;
  /** The system clipboard (Electron main). The dev host has none: the browser's is used. */
  clipboard?: { read(): Promise<string>; write(text: string): Promise<void> };
}

export class AppService {
  constructor(private readonly deps: AppServiceDeps) {}

  snapshot(): LibrarySnapshot {
    return { entries: this.deps.library.list(), running: this.deps.runner.snapshot() };
  }

  async handle(raw: unknown): Promise<unknown> {
    const req = raw as AppRequest;
    if (typeof req !== 'object' || req === null || typeof req.kind !== 'string') throw new Error('malformed request');
    const { library, runner, clipboard } = this.deps;
    switch (req.kind) {
      case 'library-list':
        return this.snapshot();
      case 'library-save':
        return library.save(checkDraft(req.entry));
      case 'vmx-save':
        return library.saveVmx(String(req.id), req.settings, req.nested, req.newDisks, runner.isLive(String(req.id)));
      case 'library-remove':
        if (runner.isLive(String(req.id))) throw new ConfigError(['stop the VM before removing it.']);
        library.remove(String(req.id));
        return null;
      case 'vm-start': {
        const entry = library.get(String(req.id));
        if (!entry) throw new ConfigError([`no VM with id ${JSON.stringify(req.id)}.`]);
        if (entry.problems) throw new ConfigError(entry.problems);
        const allowed = entry.allowedExternalDisks ?? [];
        const unasked = (entry.externalDisks ?? []).filter((f) => !allowed.includes(f));
        if (unasked.length) {
          throw new ConfigError([`${entry.config.name} uses files outside its VM folder (${unasked.join(', ')}); allow them for this VM first.`]);
        }
        // The VM host opens only these outside the folder (DiskSet), whatever else the .vmx says.
        const externalDisks = (entry.externalDisks ?? []).filter((f) => allowed.includes(f));
        runner.start(externalDisks.length ? { ...entry, config: { ...entry.config, externalDisks } } : entry);
        library.started(entry.id);
        return null;
      }
      case 'vm-allow-external-disks':
        if (runner.isLive(String(req.id))) throw new ConfigError(['stop the VM before changing what it may use.']);
        return library.allowExternalDisks(String(req.id), req.files);
      case 'capabilities':
        return this.deps.capabilities();
      case 'clipboard-read':
        if (!clipboard) throw new Error('no system clipboard here');
        return (await clipboard.read()).slice(0, MAX_CLIPBOARD_CHARS);
      case 'clipboard-write':
        if (!clipboard) throw new Error('no system clipboard here');
        if (typeof req.text !== 'string') throw new Error('clipboard text must be a string');
        await clipboard.write(req.text.slice(0, MAX_CLIPBOARD_CHARS));
        return null;
      default:
        throw new Error(`unknown request ${JSON.stringify((req as { kind: string }).kind).slice(0, 60)}`);
    }
  }

  /** Adds each .vmx to the library (once per file); returns the entries to show. */
  openVmxFiles(paths: readonly string[]): { opened: LibraryEntry[]; errors: string[] } {
    const opened: LibraryEntry[] = [];
    const errors: string[] = [];
    for (const p of paths) {
      try {
        const { config, settings } = importVmx(p);
        // The library keeps what names the VM; its settings are read from the .vmx each time.
        const stored = { name: config.name, memoryMiB: Math.min(config.memoryMiB, 65536), cpus: config.cpus, firmware: config.firmware };
        const added = this.deps.library.addVmx(config.vmxPath!, stored, { ...NO_NESTED, exposeVirtualization: settings.nestedVirtualization });
        opened.push(this.deps.library.get(added.id) ?? added);
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
      }
    }
    return { opened, errors };
  }
}
