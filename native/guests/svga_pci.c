/*
 * svga_pci: enumerates PCI bus 0 through configuration mechanism #1 (0xCF8/0xCFC), the
 * way Linux does with pci=conf1, finds the VMware SVGA II function (15ad:0405), checks
 * its configuration space and BARs, and talks to it through BAR0.
 *
 *   - every present function on bus 0: vendor:device, class, header type printed
 *   - 0xCF8 reads back 0x80000000 (Linux's pci_check_type1)
 *   - SVGA: class 0x030000, subsystem 15ad:0405, COMMAND has I/O and memory decode
 *   - BAR0 I/O, BAR1 and BAR2 32-bit memory; sizes found by the all-ones write with
 *     decode off (as Linux does), powers of two, BAR values restored afterwards
 *   - BAR3-5 read 0 and stay 0 after an all-ones write
 *   - SVGA_REG_ID negotiation (write SVGA_ID_2, read it back), FB_START == BAR1,
 *     MEM_START == BAR2, VRAM_SIZE <= BAR1 size, MEM_SIZE <= BAR2 size
 *
 * qemu-check: skip needs the VMware adapter: run `qemu-run.sh svga_pci -vga vmware`
 */
#include "guest.h"

#include "pci.h"

#define CF8 0xcf8
#define SVGA_VENDOR 0x15ad
#define SVGA_DEVICE 0x0405
#define SVGA_ID_2 0x90000002u
#define REG_ID 0
#define REG_FB_START 13
#define REG_VRAM_SIZE 15
#define REG_MEM_START 18
#define REG_MEM_SIZE 19

static int is_pow2(uint32_t v) { return v && !(v & (v - 1)); }

void guest_main(void)
{
	unsigned slot, svga = 32, i;
	uint32_t bar[3], size[3], v;
	uint16_t io;

	outl(CF8, 0x80000000u);
	if (inl(CF8) != 0x80000000u)
		fail("0xCF8 does not read back 0x80000000: no configuration mechanism #1");
	for (slot = 0; slot < 32; slot++) {
		uint32_t id = pci_cfg_read(slot << 3, 0x00);
		if ((id & 0xffff) == 0xffff)
			continue;
		printf("pci 00:%02x.0 %04x:%04x class %06x header %02x\n", slot, id & 0xffff, id >> 16,
		       pci_cfg_read(slot << 3, 0x08) >> 8, (pci_cfg_read(slot << 3, 0x0c) >> 16) & 0xff);
		if (id == (SVGA_DEVICE << 16 | SVGA_VENDOR) && svga == 32)
			svga = slot;
	}
	if (svga == 32)
		fail("no 15ad:0405 on bus 0");
	if (pci_cfg_read(svga << 3, 0x08) >> 8 != 0x030000)
		fail("SVGA class is %06x, want 030000", pci_cfg_read(svga << 3, 0x08) >> 8);
	if (pci_cfg_read(svga << 3, 0x2c) != (SVGA_DEVICE << 16 | SVGA_VENDOR))
		fail("SVGA subsystem is %08x", pci_cfg_read(svga << 3, 0x2c));
	if ((pci_cfg_read16(svga << 3, 0x04) & 3) != 3)
		fail("SVGA COMMAND %04x lacks I/O or memory decode", pci_cfg_read16(svga << 3, 0x04));

	for (i = 0; i < 3; i++) {
		size[i] = pci_bar_size(svga << 3, 0x10 + 4 * i, &bar[i]);
		printf("svga BAR%u = %08x (%s%s), size %x\n", i, bar[i], (bar[i] & 1) ? "io" : "mem",
		       (!(bar[i] & 1) && (bar[i] & 8)) ? ", prefetchable" : "", size[i]);
		if (!is_pow2(size[i]))
			fail("BAR%u size %x is not a power of two", i, size[i]);
	}
	if (!(bar[0] & 1) || (bar[1] & 1) || (bar[2] & 1) || (bar[1] & 6) || (bar[2] & 6))
		fail("BAR types: want BAR0 I/O, BAR1/BAR2 32-bit memory");
	for (i = 3; i < 6; i++) {
		if (pci_bar_size(svga << 3, 0x10 + 4 * i, &v) || v)
			fail("BAR%u is implemented (%08x)", i, v);
	}

	io = (uint16_t)(bar[0] & ~3u);
	outl(io, REG_ID);
	outl(io + 1, SVGA_ID_2);
	outl(io, REG_ID);
	if ((v = inl(io + 1)) != SVGA_ID_2)
		fail("SVGA_REG_ID reads %08x after writing SVGA_ID_2", v);
	outl(io, REG_FB_START);
	if ((v = inl(io + 1)) != (bar[1] & ~0xfu))
		fail("FB_START %08x != BAR1", v);
	outl(io, REG_MEM_START);
	if ((v = inl(io + 1)) != (bar[2] & ~0xfu))
		fail("MEM_START %08x != BAR2", v);
	outl(io, REG_VRAM_SIZE);
	v = inl(io + 1);
	printf("svga VRAM_SIZE %x", v);
	if (v == 0 || v > size[1])
		fail("VRAM_SIZE %x does not fit BAR1 (%x)", v, size[1]);
	outl(io, REG_MEM_SIZE);
	v = inl(io + 1);
	printf(", MEM_SIZE %x\n", v);
	if (v == 0 || v > size[2])
		fail("MEM_SIZE %x does not fit BAR2 (%x)", v, size[2]);
	pass();
}
