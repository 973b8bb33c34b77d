// The app's library: the VMs the app lists (the built-in demo VM plus the user's entries,
// created in the editor or opened from a .vmx), persisted as JSON in the app's data folder.
// The VM folders on disk that `vireo list` scans (~/Vireo and its .folders) are
// electron/vmfiles/library.ts; the app does not scan them. Electron-free: main passes
// app.getPath('userData'); the dev host passes its own folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { VmConfig } from '../common/protocol';
import { NO_NESTED, type LibraryEntry, type LibraryEntryDraft, type NestedSettings } from '../common/appProtocol';
import { checkConfig, checkNested, ConfigError } from './configCheck';
import { writeFileAtomic } from '../vmfiles/atomicWrite';
import { importVmx } from '../vmfiles/vmxImport';
import { saveVmxSettings } from '../vmfiles/vmxSave';

export const DEMO_ID = 'demo';
const FILE_VERSION = 1;

interface LibraryFile {
  version: number;
  entries: LibraryEntry[];
}

/** The demo guest (native/guests: serial, SVGA drawing, a small tools agent). */
export function demoEntry(guestsDir: string): LibraryEntry {
  return {
    id: DEMO_ID,
    origin: 'demo',
    config: {
      name: 'Vireo demo',
      memoryMiB: 32,
      cpus: 1,
      firmware: 'none',
      kernel: path.join(guestsDir, 'demo.bin'),
      tools: { syncTime: true, copyAllowed: true, pasteAllowed: true },
    },
    nested: NO_NESTED,
  };
}

function missingFiles(e: LibraryEntry): string[] {
  const files: [string, string | undefined][] = [
    ['kernel', e.config.kernel],
    ['initrd', e.config.initrd],
    ['.vmx file', e.config.vmxPath],
  ];
  return files.flatMap(([what, file]) => {
    if (!file || fs.existsSync(file)) return [];
    return [e.origin === 'demo' ? `the demo guest is not built (${file}): run npm run build:guests` : `${what} ${file} does not exist`];
  });
}

/**
 * A .vmx entry as its .vmx says now: the file is the source of truth, the stored config
 * only names it (and is shown when the file cannot be read). Also the files outside its VM
 * folder the VM would use (the user is asked about those once).
 */
function fromVmx(e: LibraryEntry): LibraryEntry {
  if (e.origin !== 'vmx' || !e.config.vmxPath || !fs.existsSync(e.config.vmxPath)) return e;
  try {
    const vm = importVmx(e.config.vmxPath);
    const externalDisks = [...new Set(vm.external.map((f) => f.real))];
    return {
      ...e,
      config: vm.config,
      nested: { ...e.nested, exposeVirtualization: vm.settings.nestedVirtualization },
      vmx: vm.settings,
      ...(vm.problems.length ? { problems: vm.problems } : {}),
      ...(vm.notices.length ? { notices: vm.notices } : {}),
      ...(externalDisks.length ? { externalDisks } : {}),
    };
  } catch (err) {
    return { ...e, problems: [(err as Error).message] };
  }
}

const MAX_ALLOWED = 256;

function checkAllowed(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.filter((f): f is string => typeof f === 'string' && f.startsWith('/') && f.length < 4096 && !f.includes('\0')).slice(0, MAX_ALLOWED);
}

export class AppLibrary {
  private entries: LibraryEntry[] = [];
  /** Entries whose .vmx was saved while they ran (since their last start). */
  private readonly changedWhileRunning = new Set<string>();

  /**
   * @param file      JSON file holding the user's entries (created on first save)
   * @param guestsDir folder with the project's guest images (demo.bin)
   */
  constructor(
    private readonly file: string,
    private readonly guestsDir: string,
  ) {
    this.entries = this.read();
  }

  /** Every entry, each with the problems that would stop it from starting now and the
   *  files its .vmx names outside its folder. */
  list(): LibraryEntry[] {
    return [demoEntry(this.guestsDir), ...this.entries].map((stored) => {
      const e = fromVmx(stored);
      const problems = [...missingFiles(e), ...(e.problems ?? [])];
      // The nested toggle reaches the VM (a .vmx entry's config has it from vhv.enable).
      const config = e.nested.exposeVirtualization ? { ...e.config, nestedVirtualization: true } : e.config;
      return {
        ...e,
        config,
        ...(problems.length ? { problems } : {}),
        ...(this.changedWhileRunning.has(e.id) ? { appliesAtNextPowerOn: true } : {}),
      };
    });
  }

  /** Records that the user allowed `files` for entry `id`; only files its .vmx names
   *  outside its folder are kept (the page cannot add any other path). */
  allowExternalDisks(id: string, files: unknown): LibraryEntry {
    const i = this.entries.findIndex((e) => e.id === id);
    const found = i < 0 ? [] : (fromVmx(this.entries[i]!).externalDisks ?? []);
    if (!found.length) throw new ConfigError([`VM ${JSON.stringify(id).slice(0, 60)} has no disks outside its folder to allow.`]);
    const asked = new Set(Array.isArray(files) ? files.filter((f): f is string => typeof f === 'string') : []);
    const before = this.entries[i]!.allowedExternalDisks ?? [];
    const allowed = [...new Set([...before.filter((f) => found.includes(f)), ...found.filter((f) => asked.has(f))])];
    this.entries[i] = { ...this.entries[i]!, allowedExternalDisks: allowed };
    this.write();
    return this.get(id)!;
  }

  get(id: string): LibraryEntry | undefined {
    return this.list().find((e) => e.id === id);
  }

  /** Creates (no id) or updates an entry; the demo entry cannot be changed. */
  save(draft: LibraryEntryDraft): LibraryEntry {
    if (draft.id === DEMO_ID) throw new ConfigError(['the built-in demo VM cannot be changed.']);
    const config = checkConfig(draft.config);
    const nested = checkNested(draft.nested);
    if (draft.id !== undefined) {
      const i = this.entries.findIndex((e) => e.id === draft.id);
      if (i < 0) throw new ConfigError([`no VM with id ${JSON.stringify(draft.id)}.`]);
      const prev = this.entries[i]!;
      const updated: LibraryEntry = { ...prev, config, nested };
      // The answer was about the files of that .vmx: another .vmx asks again.
      if (config.vmxPath !== prev.config.vmxPath) delete updated.allowedExternalDisks;
      this.entries[i] = updated;
      this.write();
      return updated;
    }
    const created: LibraryEntry = { id: randomUUID(), origin: 'user', config, nested };
    this.entries.push(created);
    this.write();
    return created;
  }

  /** Adds a VM opened from a .vmx, or returns the entry that already points at that file. */
  addVmx(vmxPath: string, config: VmConfig, nested: NestedSettings): LibraryEntry {
    const existing = this.entries.find((e) => e.config.vmxPath === vmxPath);
    if (existing) return existing;
    const entry: LibraryEntry = { id: randomUUID(), origin: 'vmx', config: checkConfig({ ...config, vmxPath }), nested };
    this.entries.push(entry);
    this.write();
    return entry;
  }

  /**
   * Writes a .vmx entry's settings into its .vmx (vmfiles/vmxSave.ts checks them, makes the
   * new disks, writes atomically); the nested toggles that have no .vmx key stay here.
   * `running`: this app runs the VM, so the change applies at its next power on.
   */
  saveVmx(id: string, settings: unknown, nested: unknown, newDisks: unknown, running: boolean): LibraryEntry {
    const i = this.entries.findIndex((e) => e.id === id);
    const entry = this.entries[i];
    if (!entry || entry.origin !== 'vmx' || !entry.config.vmxPath) throw new ConfigError([`no VM with a .vmx file has id ${JSON.stringify(id).slice(0, 60)}.`]);
    saveVmxSettings(entry.config.vmxPath, settings, newDisks, { runningHere: running });
    this.entries[i] = { ...entry, nested: checkNested(nested) };
    this.write();
    if (running) this.changedWhileRunning.add(id);
    return this.get(id)!;
  }

  /** The VM starts with what its files say now. */
  started(id: string): void {
    this.changedWhileRunning.delete(id);
  }

  remove(id: string): void {
    if (id === DEMO_ID) throw new ConfigError(['the built-in demo VM cannot be removed.']);
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.id !== id);
    if (this.entries.length !== before) this.write();
  }

  /** A missing file is an empty library; a damaged one is kept aside, not overwritten. */
  private read(): LibraryEntry[] {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    try {
      const data = JSON.parse(text) as LibraryFile;
      if (data.version !== FILE_VERSION || !Array.isArray(data.entries)) throw new Error('unknown format');
      return data.entries.flatMap((e) => {
        try {
          if (typeof e.id !== 'string' || e.id === DEMO_ID) return [];
          const origin = e.origin === 'vmx' ? 'vmx' : 'user';
          const allowed = checkAllowed(e.allowedExternalDisks);
          return [{ id: e.id, origin, config: checkConfig(e.config), nested: checkNested(e.nested), ...(allowed ? { allowedExternalDisks: allowed } : {}) }];
        } catch {
          return [];
        }
      });
    } catch {
      fs.renameSync(this.file, `${this.file}.damaged-${Date.now()}`);
      return [];
    }
  }

  private write(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const data: LibraryFile = { version: FILE_VERSION, entries: this.entries };
    writeFileAtomic(this.file, new TextEncoder().encode(JSON.stringify(data, null, 2)));
  }
}
