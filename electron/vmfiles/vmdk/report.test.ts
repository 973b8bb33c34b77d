import { describe, expect, it } from 'vitest';
import { formatCheck, formatDiskInfo, humanSize } from './report';

describe('report', () => {
  it('formats sizes and info like qemu-img', () => {
    expect(humanSize(512)).toBe('512 B');
    expect(humanSize(1536)).toBe('1.5 KiB');
    expect(humanSize(2 ** 31 + 2 ** 20)).toBe('2.001 GiB');
    const text = formatDiskInfo({
      format: 'vmdk', subformat: 'monolithicSparse', virtualSize: 1 << 20, allocatedSize: 65536, files: ['/d.vmdk'],
      cid: '0000abcd', parentCid: 'ffffffff', readOnly: true,
      extents: [{ type: 'SPARSE', file: '/d.vmdk', sectors: 2048, version: 1, grainSize: 128, compressed: false }],
    }, 'd.vmdk');
    expect(text).toContain('virtual size: 1 MiB (1048576 bytes)\ndisk size: 64 KiB\n');
    expect(text).toContain('    create type: monolithicSparse\n');
    expect(text).toContain('            cluster size: 65536\n');
  });

  it('formats check results', () => {
    expect(formatCheck([], 'x')).toBe('No errors were found on the image x.\n');
    expect(formatCheck([{ file: '/x', message: 'bad' }], 'x')).toBe('ERROR /x: bad\n\n1 error was found on the image x.\n');
  });
});
