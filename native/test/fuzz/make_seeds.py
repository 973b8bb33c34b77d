#!/usr/bin/env python3
"""Writes the seed corpora in corpus/<target>/: a few inputs per fuzz target that take the
device into its deep states (a valid AHCI command list, NVMe queues with a PRP list, a
virtqueue request chain, a FIFO command stream, a GuestRPC conversation, ...), encoded
in each target's op format (see the switch in <target>.cc; the op numbers below are the
case labels there). Run it after changing an op format; libFuzzer grows the corpus from
these in build/work/, which is not committed.
    python3 native/test/fuzz/make_seeds.py
"""
import hashlib
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def u8(*v): return bytes(x & 0xFF for x in v)
def u16(v): return struct.pack('<H', v & 0xFFFF)
def u32(v): return struct.pack('<I', v & 0xFFFFFFFF)
def u64(v): return struct.pack('<Q', v & 0xFFFFFFFFFFFFFFFF)
def gpa(v): return u32(v)  # below 8 MiB: the address itself (fuzz_guest.h Input::gpa)


def guest_write(addr, data):  # common op payload: gpa, length, bytes
    assert len(data) < 256
    return gpa(addr) + u8(len(data)) + data


def write(target, name, data):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


# --- AHCI: 4 start port, 5 command, 7 GHC ---------------------------------------------
def ahci_cmd(port, slot, cmd, lba, count, prdtl, flags, buf, prd_bytes, features=0):
    return (u8(5, port, slot, cmd, features) + u64(lba) + u16(count) + u8(prdtl, flags) +
            gpa(buf) + u16(prd_bytes - 1))


ahci_on = u8(7, 1) + u32(0x80000002)  # GHC.AE | IE
write('ahci_fuzz', 'disk-identify-read-write',
      ahci_on + u8(4, 0) + ahci_cmd(0, 0, 0xEC, 0, 1, 1, 0, 0x30000, 512) +
      ahci_cmd(0, 1, 0x25, 2, 2, 2, 0, 0x30000, 512) +
      ahci_cmd(0, 2, 0x35, 60, 4, 1, 0x40, 0x1FF000, 0x1000) +  # crosses the 2 MiB slot edge
      ahci_cmd(0, 3, 0xE7, 0, 0, 0, 0, 0, 1))
write('ahci_fuzz', 'cdrom-packets',
      ahci_on + u8(4, 1) + ahci_cmd(1, 0, 0xA1, 0, 1, 1, 0, 0x30000, 512) +
      ahci_cmd(1, 1, 0xA0, 0, 1, 1, 0x20, 0x30000, 2048, features=0x28) +   # READ(10)
      ahci_cmd(1, 2, 0xA0, 0, 36, 1, 0x20, 0x30000, 36, features=0x12) +    # INQUIRY
      ahci_cmd(1, 3, 0xA0, 0, 0, 0, 0x20, 0x30000, 2, features=0x00) +      # TEST UNIT READY
      ahci_cmd(1, 4, 0xA0, 0, 8, 1, 0x20, 0x30000, 8, features=0x25))       # READ CAPACITY
write('ahci_fuzz', 'empty-drive-and-errors',
      ahci_on + u8(4, 2) + ahci_cmd(2, 0, 0xA0, 0, 1, 1, 0x20, 0x30000, 2048, features=0x28) +
      u8(4, 0) + ahci_cmd(0, 0, 0x25, 1000, 1, 1, 0, 0x30000, 512) +     # past the end
      u8(6, 1) + ahci_cmd(0, 1, 0x25, 0, 1, 1, 0, 0x9F000, 512))        # I/O error, hole

# --- NVMe: 5 enable, 6 create I/O queues, 7 submit, 2 guest write ----------------------
def nvme_sub(q, op, nsid, prp1, prp2, slba, nlb, cdw11=None):
    tail = u8(0) if cdw11 is None else u8(1) + u32(cdw11)
    return u8(7, q, op, nsid) + gpa(prp1) + gpa(prp2) + u8(slba) + tail + u16(nlb)


prp_list = b''.join(u64(0x34000 + 0x1000 * i) for i in range(3))
write('nvme_fuzz', 'identify-and-io',
      u8(5) + nvme_sub(0, 0x06, 0, 0x30000, 0, 1, 0) + nvme_sub(0, 0x06, 1, 0x30000, 0, 0, 0) +
      u8(6) + nvme_sub(1, 0x02, 1, 0x30000, 0, 0, 0) + nvme_sub(1, 0x01, 1, 0x30000, 0x31000, 2, 15) +
      nvme_sub(1, 0x00, 1, 0, 0, 0, 0))
write('nvme_fuzz', 'prp-list',
      u8(5) + u8(6) + u8(2) + guest_write(0x32000, prp_list) +
      nvme_sub(1, 0x02, 1, 0x33000, 0x32000, 0, 31) +        # 16 KiB: PRP1 + a 3-entry list
      nvme_sub(1, 0x02, 1, 0x33800, 0x32000, 0, 31))         # offset PRP1
write('nvme_fuzz', 'admin-features-and-errors',
      u8(5) + nvme_sub(0, 0x09, 0, 0, 0, 7, 0, 0x000E000E) +  # number of queues
      nvme_sub(0, 0x0A, 0, 0, 0, 7, 0) + nvme_sub(0, 0x02, 0, 0x30000, 0, 2, 0x7F) +  # log page
      u8(6) + nvme_sub(1, 0x02, 1, 0x1FF800, 0, 60, 7) +       # crosses the slot edge
      u8(8, 1) + nvme_sub(1, 0x02, 1, 0x30000, 0, 0, 0))

# --- virtio-blk: byte 0 read-only flag; 4 init, 5 request --------------------------------
def vblk_req(head, typ, sector, ndata, data_len, flags=0, data_at=None):
    sec = u8(0) + u8(sector) if sector < 0x80 else u8(0x80) + u64(sector)
    at = u8(0) if data_at is None else u8(1) + gpa(data_at)
    return u8(5, head, typ) + sec + u8(ndata) + at + u16(data_len // 64) + u8(flags)


write('virtio_blk_fuzz', 'read-write-flush-id',
      u8(0) + u8(4, 4) + vblk_req(0, 0, 0, 1, 512) + vblk_req(3, 1, 1, 2, 1024) +
      vblk_req(6, 4, 0, 0, 0) + vblk_req(8, 8, 0, 1, 64))
write('virtio_blk_fuzz', 'read-only-and-edges',
      u8(1) + u8(4, 8) + vblk_req(0, 1, 0, 1, 512) +          # OUT on a read-only disk
      vblk_req(5, 0, 63, 1, 1024) +                           # past the end
      vblk_req(9, 0, 0, 1, 4096, data_at=0x1FF800) +          # data across the slot edge
      vblk_req(12, 0, 0, 1, 512, data_at=0xC0000))            # into ROM
write('virtio_blk_fuzz', 'ring-wrap',
      u8(0) + u8(4, 2) + b''.join(vblk_req(i % 4, 0, i, 1, 512) for i in range(6)) + u8(9) + u8(4, 4))

# --- IDE: 3 task file + command, 2 data burst, 4 ATAPI packet ---------------------------
def ide_cmd(chan, dh, feat, cmd, count, lba):
    return u8(3, chan, dh, feat, cmd) + u16(count) + u64(lba)


def ide_burst(chan, write, words):
    return u8(2, chan, 1 if write else 0, 0, words // 4 - 1)


write('ide_fuzz', 'disk-pio',
      ide_cmd(0, 0xA0, 0, 0xEC, 0, 0) + ide_burst(0, False, 256) +
      ide_cmd(0, 0xE0, 0, 0x20, 1, 3) + ide_burst(0, False, 256) +
      ide_cmd(0, 0xE0, 0, 0x30, 2, 5) + ide_burst(0, True, 512) +
      ide_cmd(0, 0x40, 0, 0x24, 1, 7) + ide_burst(0, False, 256) +
      ide_cmd(0, 0xE0, 3, 0xC6, 4, 0) + ide_cmd(0, 0xE0, 0, 0xC4, 4, 0) + ide_burst(0, False, 1024))
write('ide_fuzz', 'atapi',
      ide_cmd(0, 0xB0, 0, 0xA1, 0, 0) + ide_burst(0, False, 256) +
      u8(4, 0, 0x10, 0x00, 0x08) + bytes([0x28, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0]) + ide_burst(0, False, 1024) +
      u8(4, 0, 0x10, 0x24, 0x00) + bytes([0x12, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0]) + ide_burst(0, False, 20) +
      u8(4, 1, 0x00, 0x00, 0x08) + bytes([0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) + ide_burst(1, False, 4))
write('ide_fuzz', 'errors-and-reset',
      ide_cmd(0, 0xE0, 0, 0x20, 1, 1000) + u8(6, 1) + ide_cmd(0, 0xE0, 0, 0x20, 1, 0) +
      u8(0, 8, 0) + u32(0x04) + u8(0, 8, 0) + u32(0x00) +     # SRST through 0x3F6
      ide_cmd(1, 0xA0, 0, 0xEC, 0, 0) + u8(7))

# --- fw_cfg: 3 select, 1 read burst, 4 DMA ---------------------------------------------
def fw_dma(desc, control_low, select_file, length, address, how=0):
    sel = u8(1, select_file) if select_file is not None else u8(0, 0)
    ln = u8(0) + u16(length) if length < 0x10000 else u8(1) + u32(length)
    return u8(4) + gpa(desc) + u16(control_low) + sel + ln + gpa(address) + u8(how)


write('fw_cfg_fuzz', 'signature-and-directory',
      u8(3, 0, 0x00, 0) + u8(1, 1, 0, 3) + u8(3, 0, 0x19, 0) + u8(1, 1, 0, 255) +
      u8(3, 1, 2, 0) + u8(1, 1, 0, 40))
write('fw_cfg_fuzz', 'dma-file-reads',
      fw_dma(0x1000, 0x0A, 2, 5000, 0x10000) + fw_dma(0x1000, 0x0C, 2, 100, 0) +
      fw_dma(0x1000, 0x02, None, 16, 0x20000, 1) + fw_dma(0x2000, 0x0A, 0, 40, 0x1FFFF0, 2))
write('fw_cfg_fuzz', 'dma-edges',
      fw_dma(0x9EFF8, 0x0A, 2, 64, 0x30000) + fw_dma(0x1000, 0x0A, 2, 0xFFFFFFFF, 0x9F000 - 8) +
      fw_dma(0x1000, 0x0A, 2, 64, 0xC0000) + fw_dma(0x1000, 0x12, 1, 4, 0x30000) +
      u8(5) + gpa(0x3FFFF8))

# --- i8042: 2 command + argument, 0/1 port access, 3-5 host input ----------------------
write('i8042_fuzz', 'init-like-linux',
      u8(2, 0x60, 0x47, 0xFF) + u8(0, 1, 0) + u8(0xAA, 0, 0, 0, 0) + u8(1, 0, 0, 0) +
      u8(0, 0, 0) + u8(0xF4, 0, 0, 0, 0) + u8(1, 0, 0, 0) +
      u8(2, 0xD4, 0xF4, 0) + u8(1, 0, 0, 0) + u8(4) + u16(0x001C) + u8(1, 0) +
      u8(5) + u16(5) + u16(0xFFFD) + u8(1, 0xFF))
write('i8042_fuzz', 'keyboard-commands',
      u8(0, 0, 0) + u8(0xF0, 0, 0, 0, 0) + u8(0, 0, 0) + u8(0x01, 0, 0, 0, 0) +
      u8(3, 4, 0x1C, 0xF0, 0x1C, 0xE0, 0) + u8(0, 0, 0) + u8(0xED, 0, 0, 0, 0) +
      u8(0, 0, 0) + u8(0x07, 0, 0, 0, 0xFF) + u8(2, 0xD2, 0x42, 0) + u8(2, 0xFE, 0, 0))

# --- UART: 0 write reg, 1 read reg, 2 receive, 3 sink room -----------------------------
write('uart_fuzz', 'init-and-traffic',
      u8(0, 3, 0, 0x80, 0, 0, 0) + u8(0, 0, 0, 1, 0, 0, 0) + u8(0, 3, 0, 0x03, 0, 0, 0) +
      u8(0, 2, 0, 0xC7, 0, 0, 0) + u8(0, 1, 0, 0x0F, 0, 0, 0) + u8(0, 4, 0, 0x0B, 0, 0, 0) +
      u8(0, 0, 0, 0x41, 0, 0, 0) * 3 + u8(3, 0) + u8(0, 0, 0, 0x42, 0, 0, 0) * 20 +
      u8(3, 16) + u8(4) + u8(2, 20) + b'x' * 20 + u8(1, 0, 0, 19) + u8(1, 2, 0, 3) + u8(1, 5, 0, 2))
write('uart_fuzz', 'loopback',
      u8(0, 4, 0, 0x10, 0, 0, 0) + u8(0, 0, 0, 0x55, 0, 0, 0) * 18 + u8(1, 5, 0, 1) + u8(1, 0, 0, 19))

# --- CMOS: clock, RAM sizes, CPUs; 0 write index/value, 1 read --------------------------
cmos_head = u32(1764000000 // 2) + u32(0x7FF00) + u16(0) + u8(2)
write('cmos_fuzz', 'read-time-bcd-and-binary',
      cmos_head + b''.join(u8(1, i) for i in (0, 2, 4, 6, 7, 8, 9, 0x32, 0x0A, 0x0B, 0x0D, 0x34)) +
      u8(0, 0x0B, 0x06) + b''.join(u8(1, i) for i in (0, 2, 4, 7, 8, 9)))
write('cmos_fuzz', 'set-time-like-linux',
      cmos_head + u8(0, 0x0B, 0x82) + u8(0, 0, 0x59) + u8(0, 2, 0x59) + u8(0, 4, 0x23) +
      u8(0, 7, 0x31) + u8(0, 8, 0x12) + u8(0, 9, 0x99) + u8(0, 0x32, 0x19) + u8(0, 0x0B, 0x02) +
      u8(1, 9) + u8(1, 0x32) + u8(0, 0x0B, 0x80) + u8(0, 4, 0x92) + u8(0, 0x0B, 0x00) + u8(1, 4) + u8(4))

# --- PCI: 0 latch, 1/2 data, 4 assign_resources, 5 BAR access ---------------------------
def pci_latch(slot, reg): return u8(0, 0, slot, reg, 0, 2)          # 32-bit write to 0xCF8
def pci_data_w(value, port=4, width_code=2): return u8(1, port, width_code) + u32(value)
def pci_data_r(port=4, width_code=2): return u8(2, port, width_code)


sizing = b''
for slot in (1, 5):
    for bar in range(6):
        sizing += pci_latch(slot, 0x10 + 4 * bar) + pci_data_w(0xFFFFFFFF) + pci_data_r()
    sizing += pci_latch(slot, 0x30) + pci_data_w(0xFFFFF800) + pci_data_r()
write('pci_fuzz', 'enumerate-and-size',
      b''.join(pci_latch(s, 0) + pci_data_r() for s in range(8)) + sizing)
write('pci_fuzz', 'program-bars-and-decode',
      pci_latch(1, 0x10) + pci_data_w(0xC001) + pci_latch(1, 0x14) + pci_data_w(0xE0000000) +
      pci_latch(1, 0x18) + pci_data_w(0xE0100000) + pci_latch(1, 0x1C) + pci_data_w(0xE0200000) +
      pci_latch(1, 0x30) + pci_data_w(0xE0400001) + pci_latch(1, 0x04) + pci_data_w(0x0007) +
      u8(5, 1, 0, 0, 0, 2, 1) + u8(5, 1, 1, 0xFE, 1, 3, 0) + u8(5, 1, 2, 0, 0, 2, 1) +
      u8(6, 1) + u8(6, 0, 1))
write('pci_fuzz', 'assign-resources',
      u8(4) + u16(0xC000) + u32(0xE0000000) + u32(0xFEC00000) + u8(5, 2, 0, 0x10, 0, 2, 0) +
      u8(5, 1, 3, 0xF0, 1, 3, 1) + u8(4) + u16(0xFFF0) + u32(0xFEBFF000) + u32(0xFEC00000) + u8(6, 0, 2))

# --- SVGA: 0 register write, 3 FIFO setup, 4 command, 6 mode, 8 SYNC, 9/10 host side ----
def svga_reg(index, value):
    assert index < 48
    return u8(0, index) + u8(1) + u32(value)


def svga_cmd(opcode_index, args, cursor=None):
    body = u8(4, 0, opcode_index)
    if cursor is not None:
        body += u8(*cursor)
    body += u8(len(args))
    for a in args:
        body += u8(1) + u32(a)
    return body


svga_on = (svga_reg(0, 0x90000002) + svga_reg(2, 320) + svga_reg(3, 240) + svga_reg(7, 32) +
           svga_reg(1, 1) + u8(3, 1, 1))
write('svga_fuzz', 'fifo-commands',
      svga_on + svga_cmd(0, [0, 0, 320, 240]) + svga_cmd(1, [0xFF00FF, 10, 10, 50, 40]) +
      svga_cmd(2, [0, 0, 100, 100, 60, 60]) + svga_cmd(6, [7]) + svga_cmd(5, [1, 2, 3, 4, 5]) +
      svga_cmd(7, [8, 0x12]) + svga_cmd(8, [1, 8]) + u8(8) + u8(10, 0) + u8(10, 1))
write('svga_fuzz', 'cursors',
      svga_on + svga_cmd(4, [0xFF0000FF] * 4, cursor=(1, 0, 0, 2, 2)) +
      svga_cmd(3, [0] * 2 + [0xFFFFFFFF] * 4, cursor=(2, 1, 1, 2, 2, 1, 32)) +
      svga_reg(24, 2) + svga_reg(25, 100) + svga_reg(26, 50) + svga_reg(27, 1) + u8(8) +
      u8(9, 2, 0) + u8(10, 0))
write('svga_fuzz', 'pitchlock-8bpp-palette',
      svga_reg(32, 1283) + svga_reg(2, 300) + svga_reg(3, 200) + svga_reg(7, 8) + svga_reg(1, 1) +
      u8(0, 220) + u16(5) + u8(1) + u32(0xFF) + u8(3, 1, 1) + svga_cmd(1, [3, 0, 0, 300, 200]) +
      u8(8) + u8(10, 2) + u8(6) + u16(320) + u16(240) + u8(32, 1) + u8(10, 1))

# --- VGA/VBE: 5 VBE mode, 2 indexed register, 6 window/VRAM write, 8 frame -------------
write('vga_fuzz', 'text-mode',
      u8(6, 1) + u32(0x18000) + u8(8) + b'H\x07i\x07!\x07\x00\x07' + u8(2, 2, 0x0E, 0) +
      u8(2, 2, 0x0F, 3) + u8(8, 0) + u8(2, 0, 0x02, 0x04) + u8(6, 1) + u32(32 * 65) + u8(16) +
      b'\xff' * 16 + u8(8, 1))
write('vga_fuzz', 'mode-13h',
      u8(0, 0x3C2 - 0x3B4, 0) + u16(0x63) + u8(2, 0, 0x04, 0x0E) + u8(2, 1, 0x05, 0x40) +
      u8(2, 1, 0x06, 0x05) + u8(3, 0x10, 0x41, 1, 63, 0, 0) + u8(6, 1) + u32(0) + u8(64) +
      bytes(range(64)) + u8(8, 0))
write('vga_fuzz', 'vbe-modes',
      u8(5) + u16(320) + u16(240) + u8(4) + u16(320) + u16(0) + u16(0) + u8(0x41) +
      u8(6, 0) + u32(0) + u8(128) + b'\x80' * 128 + u8(8, 0) +
      u8(5) + u16(200) + u16(100) + u8(0) + u16(256) + u16(8) + u16(16) + u8(0x61) + u8(8, 1) +
      u8(7, 1) + u16(320) + u16(200) + u8(4, 1, 4) + u16(0) + u8(8, 2))

# --- backdoor: 0 LB call, 2 conversation, 3 raw HB, 4 memory/translation, 5 host ---------
def lb(cmd_index, typ=0, rbx=0, rbp=0, pick=0):
    return u8(0, pick, cmd_index, typ) + u32(rbx) + u32(rbp) + u8(0)


def convo(pick, n, send_how, send_payload, reply, recv_how, status=1):
    b = u8(2, pick) + (u16(n) if pick & 0x10 else u8(n)) + u8(send_how)
    if send_how & 0x80:
        b += send_payload
    else:
        b += u8(1) + gpa(0x5000 - 16)  # across a page boundary
    b += u8(0) + u8(reply)
    b += u8(recv_how)
    if not recv_how & 0x80:
        b += u8(1) + gpa(0x7000 - 8)
        if recv_how % 3:
            b += u8(16)
    return b + u8(status)


write('backdoor_fuzz', 'lb-commands',
      lb(7) + lb(0) + lb(12) + lb(21) + lb(22) + lb(10) + lb(11) + lb(9) + lb(27) + lb(24) +
      lb(18, rbx=0x45414552) + lb(17) + lb(16, rbx=4) + lb(5, rbx=5) + lb(6, rbx=0x64636261) +
      u8(5, 0) + u16(10) + u8(0) + lb(3) + lb(4) + lb(4))
write('backdoor_fuzz', 'rpci-lb-and-hb',
      convo(0x04, 20, 0x80, b'info-get guestinfo.x', 16, 0x80) +
      convo(0x00, 100, 0x00, b'', 200, 0x00) + convo(0x00, 33, 0x01, b'', 40, 0x02) +
      convo(0x20, 8, 0x80, b'abcdefgh', 0, 0x80))
write('backdoor_fuzz', 'tclo-and-host-events',
      convo(0x0D, 0, 0x80, b'', 12, 0x80) + convo(0x01, 7, 0x80, b'OK ATR\0', 30, 0x80) +
      u8(5, 4) + convo(0x01, 3, 0x80, b'OK\0\0', 5, 0x80) + u8(5, 5) + u8(4, 0, 2) +
      convo(0x06, 50, 0x00, b'', 9, 0x00))

# --- ACPI PM: head u64 clock; 0 write (offset, 8 bytes, width), 1 read (offset, width),
# 2 power button, 3 clock step, 4 reset -------------------------------------------------
def pm_out(offset, value, width):
    return u8(0, offset) + u64(value) + u8({1: 0, 2: 1, 4: 2}[width])


write('acpi_pm_fuzz', 'button-enable-ack',
      u64(10**9) + u8(2) + pm_out(2, 0x0100, 2) + pm_out(0, 0x0100, 2))
write('acpi_pm_fuzz', 's5-like-linux',
      u64(0) + pm_out(4, 0x0001, 2) + pm_out(4, 0x2001, 2))
write('acpi_pm_fuzz', 'timer-reads',
      u64(2**40) + u8(1, 8, 2) + u8(3, 1) + u32(123456) + u8(1, 8, 2))

if __name__ == '__main__':
    for target in sorted(os.listdir(os.path.join(HERE, 'corpus'))):
        n = len(os.listdir(os.path.join(HERE, 'corpus', target)))
        print(f'{target}: {n} seeds')
