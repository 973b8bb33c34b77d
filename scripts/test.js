#!/usr/bin/env node
// `npm test`: every tier in order — build, native unit tests and fuzzing, lint and layer
// rules, type-checks (including every Electron file against electron.d.ts), vitest (unit
// and real-KVM tiers), then the browser e2e suite. Stops at the first failing step.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const exists = (/** @type {string} */ p) => fs.existsSync(path.join(root, p));

const NESTED_KVM_FILES = [
  'electron/cli/backdoor.kvm.test.ts',
  'electron/vmhost/control.kvm.test.ts',
  'electron/vmhost/closeRace.kvm.test.ts',
  'electron/cli/faults.kvm.test.ts',
];

/** @typedef {[name: string, command: string, args: string[]]} Step */
const steps = /** @type {(Step | false)[]} */ ([
  ['build native addon', 'npm', ['run', '-s', 'build:native']],
  ['build test guests', 'make', ['-s', '-C', 'native/guests']],
  ['build the backdoor tracer (native/tools/bdtrace)', 'make', ['-s', '-C', 'native/tools/bdtrace']],
  exists('native/firmware/Makefile') && ['build option ROMs', 'make', ['-s', '-C', 'native/firmware']],
  ['type-check and compile TypeScript (tsc -b, Electron files against electron.d.ts)', 'npx', ['tsc', '-b']],
  ['type-check the renderer, the e2e suites, every test file and the plain JavaScript', 'sh', ['-c', 'npx tsc -p renderer --noEmit && npx tsc -p e2e --noEmit && npx tsc -p tsconfig.tests.json && npx tsc -p tsconfig.scripts.json']],
  ['native unit tests (ASan/UBSan)', 'make', ['-s', '-C', 'native/test', 'run']],
  exists('native/test/fuzz/Makefile') && ['device fuzzing, short run (libFuzzer)', 'make', ['-s', '-C', 'native/test/fuzz', 'short']],
  ['option ROM under QEMU (SeaBIOS boots a --kernel through it)', 'make', ['-s', '-C', 'native/firmware', 'check']],
  ['lint and layer rules', 'npx', ['eslint', '.']],
  ['vitest: unit, KVM and tracer tiers', 'npx', ['vitest', 'run']],
  // Where the host's kernel gives no /dev/kvm (this project's CI machines, see .ci/run), the
  // KVM files above skip by name; with VIREO_KVM_IN_TCG=1 these run instead on a real KVM
  // inside a QEMU TCG VM (scripts/kvm-in-tcg): slow (minutes per file), so a set that covers
  // the machine, the backdoor, the host controls and the crash/fault paths. Not on by
  // default: one run in three on 2026-12-04 hung inside the TCG VM (cause not found yet).
  !fs.existsSync('/dev/kvm') && process.env.VIREO_KVM_IN_TCG === '1' && [
    `KVM tier inside a QEMU TCG VM with nested KVM (no /dev/kvm here): ${NESTED_KVM_FILES.join(', ')}`,
    path.join(root, 'scripts/kvm-in-tcg/run.sh'),
    [`VIREO_REQUIRE_KVM=1 VIREO_REQUIRE_TOOLS=1 ./node_modules/.bin/vitest run --project kvm ${NESTED_KVM_FILES.join(' ')}`],
  ],
  ['e2e: renderer in Debian Chromium (fake and real VM hosts; Electron tier where a binary exists)', 'node', ['scripts/e2e.js']],
]).filter(/** @returns {s is Step} */ (s) => s !== false);

let passed = 0;
let failed = 0;
for (const [name, cmd, args] of steps) {
  const t0 = Date.now();
  process.stdout.write(`\n=== ${name}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  const s = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status === 0) {
    passed++;
    process.stdout.write(`=== ok: ${name} (${s} s)\n`);
  } else {
    failed++;
    process.stdout.write(`=== FAILED: ${name} (${s} s, exit ${r.status ?? r.signal})\n`);
    break;
  }
}
process.stdout.write(`\nsteps: ${passed} passed, ${failed} failed\n`);
process.exit(failed ? 1 : 0);
