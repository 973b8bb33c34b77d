// Plays open-vm-tools' side of the GuestRPC conversations (docs/vmware-backdoor.md §5)
// against ToolsService.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { ToolsState } from './toolsState';
import { ToolsService, clipboardPolicyFromVmx } from './toolsService';

const TOOLBOX = 1;
const DND = 2;

function rpci(svc: ToolsService, msg: string): string {
  return svc.onMessage(5, false, msg + '\0', 100);  // vmtoolsd sends strlen+1
}

/** One TCLO poll carrying `reply` (the guest's answer to the previous command). */
function poll(svc: ToolsService, channel: number, reply = '', session = channel * 10): string {
  return svc.onMessage(channel, true, reply, session);
}

/** Answers every queued command with "OK " until the host has nothing more to say. */
function drain(svc: ToolsService, channel: number, first: string, session = channel * 10): string[] {
  const seen: string[] = [];
  let cmd = first;
  while (cmd !== '') {
    seen.push(cmd);
    cmd = poll(svc, channel, 'OK ', session);
  }
  return seen;
}

/** The guest's idle loop for `ms` (one poll a second here); returns the commands it got. */
function idle(svc: ToolsService, channel: number, ms: number): string[] {
  const got: string[] = [];
  let reply = '';
  for (let t = 0; t < ms; t += 1000) {
    vi.advanceTimersByTime(1000);
    const cmd = poll(svc, channel, reply);
    reply = cmd ? 'OK ' : '';
    if (cmd) got.push(cmd);
  }
  return got;
}

/** vmsvc start-up: reset, then Capabilities_Register with its RPCIs. */
function startToolbox(svc: ToolsService): string[] {
  expect(poll(svc, TOOLBOX)).toBe('reset');
  expect(rpci(svc, 'vmx.capability.unified_loop toolbox')).toBe('1 ');
  expect(rpci(svc, 'log toolbox: Version: 12.3.5')).toBe('1 ');
  expect(poll(svc, TOOLBOX, 'OK ATR toolbox')).toBe('Capabilities_Register');
  for (const cap of [
    'tools.capability.statechange ',
    'tools.capability.softpowerop_retry ',
    'tools.capability.resolution_set 1',
    'tools.capability.display_topology_set 2',
    'tools.capability.resolution_server toolbox 1',
    'tools.capability.features 0=1 1=1',
  ]) {
    expect(rpci(svc, cap)).toBe('1 ');
  }
  expect(rpci(svc, `tools.set.versiontype ${(12 << 10) | (3 << 5) | 5} 4`)).toBe('1 ');
  return drain(svc, TOOLBOX, poll(svc, TOOLBOX, 'OK '));
}

describe('ToolsService', () => {
  let svc: ToolsService;
  let states: ToolsState[];
  beforeEach(() => {
    vi.useFakeTimers();
    svc = new ToolsService({ syncTime: true, syncPeriodMs: 60_000, heartbeatTimeoutMs: 15_000 });
    states = [];
    svc.on('state', (s) => states.push(s));
  });
  afterEach(() => {
    svc.dispose();
    vi.useRealTimers();
  });

  it('runs the toolbox start-up conversation', () => {
    expect(svc.toolsState().status).toBe('notRunning');
    const after = startToolbox(svc);
    expect(after).toEqual([
      'Set_Option broadcastIP 1',
      'Set_Option synctime 1',
      'Set_Option time.synchronize.tools.enable 1',
      'Set_Option time.synchronize.tools.startup 1',
      'Set_Option toolScripts.afterPowerOn 1',
      'Set_Option toolScripts.afterResume 1',
      'Set_Option toolScripts.beforePowerOff 1',
      'Set_Option toolScripts.beforeSuspend 1',
      'Time_Synchronize 1',
    ]);
    const s = svc.toolsState();
    expect(s.status).toBe('running');
    expect(s.apps).toEqual(['toolbox']);
    expect(s.versionString).toBe('12.3.5');
    expect(s.versionType).toBe(4);
    expect(s.capabilities.resolution_set).toBe('1');
    expect(states[0].status).toBe('running');
  });

  it('answers info-set / info-get and exposes guest OS and IP', () => {
    svc.setGuestInfo('guestinfo.vireo.hello', 'from host');
    expect(rpci(svc, 'info-get guestinfo.vireo.hello')).toBe('1 from host');
    expect(rpci(svc, 'info-get guestinfo.missing')).toBe('0 No value found');
    expect(rpci(svc, 'info-set guestinfo.ip 192.168.1.20')).toBe('1 ');
    expect(rpci(svc, 'SetGuestInfo  6 debian12-64')).toBe('1 ');
    expect(rpci(svc, 'SetGuestInfo  5 Debian GNU/Linux 12')).toBe('1 ');
    expect(svc.ipAddress()).toBe('192.168.1.20');
    expect(svc.guestOs().name).toBe('debian12-64');
    expect(svc.getGuestInfo('ip')).toBe('192.168.1.20');
    expect(rpci(svc, 'no.such.command ')).toBe('0 Unknown command');
    expect(rpci(svc, 'info-set vmx.secret 1')).toBe('0 Invalid key');
  });

  it('keeps clipboard on legacy v1 and configures copypaste on toolbox-dnd', () => {
    expect(rpci(svc, 'tools.capability.copypaste_version 4')).toMatch(/^0 /);
    expect(rpci(svc, 'tools.capability.dnd_version 4')).toMatch(/^0 /);
    expect(rpci(svc, 'vmx.capability.copypaste_version')).toBe('1 1');
    expect(poll(svc, DND)).toBe('reset');
    expect(poll(svc, DND, 'OK ATR toolbox-dnd')).toBe('Capabilities_Register');
    expect(drain(svc, DND, poll(svc, DND, 'OK '))).toEqual(['Set_Option copypaste 1', 'Set_Option enableDnD 0']);
    const policies: unknown[] = [];
    svc.on('clipboardPolicy', (p) => policies.push(p));
    svc.setClipboardPolicy({ copyAllowed: false, pasteAllowed: false });
    expect(poll(svc, DND)).toBe('Set_Option copypaste 0');
    expect(policies).toEqual([{ copyAllowed: false, pasteAllowed: false }]);
  });

  it('soft power-off: OS_Halt, status RPCI, OK', async () => {
    await expect(svc.requestSoftPowerOff()).resolves.toBe('unavailable');  // no tools yet
    startToolbox(svc);
    const done = svc.requestSoftPowerOff();
    expect(poll(svc, TOOLBOX)).toBe('OS_Halt');
    expect(rpci(svc, 'tools.os.statechange.status 1 1')).toBe('1 ');
    expect(poll(svc, TOOLBOX, 'OK ')).toBe('');
    await expect(done).resolves.toBe('ok');
  });

  it('reboot refused by the guest, and a power op timing out', async () => {
    startToolbox(svc);
    const r = svc.requestReboot();
    expect(poll(svc, TOOLBOX)).toBe('OS_Reboot');
    expect(poll(svc, TOOLBOX, 'ERROR State change already in progress')).toBe('');
    await expect(r).resolves.toBe('failed');
    const t = svc.requestSoftPowerOff(5000);
    expect(poll(svc, TOOLBOX)).toBe('OS_Halt');
    vi.advanceTimersByTime(5000);
    await expect(t).resolves.toBe('timeout');
  });

  it('sends a debounced Resolution_Set to the resolution server', () => {
    svc.setViewport(800, 600);  // before tools: kept
    startToolbox(svc);
    vi.advanceTimersByTime(250);
    expect(poll(svc, TOOLBOX)).toBe('Resolution_Set 800 600');
    svc.setViewport(1024, 768);
    svc.setViewport(1280, 800);
    vi.advanceTimersByTime(249);
    expect(poll(svc, TOOLBOX, 'OK ')).toBe('');
    vi.advanceTimersByTime(1);
    expect(poll(svc, TOOLBOX)).toBe('Resolution_Set 1280 800');
    expect(() => svc.setViewport(0, 10)).toThrow(RangeError);
  });

  it('uses DisplayTopology_Set when only topology is advertised', () => {
    expect(poll(svc, TOOLBOX)).toBe('reset');
    poll(svc, TOOLBOX, 'OK ATR toolbox');
    rpci(svc, 'tools.capability.display_topology_set 2');
    drain(svc, TOOLBOX, poll(svc, TOOLBOX, 'OK '));
    svc.setViewport(1920, 1080);
    vi.advanceTimersByTime(250);
    expect(poll(svc, TOOLBOX)).toBe('DisplayTopology_Set 1 , 0 0 1920 1080');
  });

  it('periodic and post-resume time sync', () => {
    startToolbox(svc);
    expect(idle(svc, TOOLBOX, 120_000)).toEqual(['Time_Synchronize 0', 'Time_Synchronize 0']);
    expect(svc.toolsState().status).toBe('running');
    svc.setPaused(true);
    svc.setPaused(false);
    expect(poll(svc, TOOLBOX)).toBe('Time_Synchronize 1');
    const changes: boolean[] = [];
    svc.on('syncTime', (on) => changes.push(on));
    expect(rpci(svc, 'vmx.set_option synctime 1 0')).toBe('1 ');
    expect(poll(svc, TOOLBOX, 'OK ')).toBe('Set_Option synctime 0');
    expect(svc.syncTime()).toBe(false);
    svc.setSyncTime(true);
    expect(rpci(svc, 'vmx.set_option synctime 0 1')).toBe('1 ');  // already on: no change
    expect(changes).toEqual([false, true]);
  });

  it('tracks tools stopping: close, re-open under a new session, heartbeat loss', () => {
    startToolbox(svc);
    svc.onClose(TOOLBOX, true, TOOLBOX * 10);
    expect(svc.toolsState().status).toBe('stopped');
    // The channel number comes back under a new session: a fresh reset.
    expect(poll(svc, TOOLBOX, '', 99)).toBe('reset');
    expect(poll(svc, TOOLBOX, 'OK ATR toolbox', 99)).toBe('Capabilities_Register');
    expect(svc.toolsState().status).toBe('running');
    vi.advanceTimersByTime(20_000);  // no polls for longer than the heartbeat timeout
    expect(svc.toolsState().status).toBe('stopped');
    // While paused, silence is expected.
    expect(poll(svc, TOOLBOX, '', 100)).toBe('reset');
    poll(svc, TOOLBOX, 'OK ATR toolbox', 100);
    svc.setPaused(true);
    vi.advanceTimersByTime(60_000);
    expect(svc.toolsState().status).toBe('running');
  });

  it('a VM reset forgets channels and guest data but keeps host guestinfo', () => {
    svc.setGuestInfo('hostkey', 'v');
    startToolbox(svc);
    rpci(svc, 'info-set guestinfo.ip 10.1.1.1');
    svc.notifyReset();
    expect(svc.toolsState().status).toBe('stopped');
    expect(svc.toolsState().capabilities).toEqual({});
    expect(svc.ipAddress()).toBeUndefined();
    expect(svc.getGuestInfo('hostkey')).toBe('v');
    expect(poll(svc, TOOLBOX)).toBe('reset');
  });

  it('pings an application', async () => {
    startToolbox(svc);
    const alive = svc.ping();
    expect(poll(svc, TOOLBOX)).toBe('ping');
    expect(poll(svc, TOOLBOX, 'OK ')).toBe('');
    await expect(alive).resolves.toBe(true);
    await expect(svc.ping('toolbox-dnd')).resolves.toBe(false);  // not running
  });

  it('reads the clipboard policy from .vmx keys', () => {
    const vmx: Record<string, string> = { 'isolation.tools.copy.disable': 'TRUE', 'isolation.tools.paste.disable': 'false' };
    expect(clipboardPolicyFromVmx((k) => vmx[k])).toEqual({ copyAllowed: false, pasteAllowed: true });
    expect(clipboardPolicyFromVmx(() => undefined)).toEqual({ copyAllowed: true, pasteAllowed: true });
  });

  it('accepts binary message bytes', () => {
    const bytes = new TextEncoder().encode('info-set guestinfo.name caf\u00e9\0');
    expect(svc.onMessage(4, false, bytes, 1)).toBe('1 ');
    expect(svc.getGuestInfo('name')).toBe('caf\u00e9');
  });
});
