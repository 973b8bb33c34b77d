/*
 * svga_text: the legacy side of the display adapter, without a VGA BIOS:
 *   - VGA registers: misc output read back (0x3CC), CRTC through 16-bit outw index+data
 *     (cursor location 0x0E/0x0F), sequencer and graphics controller the same way, DAC
 *     write/read auto-increment, attribute controller flip-flop reset by 0x3DA
 *   - Bochs VBE (DISPI, 0x1CE/0x1CF): ID 0xB0C0..0xB0C5 negotiation, GETCAPS, a 640x480x32
 *     LFB mode whose framebuffer is BAR1 of 15ad:0405 (pixels written and read back),
 *     then VBE off again
 *   - text at 0xB8000, left on screen for a host screenshot (milestone 2 marks it):
 *       row 0,  col 0:  "Vireo VGA text mode"        attribute 0x1f (white on blue)
 *       row 2,  col 0:  "0123456789 ABCDEF abcdef"  attribute 0x07 (grey on black)
 *       row 24, col 70: "END"                        attribute 0x4e (yellow on red)
 *       hardware cursor at row 2, col 24 (after the second line)
 *     With Vireo's 8x16 cells: cell (c, r) covers x 8c..8c+7, y 16r..16r+15; the cell
 *     background shows at the cell's bottom-right pixel for these characters, e.g.
 *     (7, 15) = 0x0000aa, (8 * 72 + 7, 16 * 24 + 15) = 0xaa0000.
 *
 * qemu-check: skip needs the VMware adapter: run `qemu-run.sh svga_text -vga vmware`
 */
#include "guest.h"

#include "pci.h"

#define VBE_INDEX 0x1ce
#define VBE_DATA 0x1cf
enum { VBE_ID, VBE_XRES, VBE_YRES, VBE_BPP, VBE_ENABLE, VBE_BANK, VBE_VIRT_WIDTH, VBE_VIRT_HEIGHT };
#define VBE_ENABLED 0x01
#define VBE_GETCAPS 0x02
#define VBE_LFB 0x40

static volatile uint16_t *const text = (volatile uint16_t *)0xb8000;

static uint16_t vbe_read(uint16_t index)
{
	outw(VBE_INDEX, index);
	return inw(VBE_DATA);
}

static void vbe_write(uint16_t index, uint16_t value)
{
	outw(VBE_INDEX, index);
	outw(VBE_DATA, value);
}

static uint8_t crtc_read(uint8_t index)
{
	outb(0x3d4, index);
	return inb(0x3d5);
}

static void put(unsigned col, unsigned row, const char *s, uint8_t attr)
{
	volatile uint16_t *p = text + row * 80 + col;
	while (*s)
		*p++ = (uint16_t)(attr << 8 | (uint8_t)*s++);
}

static volatile uint32_t *svga_lfb(void)
{
	unsigned slot;
	for (slot = 0; slot < 32; slot++) {
		if (pci_cfg_read(slot << 3, 0x00) == 0x040515adu)
			return (volatile uint32_t *)(uintptr_t)(pci_cfg_read(slot << 3, 0x14) & ~0xfu);
	}
	fail("no 15ad:0405 on bus 0");
}

static void check_vga_registers(void)
{
	uint8_t v;
	outb(0x3c2, 0x67); /* color: CRTC at 0x3D4 */
	if ((v = inb(0x3cc)) != 0x67)
		fail("misc output reads %02x, want 67", v);
	outw(0x3d4, 0x070e); /* cursor location high */
	outw(0x3d4, 0xd00f); /* low: 0x07d0 = row 25 col 0 for now */
	if (crtc_read(0x0e) != 0x07 || crtc_read(0x0f) != 0xd0)
		fail("CRTC cursor location reads %02x%02x", crtc_read(0x0e), crtc_read(0x0f));
	outw(0x3c4, 0x0302); /* SR02 map mask = planes 0, 1 (text) */
	outb(0x3c4, 0x02);
	if ((v = inb(0x3c5)) != 0x03)
		fail("SR02 reads %02x", v);
	outw(0x3ce, 0x0e06); /* GR06: B8000, odd/even, text */
	outb(0x3ce, 0x06);
	if ((v = inb(0x3cf)) != 0x0e)
		fail("GR06 reads %02x", v);
	/* DAC entry 0x40 := (1, 2, 3), 0x41 := (4, 5, 6); read back from 0x41. */
	outb(0x3c8, 0x40);
	for (v = 1; v <= 6; v++)
		outb(0x3c9, v);
	outb(0x3c7, 0x41);
	if (inb(0x3c9) != 4 || inb(0x3c9) != 5 || inb(0x3c9) != 6)
		fail("DAC read back mismatch");
	/* Attribute controller: after a 0x3DA read the next 0x3C0 write is an index. */
	inb(0x3da);
	outb(0x3c0, 0x12);   /* color plane enable */
	outb(0x3c0, 0x0f);
	outb(0x3c0, 0x32);   /* index 0x12 again with the palette-address-source bit */
	if ((v = inb(0x3c1)) != 0x0f)
		fail("attribute 0x12 reads %02x", v);
	outb(0x3c0, 0x0f);   /* data write closes the pair */
	printf("svga_text: VGA registers ok\n");
}

static void check_vbe(void)
{
	volatile uint32_t *lfb = svga_lfb();
	uint16_t id, xmax;

	vbe_write(VBE_ID, 0xb0c0);
	if ((id = vbe_read(VBE_ID)) != 0xb0c0)
		fail("DISPI ID reads %04x after writing b0c0", id);
	vbe_write(VBE_ID, 0xb0c5);
	vbe_write(VBE_ENABLE, VBE_GETCAPS);
	xmax = vbe_read(VBE_XRES);
	vbe_write(VBE_ENABLE, 0);
	if (xmax < 640)
		fail("DISPI max xres %u", xmax);
	vbe_write(VBE_XRES, 640);
	vbe_write(VBE_YRES, 480);
	vbe_write(VBE_BPP, 32);
	vbe_write(VBE_ENABLE, VBE_ENABLED | VBE_LFB);
	if (vbe_read(VBE_VIRT_WIDTH) != 640 || vbe_read(VBE_XRES) != 640)
		fail("DISPI 640x480x32: virt width %u", vbe_read(VBE_VIRT_WIDTH));
	lfb[0] = 0x00ff0000;
	lfb[479 * 640 + 639] = 0x0000ff00;
	if (lfb[0] != 0x00ff0000 || lfb[479 * 640 + 639] != 0x0000ff00)
		fail("LFB at %p does not hold pixels", (void *)lfb);
	vbe_write(VBE_ENABLE, 0);
	printf("svga_text: VBE 640x480x32 LFB at %p ok (max xres %u)\n", (void *)lfb, xmax);
}

void guest_main(void)
{
	unsigned i;

	milestone(1);
	check_vbe();
	check_vga_registers();
	for (i = 0; i < 80 * 25; i++)
		text[i] = 0x0720;
	put(0, 0, "Vireo VGA text mode", 0x1f);
	put(0, 2, "0123456789 ABCDEF abcdef", 0x07);
	put(70, 24, "END", 0x4e);
	outw(0x3d4, 0x000e); /* cursor at row 2, col 24: 2 * 80 + 24 = 0x00b8 */
	outw(0x3d4, 0xb80f);
	if (text[0] != 0x1f56 || text[24 * 80 + 72] != 0x4e44)
		fail("text memory reads %04x / %04x", text[0], text[24 * 80 + 72]);
	milestone(2);
	pass();
}
