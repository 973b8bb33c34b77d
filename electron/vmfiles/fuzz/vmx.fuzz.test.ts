// Property tests of the .vmx reader (issue 9, "the parsers the user's files reach"):
// for generated files — structured lines around the keys Vireo reads, plus raw bytes —
// parsing, the typed view and the disk list each give a VmxError or a result, never
// another exception; an unchanged document serializes to the very bytes it came from, and
// writing back its own settings changes nothing. Time and allocation are bounded per case.
// fast-check (not coverage-guided: @jazzer.js/core's prebuild needs GLIBC 2.38, see the
// commit that added fast-check). Long run: npm run fuzz:files.
import * as fc from 'fast-check';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { VmxDocument, MAX_VMX_BYTES } from '../vmx';
import { applyConfig, vmxToConfig } from '../vmxConfig';
import { importVmxDocument } from '../vmxImport';
import { VmxError } from '../vmxError';
import { withBounds, fuzzRuns, timeoutFor } from './bounds';
import { fuzzWithCoverage } from './coverage';

const BOUNDS = { maxMs: 1000, maxAllocBytes: 4 * MAX_VMX_BYTES };
const FILE = path.join(os.tmpdir(), 'vireo-fuzz-vmx', 'vm.vmx'); // labels only, never read

const KEYS = [
  '.encoding', 'displayName', 'guestOS', 'memsize', 'numvcpus', 'firmware', 'vhv.enable', 'tools.syncTime',
  'isolation.tools.copy.disable', 'isolation.tools.paste.disable', 'isolation.tools.dnd.disable', 'svga.maxWidth',
  'svga.maxHeight', 'svga.vramSize', 'svga.autodetect', 'guestinfo.x', 'serial0.present', 'serial0.fileType',
  'serial0.fileName', 'serial4.present',
];
const DEVICE_SUBKEYS = ['present', 'fileName', 'deviceType', 'startConnected', 'mode'];
const VALUES = ['TRUE', 'false', '1', '0', '-1', '64', '4294967296', 'efi', 'bios', 'UTF-8', 'windows-1252', 'GBK', 'Shift_JIS', 'nope',
  'disk.vmdk', '../x.vmdk', '/etc/passwd', 'C:\\VMs\\a.vmdk', '[ds1] vm/a.vmdk', 'cdrom-image', 'atapi-cdrom', 'disk', '|22', '|7c', '%2f', '|zz', ''];

const key = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KEYS) },
  fc.tuple(fc.constantFrom('ide', 'scsi', 'sata', 'nvme', 'SCSI'), fc.nat(40), fc.nat(40), fc.constantFrom(...DEVICE_SUBKEYS))
    .map(([b, c, u, k]) => `${b}${c}:${u}.${k}`),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 }),
);
const value = fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }));
const line = fc.oneof(
  { weight: 40, arbitrary: fc.tuple(key, value, fc.constantFrom(' = ', '=', '  =  '), fc.boolean()).map(([k, v, eq, q]) => `${k}${eq}${q ? `"${v}"` : v}`) },
  { weight: 1, arbitrary: fc.constantFrom('# comment', '', '   ', 'key without value', '= "x"', '"unterminated = "x', '\ufeffBOM = "1"') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
);
// A whole device, as VMware writes them: present + fileName (+ deviceType).
const device = fc.tuple(fc.constantFrom('ide', 'scsi', 'sata', 'nvme'), fc.nat(4), fc.nat(8), fc.constantFrom(...VALUES), fc.option(fc.constantFrom('disk', 'cdrom-image', 'atapi-cdrom', 'scsi-hardDisk', 'odd')))
  .map(([b, c, u, file, type]) => [`${b}${c}:${u}.present = "TRUE"`, `${b}${c}:${u}.fileName = "${file}"`, ...(type ? [`${b}${c}:${u}.deviceType = "${type}"`] : [])].join('\n'));
// A drive at a position VMware uses, with its controller (what the importer maps).
const placedDrive = fc.tuple(fc.constantFrom('ide0:0', 'ide1:0', 'sata0:1', 'nvme0:0', 'nvme0:1', 'scsi0:0', 'sata1:0'), fc.constantFrom(...VALUES),
  fc.option(fc.constantFrom('disk', 'cdrom-image', 'atapi-cdrom', 'cdrom-raw')), fc.boolean(), fc.constantFrom('TRUE', 'FALSE'))
  .map(([dev, file, type, controller, connected]) => [
    ...(controller && !dev.startsWith('ide') ? [`${dev.split(':')[0]}.present = "TRUE"`] : []),
    `${dev}.present = "TRUE"`, `${dev}.fileName = "${file}"`, `${dev}.startConnected = "${connected}"`,
    ...(type ? [`${dev}.deviceType = "${type}"`] : []),
  ].join('\n'));
const nic = fc.tuple(fc.nat(2), fc.constantFrom('e1000', 'vmxnet3', 'e1000e', 'VMXNET3'), fc.constantFrom('nat', 'bridged'), fc.constantFrom('00:0c:29:01:02:03', '00:0c:29', 'ff:ff:ff:ff:ff:ff', ''))
  .map(([i, model, conn, mac]) => [`ethernet${i}.present = "TRUE"`, `ethernet${i}.virtualDev = "${model}"`, `ethernet${i}.connectionType = "${conn}"`,
    `ethernet${i}.generatedAddress = "${mac}"`].join('\n'));
const structured = fc.tuple(fc.array(fc.oneof({ weight: 4, arbitrary: line }, { weight: 1, arbitrary: device }, { weight: 1, arbitrary: placedDrive }, { weight: 1, arbitrary: nic }),
  { maxLength: 30 }), fc.constantFrom('\n', '\r\n', '\r'))
  .map(([lines, eol]) => new Uint8Array(Buffer.from(lines.join(eol).replace(/\n/g, eol) + eol, 'utf8')));
const raw = fc.uint8Array({ maxLength: 2048 });

/** VmxError or a value; anything else is a bug. */
function vmxOr<T>(fn: () => T): T | VmxError {
  try {
    return fn();
  } catch (e) {
    if (e instanceof VmxError) return e;
    throw e;
  }
}

/** How far cases got: a generator that never reaches the typed view tests little. */
const reached = { parsed: 0, typed: 0, devices: 0 };

function property(bytes: Uint8Array): void {
  withBounds(BOUNDS, () => {
    const doc = vmxOr(() => VmxDocument.parse(bytes, FILE));
    if (doc instanceof VmxError) return;
    reached.parsed++;
    // Unchanged documents are byte-exact.
    expect(Buffer.from(doc.serialize()).equals(Buffer.from(bytes))).toBe(true);
    const vm = vmxOr(() => importVmxDocument(doc));
    if (!(vm instanceof VmxError) && vm.settings.disks.some((d) => d.present)) reached.devices++;
    const settings = vmxOr(() => vmxToConfig(doc));
    if (settings instanceof VmxError) return;
    reached.typed++;
    // Writing back what was read touches nothing.
    const applied = vmxOr(() => applyConfig(doc, settings));
    if (applied instanceof VmxError) return;
    expect(Buffer.from(doc.serialize()).equals(Buffer.from(bytes))).toBe(true);
  });
}

describe('.vmx reader under generated input', () => {
  const runs = fuzzRuns(1500);
  it(`structured files: VmxError or a read that round-trips byte for byte (${runs} cases)`, () => {
    Object.assign(reached, { parsed: 0, typed: 0, devices: 0 });
    fc.assert(fc.property(structured, property), { numRuns: runs });
    process.stderr.write(`vmx fuzz (structured): ${runs} cases, parsed ${reached.parsed}, typed ${reached.typed}, with disks ${reached.devices}\n`);
    expect(reached.typed).toBeGreaterThan(runs / 20);
    expect(reached.devices).toBeGreaterThan(runs / 50);
  }, timeoutFor(runs, 5));

  it(`raw bytes: VmxError or a read that round-trips (${runs} cases)`, () => {
    fc.assert(fc.property(raw, property), { numRuns: runs });
  }, timeoutFor(runs, 5));

  it('a file over the size limit is refused without decoding it', () => {
    expect(() => withBounds(BOUNDS, () => VmxDocument.parse(new Uint8Array(MAX_VMX_BYTES + 1)))).toThrow(VmxError);
  });
});

describe('.vmx reader, coverage-guided (V8 block coverage, fuzz/coverage.ts)', () => {
  const execs = fuzzRuns(1000);
  const seed = Number(process.env.VIREO_FUZZ_SEED ?? Date.now() % 2 ** 31);
  it(`VmxError or a byte-exact round trip, inputs that reach new blocks kept (${execs} execs)`, () => {
    const seeds = [
      '.encoding = "UTF-8"\nconfig.version = "8"\ndisplayName = "A |22b|22 %2f"\nmemsize = "1024"\nnumvcpus = "2"\nfirmware = "efi"\n' +
        'scsi0:0.present = "TRUE"\nscsi0:0.fileName = "a.vmdk"\nide1:0.present = "TRUE"\nide1:0.deviceType = "cdrom-image"\nide1:0.fileName = "/x.iso"\n' +
        'isolation.tools.copy.disable = "TRUE"\nguestinfo.k = "v"\nsvga.maxWidth = "1920"\nserial0.present = "TRUE"\nserial0.fileType = "file"\n',
      '.encoding = "windows-1252"\r\ndisplayName = "\xe9t\xe9"\r\nvhv.enable = TRUE\r\n',
      '.encoding = "GBK"\ndisplayName = "x"\n',
    ].map((t) => Buffer.from(t, 'latin1'));
    const r = fuzzWithCoverage({
      name: 'vmx',
      seeds,
      maxLen: 8192,
      dictionary: ['.encoding = ', '"UTF-8"', '"Shift_JIS"', 'TRUE', 'FALSE', '|22', '%2f', ' = "', '"\n', 'ide0:0.', 'sata0:1.', 'nvme0:0.', 'scsi0:7.',
        '.present = "TRUE"\n', '.fileName = "', 'deviceType = "cdrom-image"', 'memsize = "', 'firmware = "', '[ds] ', 'C:\\', '\r\n', '#']
        .map((t) => Buffer.from(t, 'latin1')),
      run: (data) => property(new Uint8Array(data)),
    }, { execs, seed });
    process.stderr.write(`vmx coverage fuzz: ${r.execs} execs in ${(r.ms / 1000).toFixed(1)} s, corpus ${r.corpus}, features ${r.features}, seed ${seed}\n`);
    expect(r.corpus).toBeGreaterThan(seeds.length);
  }, timeoutFor(execs, 50));
});

