import { describe, expect, it } from 'vitest';
import { draftFromForm, formFromEntry } from './draft';

describe('editor draft', () => {
  it('builds a config from a valid form', () => {
    const form = { ...formFromEntry(undefined), name: ' Tiny ', memoryMiB: '32', kernel: '/guests/tiny.bin', append: 'console=ttyS0' };
    const d = draftFromForm(form, undefined);
    expect(Array.isArray(d)).toBe(false);
    if (Array.isArray(d)) return;
    expect(d.config).toMatchObject({ name: 'Tiny', memoryMiB: 32, cpus: 1, firmware: 'none', kernel: '/guests/tiny.bin', append: 'console=ttyS0' });
    expect(d.config.initrd).toBeUndefined();
  });

  it('lists every problem', () => {
    const form = { ...formFromEntry(undefined), name: '', memoryMiB: '1.5', cpus: '0', kernel: 'relative/path' };
    expect(draftFromForm(form, undefined)).toEqual([
      'Name is empty.',
      'Memory must be a whole number of MiB between 1 and 65536.',
      'vCPUs must be between 1 and 64.',
      'Kernel path must be absolute.',
    ]);
  });

  it('needs a kernel unless firmware boots the VM', () => {
    const form = formFromEntry(undefined);
    expect(draftFromForm(form, undefined)).toEqual(['Without firmware the VM needs a kernel to boot.']);
    expect(Array.isArray(draftFromForm({ ...form, firmware: 'seabios' }, undefined))).toBe(false);
  });
});
