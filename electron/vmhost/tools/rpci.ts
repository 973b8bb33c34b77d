// Guest -> host RPCI requests (docs/vmware-backdoor.md §5.5): each complete message gets exactly
// one reply, "1 <result>" or "0 <error>". The dispatcher only parses and routes; state lives in the
// objects of RpciContext.
import type { GuestInfoStore } from './guestInfo';
import type { PowerOpTracker } from './powerOps';
import { RPCI_UNKNOWN, rpciError, rpciOk, splitCommand } from './rpcText';
import type { ToolsStateTracker } from './toolsState';

export interface RpciContext {
  info: GuestInfoStore;
  tools: ToolsStateTracker;
  power: PowerOpTracker;
  /** `log <text>` from the guest. */
  log(text: string): void;
  /** The version or capabilities changed. */
  toolsChanged(): void;
  /** `vmx.set_option <opt> <old> <new>` (toolbox-cmd): returns false for an unknown option. */
  setOption(option: string, value: string): boolean;
}

/** Capability names whose registration selects DnD/copy-paste v3/v4; refusing them keeps the guest on legacy v1 (§8). */
const RPC_DND_CP = new Set(['dnd_version', 'copypaste_version']);

export function handleRpci(ctx: RpciContext, text: string): string {
  const { command, args } = splitCommand(text);
  switch (command) {
    case 'log':
      ctx.log(args);
      return rpciOk();
    case 'info-set': {
      const r = ctx.info.guestSet(args);
      return r.ok ? rpciOk() : rpciError(r.error);
    }
    case 'info-get': {
      const v = ctx.info.guestGet(args.trim());
      return v === undefined ? rpciError('No value found') : rpciOk(v);
    }
    case 'tools.set.version':
    case 'tools.set.versiontype':
      if (!ctx.tools.setVersion(args, command === 'tools.set.versiontype')) return rpciError('Invalid arguments');
      ctx.toolsChanged();
      return rpciOk();
    case 'vmx.capability.unified_loop':
      return rpciOk();
    case 'vmx.capability.dnd_version':
    case 'vmx.capability.copypaste_version':
      return rpciOk('1');  // version 1: legacy backdoor clipboard
    case 'SetGuestInfo':
      return ctx.info.setTyped(args) ? rpciOk() : rpciError('Unknown info type');
    case 'SetGuestDiskInfo':
      return rpciOk();
    case 'tools.os.statechange.status':
      return ctx.power.onStatus(args) ? rpciOk() : rpciError('Invalid arguments');
    case 'vmx.set_option': {
      const [option, , value] = args.trim().split(/\s+/);
      if (!option || value === undefined) return rpciError('Invalid arguments');
      return ctx.setOption(option, value) ? rpciOk() : rpciError('Unknown option');
    }
    case 'update.tools.health':
      return rpciOk();
    default:
      break;
  }
  if (command.startsWith('tools.capability.')) {
    const name = command.slice('tools.capability.'.length);
    if (!ctx.tools.setCapability(name, args)) return rpciError('Invalid capability');
    ctx.toolsChanged();
    return RPC_DND_CP.has(name) ? rpciError('Not supported') : rpciOk();
  }
  return RPCI_UNKNOWN;
}
