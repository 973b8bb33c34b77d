// FLAT / VMFS extents (plain bytes at an offset in a file), ZERO extents, and raw images.
import { DiskError } from './errors';
import { DiskProblem, Extent, ExtentInfo } from './extent';
import { FileIo } from './fileIo';
import { SECTOR } from './sparseHeader';

export class FlatExtent implements Extent {
  readonly sectors: number;
  private readonly io: FileIo;
  private readonly base: number; // bytes
  private readonly type: string;

  get writable(): boolean {
    return this.io.writable;
  }

  constructor(io: FileIo, sectors: number, offsetSectors: number, type = 'FLAT') {
    this.io = io;
    this.sectors = sectors;
    this.base = offsetSectors * SECTOR;
    this.type = type;
  }

  read(pos: number, buf: Uint8Array): void {
    // A flat file shorter than its extent reads as zeros past its end (qemu does the same
    // for raw files grown by truncate).
    this.io.readPadded(buf, this.base + pos);
  }

  write(pos: number, data: Uint8Array): void {
    this.io.write(data, this.base + pos);
  }

  flush(): void {
    this.io.sync();
  }

  close(): void {
    this.io.close();
  }

  info(): ExtentInfo {
    return { type: this.type, file: this.io.path, sectors: this.sectors, offset: this.base / SECTOR };
  }

  *ownRanges(): Generator<[number, number]> {
    yield [0, this.sectors * SECTOR];
  }

  allocatedBytes(): number {
    return this.io.allocatedBytes();
  }

  check(problems: DiskProblem[]): void {
    const need = this.base + this.sectors * SECTOR;
    if (this.type !== 'RAW' && this.io.size < need) {
      problems.push({ file: this.io.path, message: `flat extent needs ${need} bytes but the file has ${this.io.size}` });
    }
  }
}

export class ZeroExtent implements Extent {
  readonly sectors: number;
  readonly writable = false;
  private readonly label: string;

  constructor(sectors: number, label: string) {
    this.sectors = sectors;
    this.label = label;
  }

  read(_pos: number, buf: Uint8Array): void {
    buf.fill(0);
  }

  write(): void {
    throw new DiskError('read-only', this.label, 'ZERO extents cannot be written');
  }

  flush(): void {}
  close(): void {}

  info(): ExtentInfo {
    return { type: 'ZERO', sectors: this.sectors };
  }

  *ownRanges(): Generator<[number, number]> {
    yield [0, this.sectors * SECTOR];
  }

  allocatedBytes(): number {
    return 0;
  }

  check(): void {}
}
