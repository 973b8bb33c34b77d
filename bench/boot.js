#!/usr/bin/env node
// Boot-time benchmark (issue "VMM core"): the same payloads under Vireo and the
// baselines, several runs each, in one invocation. Prints medians and ratios for
// process start -> first serial byte and -> the guest's debug-exit (process end).
//   npm run bench:boot [-- --runs N]
// Baselines: qemu-system-x86_64 (Debian qemu-system-x86) and lkvm (kvmtool; Debian has no
// package: set LKVM=/path/to/lkvm to include it).
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;
const hello = path.join(root, 'native/guests/build/hello.bin');
const vireo = [process.execPath, path.join(root, 'bin/vireo.js'), 'run'];
const qemu = ['qemu-system-x86_64', '-enable-kvm', '-nodefaults', '-no-user-config', '-nographic', '-serial', 'stdio', '-no-reboot'];
const lkvm = process.env.LKVM;

/** @param {string} cmd */
function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

// One run: ms to the first byte of `marker` on stdout, and ms to process exit.
/** @param {string[]} argv @param {string} marker @param {boolean} killOnMarker
 *  @returns {Promise<{ first?: number; marker?: number; exit: number }>} */
function once(argv, marker, killOnMarker) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    /** @type {number | undefined} */
    let first;
    /** @type {number | undefined} */
    let seen;
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout.on('data', (d) => {
      if (first === undefined) first = ms();
      out += d.toString('latin1');
      if (seen === undefined && out.includes(marker)) {
        seen = ms();
        if (killOnMarker) child.kill('SIGKILL');
      }
    });
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ first, marker: seen, exit: ms() });
    });
  });
}

/** @param {(number | undefined)[]} xs @returns {number | undefined} */
const median = (xs) => {
  const v = xs.filter((x) => x !== undefined).sort((a, b) => a - b);
  return v.length ? v[Math.floor(v.length / 2)] : undefined;
};

/** @param {string} name @param {string[]} argv @param {string} marker
 *  @returns {Promise<{ name: string; first?: number; marker?: number; exit?: number; failed?: boolean }>} */
async function measure(name, argv, marker, killOnMarker = false) {
  const rs = [];
  for (let i = 0; i < RUNS; i++) rs.push(await once(argv, marker, killOnMarker));
  /** @type {{ name: string; first?: number; marker?: number; exit?: number; failed?: boolean }} */
  const r = { name, first: median(rs.map((x) => x.first)), marker: median(rs.map((x) => x.marker)), exit: median(rs.map((x) => x.exit)) };
  if (r.marker === undefined) r.failed = true;
  return r;
}

/** @param {number | undefined} x */ 
const fmt = (x) => (x === undefined ? '   n/a' : x.toFixed(1).padStart(8));
/** @param {number | undefined} a @param {number | undefined} b */ 
const ratio = (a, b) => (a === undefined || b === undefined ? '  n/a' : (a / b).toFixed(2).padStart(5));

(async () => {
  console.log(`vireo boot benchmark: ${RUNS} runs each, medians in ms (host: ${require('node:os').cpus()[0].model}, ${require('node:os').cpus().length} cpus)`);
  const tiny = [await measure('vireo  tiny (hello.bin)', [...vireo, '--kernel', hello], 'PASS hello')];
  if (have('qemu-system-x86_64'))
    tiny.push(await measure('qemu   tiny (-M microvm)', [...qemu, '-M', 'microvm', '-m', '64', '-kernel', hello, '-device', 'isa-debug-exit,iobase=0xf4,iosize=4'], 'PASS hello'));
  else console.log('qemu-system-x86_64: not installed (apt-get install qemu-system-x86)');
  if (lkvm) tiny.push(await measure('lkvm   tiny', [lkvm, 'run', '-k', hello, '-m', '64', '-c', '1', '--console', 'serial'], 'PASS hello', true));
  else console.log('lkvm: not measured (Debian has no kvmtool package; set LKVM=/path/to/lkvm)');

  const bios = [await measure('vireo  SeaBIOS banner', [...vireo, '--firmware', 'seabios', '--timeout', '60'], 'SeaBIOS (version', true)];
  if (have('qemu-system-x86_64'))
    // Same devices as Vireo's board: the VMware SVGA card with its VGA BIOS, IDE.
    bios.push(await measure('qemu   SeaBIOS banner (-M pc -vga vmware)', [...qemu, '-M', 'pc', '-m', '256', '-vga', 'vmware'], 'SeaBIOS (version', true));

  console.log('\n| payload | first serial byte | milestone | exit | vs ' + (tiny[1]?.name.split(' ')[0] ?? '-') + ' (milestone) |');
  console.log('|---|---:|---:|---:|---:|');
  for (const group of [tiny, bios]) {
    const base = group[1];
    for (const r of group)
      console.log(`| ${r.name} | ${fmt(r.first)} | ${fmt(r.marker)} | ${fmt(r.exit)} | ${r === base ? '  1.00' : ratio(r.marker, base?.marker)} |`);
  }
  const lk = tiny.find((r) => r.name.startsWith('lkvm'));
  if (lk) console.log(`\nvireo/lkvm (milestone): ${ratio(tiny[0].marker, lk.marker)}`);
  console.log('\nmilestone = the guest\'s "PASS hello" line (just before its debug-exit write) or the SeaBIOS banner; exit = process end (SeaBIOS runs are killed at the banner).');
})();
