/*
 * bench_display: the guest of bench/display.js. Finds the VMware SVGA II adapter
 * (15ad:0405) on PCI bus 0 through configuration mechanism #1, turns on I/O and memory
 * decode, negotiates SVGA_ID_2 and sets 1920x1080x32 (svga-display.md §1.2: WIDTH,
 * HEIGHT, BPP, then ENABLE = 1). It prints the mode the device took, writes milestone 2,
 * and then halts with interrupts off for good: no exits, so the benchmark measures the
 * host's display pipeline alone (it changes VRAM itself through the addon's writeVram).
 *
 *   bench_display: 1920x1080x32, pitch 7680, VRAM <bytes>, idle
 *
 * Fails (exit 1) without the adapter or when the mode does not take. Never ends on its
 * own: the benchmark stops the VM.
 *
 * qemu-check: skip never exits (a benchmark guest, run by npm run bench:display)
 */
#include "guest.h"

#define SVGA_VENDOR_DEVICE 0x040515adu /* device 0x0405 << 16 | vendor 0x15ad */
#define SVGA_ID_2 0x90000002u
enum { REG_ID = 0, REG_ENABLE = 1, REG_WIDTH = 2, REG_HEIGHT = 3, REG_BPP = 7, REG_BYTES_PER_LINE = 12,
       REG_VRAM_SIZE = 15 };
#define WIDTH 1920u
#define HEIGHT 1080u

static uint16_t io;

static uint32_t cfg_read(unsigned slot, unsigned reg)
{
	outl(0xcf8, 0x80000000u | slot << 11 | (reg & 0xfc));
	return inl(0xcfc);
}

static void cfg_write(unsigned slot, unsigned reg, uint32_t v)
{
	outl(0xcf8, 0x80000000u | slot << 11 | (reg & 0xfc));
	outl(0xcfc, v);
}

static uint32_t reg_read(uint32_t index)
{
	outl(io, index);
	return inl(io + 1);
}

static void reg_write(uint32_t index, uint32_t value)
{
	outl(io, index);
	outl(io + 1, value);
}

void guest_main(void)
{
	unsigned slot = 32;
	for (unsigned s = 0; s < 32; s++) {
		if (cfg_read(s, 0) == SVGA_VENDOR_DEVICE) {
			slot = s;
			break;
		}
	}
	if (slot == 32)
		fail("no VMware SVGA II adapter on PCI bus 0");
	uint32_t bar0 = cfg_read(slot, 0x10);
	if (!(bar0 & 1) || (bar0 & ~3u) == 0 || (bar0 & ~3u) > 0xffff)
		fail("BAR0 0x%x is not a placed I/O BAR", bar0);
	io = (uint16_t)(bar0 & ~3u);
	cfg_write(slot, 0x04, (cfg_read(slot, 0x04) & 0xffff) | 0x3); /* I/O + memory decode */

	reg_write(REG_ID, SVGA_ID_2);
	if (reg_read(REG_ID) != SVGA_ID_2)
		fail("SVGA_ID_2 refused (ID 0x%x)", reg_read(REG_ID));
	reg_write(REG_WIDTH, WIDTH);
	reg_write(REG_HEIGHT, HEIGHT);
	reg_write(REG_BPP, 32);
	reg_write(REG_ENABLE, 1);
	uint32_t w = reg_read(REG_WIDTH), h = reg_read(REG_HEIGHT), bpp = reg_read(REG_BPP);
	if (w != WIDTH || h != HEIGHT || bpp != 32)
		fail("mode %ux%ux%u instead of %ux%ux32", w, h, bpp, WIDTH, HEIGHT);
	printf("bench_display: %ux%ux%u, pitch %u, VRAM %u, idle\n", w, h, bpp, reg_read(REG_BYTES_PER_LINE),
	       reg_read(REG_VRAM_SIZE));
	milestone(2);
	for (;;) {
		cli();
		hlt();
	}
}
