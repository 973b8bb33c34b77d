// Human-readable text for `vireo disk info` and `vireo disk check`, laid out like
// `qemu-img info` / `qemu-img check` so the two are easy to compare.
import { DiskInfo } from './disk';
import { DiskProblem } from './extent';
import { SECTOR } from './sparseHeader';

/** 1536 → "1.5 KiB"; exact byte counts are printed beside it where they matter. */
export function humanSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${Number(v.toFixed(3))} ${units[u]}`;
}

export function formatDiskInfo(info: DiskInfo, image: string): string {
  const out = [
    `image: ${image}`,
    `file format: ${info.format}`,
    `virtual size: ${humanSize(info.virtualSize)} (${info.virtualSize} bytes)`,
    `disk size: ${humanSize(info.allocatedSize)}`,
  ];
  if (info.backing) out.push(`backing file: ${info.backing.files[0] ?? '?'}`);
  if (info.format === 'vmdk') {
    out.push('Format specific information:');
    if (info.cid) out.push(`    cid: ${info.cid}`);
    if (info.parentCid) out.push(`    parent cid: ${info.parentCid}`);
    out.push(`    create type: ${info.subformat ?? '?'}`, '    extents:');
    info.extents.forEach((e, i) => {
      out.push(`        [${i}]:`, `            type: ${e.type}`, `            virtual size: ${e.sectors * SECTOR}`);
      if (e.file) out.push(`            filename: ${e.file}`);
      if (e.offset) out.push(`            offset: ${e.offset * SECTOR}`);
      if (e.grainSize) out.push(`            cluster size: ${e.grainSize * SECTOR}`);
      if (e.version) out.push(`            format: version ${e.version}${e.compressed ? ', compressed' : ''}`);
    });
  }
  return out.join('\n') + '\n';
}

export function formatCheck(problems: DiskProblem[], image: string): string {
  if (problems.length === 0) return `No errors were found on the image ${image}.\n`;
  const lines = problems.map((p) => `ERROR ${p.file}: ${p.message}`);
  lines.push('', `${problems.length} ${problems.length === 1 ? 'error was' : 'errors were'} found on the image ${image}.`);
  return lines.join('\n') + '\n';
}
