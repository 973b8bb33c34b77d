import { describe, expect, it } from 'vitest';

import { parseMemory, parseRunArgs, UsageError } from './args';
import { exitStatusFor } from './exitStatus';

describe('vireo run arguments', () => {
  it('parses a kernel boot', () => {
    const o = parseRunArgs(['--kernel', 'k', '--initrd', 'i', '--append', 'console=ttyS0', '--cpus', '4', '--memory', '1G', '--stats']);
    expect(o).toMatchObject({ kernel: 'k', initrd: 'i', append: 'console=ttyS0', cpus: 4, memoryMiB: 1024, stats: true });
  });

  it('names the option and the remedy for bad values', () => {
    expect(() => parseRunArgs(['--kernel', 'k', '--cpus', '9'])).toThrow('--cpus 9 is out of range: use 1 to 8');
    expect(() => parseRunArgs(['--kernel', 'k', '--memory', 'lots'])).toThrow('--memory lots is not a size');
    expect(() => parseRunArgs([])).toThrow(UsageError);
    expect(() => parseRunArgs(['--initrd', 'i', '--firmware', 'seabios'])).toThrow('--initrd needs --kernel');
    expect(() => parseRunArgs(['--kernel'])).toThrow('--kernel needs a value');
    expect(() => parseRunArgs(['--kernel', 'k', '--bogus'])).toThrow('unknown option --bogus');
  });

  it('parses memory sizes in MiB', () => {
    expect(parseMemory('512M')).toBe(512);
    expect(parseMemory('2G')).toBe(2048);
    expect(() => parseMemory('8M')).toThrow('too small');
  });

  it('maps how the guest ended to an exit status', () => {
    expect(exitStatusFor('poweroff', 0)).toBe(0);
    expect(exitStatusFor('poweroff', 7)).toBe(7);
    expect(exitStatusFor('poweroff', 1000)).toBe(99);
    expect(exitStatusFor('reset')).toBe(100);
    expect(exitStatusFor('triple-fault')).toBe(101);
    expect(exitStatusFor('error')).toBe(102);
    expect(exitStatusFor('host')).toBe(103);
  });
});
