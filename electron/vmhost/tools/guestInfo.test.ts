import { describe, expect, it } from 'vitest';

import { GuestInfoStore, MAX_KEYS, normaliseKey } from './guestInfo';
import { decodeToolsVersion, messageText, parseTcloReply, splitCommand } from './rpcText';

describe('rpcText', () => {
  it('strips one trailing NUL and decodes UTF-8 bytes', () => {
    expect(messageText('log hi\0')).toBe('log hi');
    expect(messageText(new Uint8Array([0x68, 0xc3, 0xa9, 0]))).toBe('hé');
    expect(messageText('a\0\0')).toBe('a\0');
  });
  it('splits at the first space and keeps the rest', () => {
    expect(splitCommand('tools.capability.statechange ')).toEqual({ command: 'tools.capability.statechange', args: '' });
    expect(splitCommand('info-set guestinfo.a b c')).toEqual({ command: 'info-set', args: 'guestinfo.a b c' });
    expect(splitCommand('ping')).toEqual({ command: 'ping', args: '' });
  });
  it('parses TCLO replies', () => {
    expect(parseTcloReply('')).toBeNull();
    expect(parseTcloReply('OK ATR toolbox')).toEqual({ ok: true, text: 'ATR toolbox' });
    expect(parseTcloReply('OK ')).toEqual({ ok: true, text: '' });
    expect(parseTcloReply('ERROR Unknown Command')).toEqual({ ok: false, text: 'Unknown Command' });
    expect(parseTcloReply('garbage')).toEqual({ ok: false, text: 'garbage' });
  });
  it('decodes tools versions', () => {
    expect(decodeToolsVersion((12 << 10) | (3 << 5) | 5)).toBe('12.3.5');
    expect(decodeToolsVersion(0x7fffffff)).toBeNull();
  });
});

describe('GuestInfoStore', () => {
  it('stores guest info-set values and answers info-get, case-insensitively', () => {
    const changes: string[] = [];
    const s = new GuestInfoStore((c) => changes.push(`${c.source}:${c.key}=${c.value}`));
    expect(s.guestSet('guestinfo.ip 10.0.0.7')).toEqual({ ok: true });
    expect(s.guestGet('GuestInfo.IP')).toBe('10.0.0.7');
    expect(s.ipAddress()).toBe('10.0.0.7');
    expect(s.guestSet('guestinfo.ip 10.0.0.7')).toEqual({ ok: true });  // unchanged: no event
    expect(changes).toEqual(['guest:guestinfo.ip=10.0.0.7']);
    expect(s.guestSet('guestinfo.detailed.data prettyName=\'Debian 12\'')).toEqual({ ok: true });
    expect(s.os().detailed).toBe("prettyName='Debian 12'");
  });

  it('refuses keys outside guestinfo.* and bounds the table', () => {
    const s = new GuestInfoStore();
    expect(s.guestSet('vmx.foo 1').ok).toBe(false);
    expect(s.guestSet('guestinfo. x').ok).toBe(false);
    expect(s.guestSet(`guestinfo.${'k'.repeat(300)} v`).ok).toBe(false);
    for (let i = 0; i < MAX_KEYS; i++) expect(s.guestSet(`guestinfo.k${i} v`).ok).toBe(true);
    expect(s.guestSet('guestinfo.one-more v')).toEqual({ ok: false, error: 'Too many keys' });
    expect(s.guestSet('guestinfo.k1 changed').ok).toBe(true);  // existing keys still update
  });

  it('lets the host set values the guest reads, and keeps them across a reset', () => {
    const s = new GuestInfoStore();
    expect(s.hostSet('greeting', 'hello').ok).toBe(true);
    expect(s.guestGet('guestinfo.greeting')).toBe('hello');
    s.guestSet('guestinfo.ip 1.2.3.4');
    s.clearGuestData();
    expect(s.get('greeting')).toBe('hello');
    expect(s.ipAddress()).toBeUndefined();
    expect(normaliseKey('x y', true)).toBeNull();
  });

  it('parses SetGuestInfo keys and keeps only the size of binary ones', () => {
    const s = new GuestInfoStore();
    expect(s.setTyped(' 6 debian12-64')).toBe(true);  // "SetGuestInfo  6 ..." has two spaces
    expect(s.setTyped(' 5 Debian GNU/Linux 12 (bookworm)')).toBe(true);
    expect(s.setTyped(' 1 vm1.example')).toBe(true);
    expect(s.setTyped(' 10 \u0000\u0001binary')).toBe(true);
    expect(s.setTyped(' 99 x')).toBe(false);
    expect(s.setTyped('x')).toBe(false);
    expect(s.os()).toEqual({ name: 'debian12-64', fullName: 'Debian GNU/Linux 12 (bookworm)', detailed: undefined });
    expect(s.hostName()).toBe('vm1.example');
    expect(s.binarySize(10)).toBe(8);
  });

  it('decodes SetGuestInfo 11 (HostinfoDetailedDataHeader + detailed data) into the OS names', () => {
    // Layout of open-vm-tools 12.2 hostinfo.h: version 1, shortName[129] at 4, fullName[513] at 133, data at 648.
    const header = Buffer.alloc(648);
    header.writeUInt32LE(1, 0);
    header.write('debian12-64', 4);
    header.write('Linux 6.1.0 Debian GNU/Linux 12 (bookworm)', 133);
    const payload = Buffer.concat([header, Buffer.from("prettyName='Debian GNU/Linux 12 (bookworm)'\0")]).toString('utf8');
    const s = new GuestInfoStore();
    expect(s.setTyped(` 11 ${payload}`)).toBe(true);
    expect(s.os()).toEqual({
      name: 'debian12-64',
      fullName: 'Linux 6.1.0 Debian GNU/Linux 12 (bookworm)',
      detailed: "prettyName='Debian GNU/Linux 12 (bookworm)'",
    });
    // Too short or another header version: refused, so the guest falls back to keys 5 and 6.
    expect(s.setTyped(' 11 short')).toBe(false);
    header.writeUInt32LE(2, 0);
    expect(s.setTyped(` 11 ${header.toString('utf8')}`)).toBe(false);
  });
});
