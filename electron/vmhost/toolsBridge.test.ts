// ToolsBridge's guestinfo listing for the app and what it tells the backdoor (its VM side
// is a recording stub here; the trace tier drives it with open-vm-tools).
import { describe, expect, it } from 'vitest';

import { GUESTINFO_SHOWN } from '../common/protocol';
import type { NativeBackdoorState } from './native';
import { ToolsBridge, type ToolsBackdoor } from './toolsBridge';

function bridge(syncTime: boolean) {
  const states: NativeBackdoorState[] = [];
  const vm: ToolsBackdoor = {
    onGuestRpc: () => undefined,
    mirrorGuestInfo: () => undefined,
    setBackdoorState: (s) => void states.push(s),
    setHostClipboard: () => undefined,
    setClipboardPolicy: () => undefined,
  };
  const b = new ToolsBridge(vm, { name: 'x', memoryMiB: 1, cpus: 1, firmware: 'none', tools: { syncTime, copyAllowed: true, pasteAllowed: true }, guestInfo: { 'guestinfo.b': 'from vmx' } }, () => undefined);
  return { b, states };
}

describe('ToolsBridge', () => {
  it('lists guestinfo sorted, with who set it, long values cut for display', () => {
    const { b } = bridge(true);
    b.tools.onMessage(1, false, `info-set guestinfo.a ${'v'.repeat(GUESTINFO_SHOWN + 10)}\0`);
    expect(b.guestInfoList()).toEqual([
      { key: 'guestinfo.a', value: 'v'.repeat(GUESTINFO_SHOWN), source: 'guest', truncated: true },
      { key: 'guestinfo.b', value: 'from vmx', source: 'host', truncated: false },
    ]);
    b.dispose();
  });

  it('reports time sync in GETGUIOPTIONS (VMWARE_GUI_SYNC_TIME 0x400) as it changes', () => {
    const { b, states } = bridge(false);
    expect(states[0].guiOptions).toBe(0);
    b.setOption('syncTime', true);
    expect(states.at(-1)).toEqual({ guiOptions: 0x400 });
    b.tools.onMessage(1, false, 'vmx.set_option synctime 1 0\0');  // vmware-toolbox-cmd timesync disable
    expect(states.at(-1)).toEqual({ guiOptions: 0 });
    b.dispose();
  });
});
