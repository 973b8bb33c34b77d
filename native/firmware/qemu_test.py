#!/usr/bin/env python3
"""qemu_test.py ROM HELLO: checks build/linuxboot.bin under QEMU (make check).

QEMU runs with KVM where /dev/kvm opens and with TCG otherwise (the first line printed
says which): the cases test our ROM and SeaBIOS's use of it, not the accelerator, and
SeaBIOS behaves the same under both.

QEMU's -kernel fills the same fw_cfg items (0x07-0x18) the Vireo VMM provides and
installs the ROM it finds as "linuxboot_dma.bin" (bootindex 0). Putting this ROM under
that name in a -L directory makes QEMU install ours instead of its own, so QEMU plays
the VMM's part. SeaBIOS's debug log (port 0x402) names the BEV it calls, which proves
our ROM ran.

Cases:
  hello     boots the hello test guest (native/guests) through the ROM: exit code 0.
  layout    boots a generated bzImage whose setup only halts, then reads guest memory
            and registers over QMP: setup, kernel, command line and initrd arrived byte
            for byte, the initrd lies in RAM that SeaBIOS's final e820 map leaves free,
            and the entry state is DS=ES=FS=GS=SS=0x1000, SP=0xFFF0, CS:IP=0x1020:0,
            cleared GPRs, IF=0.
  relocate  the same with SeaBIOS's top-of-RAM tables grown over QEMU's initrd spot:
            the ROM moves the initrd below them and patches ramdisk_image.
  no-kernel the ROM alone (no -kernel): prints its "no kernel" line and SeaBIOS moves on.
  no-dma    fw_cfg DMA disabled: prints its "no DMA" line and SeaBIOS moves on.
"""
import json
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

def accelerator():
    """kvm when /dev/kvm can be opened read-write, else tcg."""
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
        return "kvm"
    except OSError:
        return "tcg"


ACCEL = accelerator()
QEMU = ["qemu-system-x86_64", "-accel", ACCEL, "-M", "pc", "-m", "64", "-nographic",
        "-net", "none", "-no-reboot", "-boot", "reboot-timeout=0",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
TIMEOUT = 120

SETUP_ADDR = 0x10000
CMDLINE_ADDR = 0x20000
KERNEL_ADDR = 0x100000


def bev_offset(rom):
    pnp = struct.unpack_from("<H", rom, 0x1A)[0]
    return struct.unpack_from("<H", rom, pnp + 0x1A)[0]


def run(tmp, args, name):
    """Runs QEMU to completion; returns (exit status, serial text, debugcon text)."""
    dbg = os.path.join(tmp, name + ".dbg")
    cmd = QEMU + ["-L", tmp, "-monitor", "none",
                  "-chardev", f"file,id=dbg,path={dbg}",
                  "-device", "isa-debugcon,iobase=0x402,chardev=dbg"] + args
    p = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT)
    serial = p.stdout.decode("latin-1")
    log = open(dbg, encoding="latin-1").read()
    return p.returncode, serial, log


def booted_our_bev(log, rom):
    m = re.search(r"Booting from ([0-9a-f]{4}):([0-9a-f]{4})", log)
    return m is not None and int(m.group(2), 16) == bev_offset(rom)


def case_hello(tmp, rom, hello):
    rc, serial, log = run(tmp, ["-kernel", hello], "hello")
    # isa-debug-exit: QEMU exits with (code << 1) | 1, so 1 means guest code 0.
    ok = rc == 1 and "Hello from Vireo guest" in serial and booted_our_bev(log, rom)
    return ok, f"rc={rc} serial={serial[-80:]!r}"


def make_halting_bzimage():
    """Boot protocol 2.06 image: setup_sects=1, setup code 'cli; hlt; jmp hlt'."""
    setup = bytearray(2 * 512)
    setup[0x1F1] = 1                                  # setup_sects
    struct.pack_into("<H", setup, 0x1FE, 0xAA55)      # boot_flag
    setup[0x200:0x202] = bytes([0xEB, 0x280 - 0x202])  # jmp short to 0x280
    setup[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", setup, 0x206, 0x0206)      # protocol version
    setup[0x211] = 0x01                               # loadflags: LOADED_HIGH
    struct.pack_into("<I", setup, 0x214, KERNEL_ADDR)  # code32_start
    struct.pack_into("<I", setup, 0x22C, 0x37FFFFFF)  # initrd_addr_max
    struct.pack_into("<I", setup, 0x238, 255)         # cmdline_size
    setup[0x280:0x284] = bytes([0xFA, 0xF4, 0xEB, 0xFD])  # cli; hlt; jmp hlt
    kernel = random.Random(1).randbytes(3 * 4096 + 123)
    return bytes(setup), kernel


class Qmp:
    def __init__(self, path):
        for _ in range(100):
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                time.sleep(0.1)
        self.file = self.sock.makefile("rw")
        self.file.readline()                          # greeting
        self.cmd("qmp_capabilities")

    def cmd(self, name, **args):
        self.file.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        self.file.flush()
        while True:
            reply = json.loads(self.file.readline())
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise RuntimeError(reply["error"])

    def hmp(self, line):
        return self.cmd("human-monitor-command", **{"command-line": line})

    def read(self, tmp, addr, size):
        path = os.path.join(tmp, "pmem")
        self.cmd("pmemsave", val=addr, size=size, filename=path)
        return open(path, "rb").read()


def e820_ram_end(log, addr):
    """End of the RAM entry holding addr in SeaBIOS's final e820 dump, or 0."""
    for m in re.finditer(r"^\s+\d+: ([0-9a-f]{16}) - ([0-9a-f]{16}) = 1 RAM", log, re.M):
        start, end = int(m.group(1), 16), int(m.group(2), 16)
        if start <= addr < end:
            return end
    return 0


def boot_halting(tmp, rom, extra, name):
    """Boots the halting bzImage with an initrd and a command line and checks the entry
    state and memory. Returns (problems, ramdisk_image, end of its e820 RAM range)."""
    setup, kernel = make_halting_bzimage()
    image = os.path.join(tmp, "halt.bzimage")
    open(image, "wb").write(setup + kernel)
    initrd = random.Random(2).randbytes(5000)
    initrd_path = os.path.join(tmp, "initrd")
    open(initrd_path, "wb").write(initrd)
    cmdline = "vireo linuxboot layout test"
    qmp_path = os.path.join(tmp, name + ".qmp")
    dbg = os.path.join(tmp, name + ".dbg")
    cmd = QEMU + ["-L", tmp, "-monitor", "none", "-qmp", f"unix:{qmp_path},server=on,wait=off",
                  "-chardev", f"file,id=dbg,path={dbg}",
                  "-device", "isa-debugcon,iobase=0x402,chardev=dbg",
                  "-kernel", image, "-initrd", initrd_path, "-append", cmdline] + extra
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        qmp = Qmp(qmp_path)
        deadline = time.time() + TIMEOUT
        regs = ""
        while time.time() < deadline:
            regs = qmp.hmp("info registers")
            if "CS =1020" in regs and "HLT=1" in regs:
                break
            time.sleep(0.5)
        qmp.cmd("stop")
        problems = []
        want = {"CS": 0x1020, "DS": 0x1000, "ES": 0x1000, "FS": 0x1000, "GS": 0x1000,
                "SS": 0x1000}
        for seg, value in want.items():
            if not re.search(rf"^{seg} ={value:04x} ", regs, re.M):
                problems.append(f"{seg} != {value:#x}")
        for reg, value in {"EAX": 0, "EBX": 0, "ECX": 0, "EDX": 0, "ESI": 0, "EDI": 0,
                           "EBP": 0, "ESP": 0xFFF0, "EIP": 0x82}.items():
            if f"{reg}={value:08x}" not in regs:
                problems.append(f"{reg} != {value:#x}")
        efl = re.search(r"EFL=([0-9a-f]+)", regs)
        if efl is None or int(efl.group(1), 16) & 0x200:
            problems.append("IF set")
        got_setup = qmp.read(tmp, SETUP_ADDR, len(setup))
        if got_setup[0x280:0x284] != setup[0x280:0x284] or got_setup[0x202:0x206] != b"HdrS":
            problems.append("setup code differs")
        cmd_line_ptr, = struct.unpack_from("<I", got_setup, 0x228)
        if cmd_line_ptr != CMDLINE_ADDR:
            problems.append(f"cmd_line_ptr {cmd_line_ptr:#x}")
        if qmp.read(tmp, KERNEL_ADDR, len(kernel)) != kernel:
            problems.append("kernel differs")
        if qmp.read(tmp, CMDLINE_ADDR, len(cmdline) + 1) != cmdline.encode() + b"\0":
            problems.append("cmdline differs")
        ramdisk_image, ramdisk_size = struct.unpack_from("<II", got_setup, 0x218)
        if ramdisk_size != len(initrd) or qmp.read(tmp, ramdisk_image, len(initrd)) != initrd:
            problems.append(f"initrd differs (at {ramdisk_image:#x}, {ramdisk_size} bytes)")
        log = open(dbg, encoding="latin-1").read()
        ram_end = e820_ram_end(log, ramdisk_image)
        if ramdisk_image + ramdisk_size > ram_end:
            problems.append(f"initrd {ramdisk_image:#x}+{ramdisk_size} not in e820 RAM")
        if ramdisk_image < KERNEL_ADDR + len(kernel):
            problems.append("initrd overlaps the kernel")
        if not booted_our_bev(log, rom):
            problems.append("another BEV ran")
        qmp.cmd("quit")
        return problems, ramdisk_image, ram_end
    finally:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def case_layout(tmp, rom, _hello):
    problems, ramdisk_image, ram_end = boot_halting(tmp, rom, [], "layout")
    return not problems, ", ".join(problems) or (
        f"initrd at {ramdisk_image:#x}, RAM ends at {ram_end:#x}")


def case_relocate(tmp, rom, _hello):
    # 60 KB of SMBIOS OEM strings (type 11) grow SeaBIOS's tables at the top of RAM
    # (src/fw/biostables.c copies SMBIOS over 600 bytes to ZoneHigh) below the spot
    # QEMU picks for the initrd, so the ROM has to move the initrd down.
    smbios = []
    for _ in range(60):
        smbios += ["-smbios", "type=11,value=" + "x" * 1000]
    plain_problems, plain_image, _ = boot_halting(tmp, rom, [], "plain")
    problems, ramdisk_image, ram_end = boot_halting(tmp, rom, smbios, "relocate")
    problems += plain_problems
    if plain_image + 5000 <= ram_end:
        problems.append(f"SeaBIOS tables start at {ram_end:#x}: nothing to move")
    return not problems, ", ".join(problems) or (
        f"initrd moved {plain_image:#x} -> {ramdisk_image:#x}, RAM ends at {ram_end:#x}")


def case_no_kernel(tmp, rom, _hello):
    rc, serial, log = run(tmp, ["-option-rom", os.path.join(tmp, "linuxboot_dma.bin")],
                          "no-kernel")
    ok = "Vireo linuxboot: no kernel in fw_cfg" in serial and "No bootable device" in serial
    return ok and booted_our_bev(log, rom), f"rc={rc} serial={serial[-120:]!r}"


def case_no_dma(tmp, rom, hello):
    # With DMA off QEMU installs "linuxboot.bin": ours under that name too.
    shutil.copy(os.path.join(tmp, "linuxboot_dma.bin"), os.path.join(tmp, "linuxboot.bin"))
    rc, serial, log = run(tmp, ["-global", "fw_cfg_io.dma_enabled=off", "-kernel", hello],
                          "no-dma")
    ok = "Vireo linuxboot: fw_cfg has no DMA interface" in serial and "No bootable device" in serial
    return ok and booted_our_bev(log, rom), f"rc={rc} serial={serial[-120:]!r}"


def main(rom_path, hello):
    rom = open(rom_path, "rb").read()
    failed = 0
    print(f"accelerator: {ACCEL}" + ("" if ACCEL == "kvm" else " (/dev/kvm cannot be opened here)"))
    for name, case in [("hello", case_hello), ("layout", case_layout),
                       ("relocate", case_relocate), ("no-kernel", case_no_kernel),
                       ("no-dma", case_no_dma)]:
        with tempfile.TemporaryDirectory(prefix="vireo-linuxboot-") as tmp:
            shutil.copy(rom_path, os.path.join(tmp, "linuxboot_dma.bin"))
            start = time.time()
            try:
                ok, detail = case(tmp, rom, hello)
            except (OSError, RuntimeError, subprocess.TimeoutExpired) as e:
                ok, detail = False, repr(e)
            print(f"{'ok  ' if ok else 'FAIL'}  {name:10} {time.time() - start:6.2f}s  {detail}")
            failed |= not ok
    return failed


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: qemu_test.py ROM HELLO_GUEST")
    sys.exit(main(sys.argv[1], sys.argv[2]))
