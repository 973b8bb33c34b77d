// What the host knows about the guest's VMware Tools: version (tools.set.version /
// versiontype), capabilities (tools.capability.*, sent after Capabilities_Register), and
// whether tools run (docs/vmware-backdoor.md §5.3, §5.5; open-vm-tools
// services/vmtoolsd/toolsRpc.c, lib/include/vmware/guestrpc/capabilities.h).
import { decodeToolsVersion } from './rpcText';

export const MAX_CAPABILITIES = 128;

/** notRunning: never seen; running: a TCLO channel answered reset; stopped: it went away. */
export type ToolsStatus = 'notRunning' | 'running' | 'stopped';

export interface ToolsState {
  status: ToolsStatus;
  /** Raw version number (major << 10 | minor << 5 | base), 0x7fffffff = unmanaged. */
  version?: number;
  /** "12.3.5", or undefined when unmanaged/unknown. */
  versionString?: string;
  /** tools.set.versiontype: 0 unknown, 1 MSI, 2 tarball, 3 OSP, 4 open-vm-tools. */
  versionType?: number;
  /** TCLO applications that answered reset ("toolbox", "toolbox-dnd", ...). */
  apps: string[];
  capabilities: Record<string, string>;
}

export class ToolsStateTracker {
  private status: ToolsStatus = 'notRunning';
  private version?: number;
  private versionType?: number;
  private readonly apps = new Set<string>();
  private readonly caps = new Map<string, string>();
  private resolutionApp?: string;

  snapshot(): ToolsState {
    return {
      status: this.status,
      version: this.version,
      versionString: this.version === undefined ? undefined : (decodeToolsVersion(this.version) ?? undefined),
      versionType: this.versionType,
      apps: [...this.apps].sort(),
      capabilities: Object.fromEntries(this.caps),
    };
  }

  get current(): ToolsStatus {
    return this.status;
  }

  /** A TCLO channel answered "OK ATR <app>". Returns true if the state changed. */
  appStarted(app: string): boolean {
    const had = this.apps.has(app);
    this.apps.add(app);
    const was = this.status;
    this.status = 'running';
    return !had || was !== 'running';
  }

  /** The TCLO channel of `app` closed or stopped polling. Returns true if the state changed. */
  appStopped(app: string): boolean {
    if (!this.apps.delete(app)) return false;
    if (app === 'toolbox' || this.apps.size === 0) this.status = 'stopped';
    if (this.resolutionApp === app) this.resolutionApp = undefined;
    return true;
  }

  /** `tools.set.version <ver>` / `tools.set.versiontype <ver> <type>`. */
  setVersion(args: string, withType: boolean): boolean {
    const parts = args.trim().split(/\s+/);
    const version = Number(parts[0]);
    if (!/^\d{1,10}$/.test(parts[0] ?? '') || version > 0xffffffff) return false;
    let type: number | undefined;
    if (withType) {
      if (!/^\d{1,3}$/.test(parts[1] ?? '')) return false;
      type = Number(parts[1]);
    }
    this.version = version;
    if (withType) this.versionType = type;
    return true;
  }

  /** `tools.capability.<name> [value]`. Returns false when the table is full. */
  setCapability(name: string, value: string): boolean {
    if (!/^[A-Za-z0-9_.]{1,64}$/.test(name)) return false;
    if (!this.caps.has(name) && this.caps.size >= MAX_CAPABILITIES) return false;
    const v = value.trim();
    this.caps.set(name, v);
    if (name === 'resolution_server') {
      // "<app> <0|1>": which TCLO application receives Resolution_Set (§7).
      const [app, on] = v.split(/\s+/);
      if (on === '1' && app) this.resolutionApp = app;
      else if (app === this.resolutionApp) this.resolutionApp = undefined;
    }
    return true;
  }

  capability(name: string): string | undefined {
    return this.caps.get(name);
  }

  /** The app to send Resolution_Set / DisplayTopology_Set to, if the guest can do it. */
  resolutionTarget(): { app: string; topology: boolean } | undefined {
    const set = this.caps.get('resolution_set') === '1';
    const topology = Number(this.caps.get('display_topology_set') ?? '0') >= 2;
    if (!set && !topology) return undefined;
    // resolutionKMS (vmsvc) and resolutionSet (vmusr) both name themselves; fall back to
    // the system service.
    return { app: this.resolutionApp ?? 'toolbox', topology: !set && topology };
  }

  /** Forget everything learnt from the guest (VM reset or power-off). */
  reset(): void {
    this.status = this.apps.size || this.status !== 'notRunning' ? 'stopped' : 'notRunning';
    this.apps.clear();
    this.caps.clear();
    this.resolutionApp = undefined;
    this.version = undefined;
    this.versionType = undefined;
  }
}
