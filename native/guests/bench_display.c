/*
 * bench_display: the guest of bench/display.js. Finds the VMware SVGA II adapter
 * (15ad:0405) on PCI bus 0 through configuration mechanism #1, turns on I/O and memory
 * decode, negotiates SVGA_ID_2 and sets 1920x1080x32 (docs/svga-display.md §1.2: WIDTH,
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

#include "pci.h"
#include "svga_io.h"

#define SVGA_VENDOR_DEVICE 0x040515adu /* device 0x0405 << 16 | vendor 0x15ad */
#define SVGA_ID_2 0x90000002u
enum { REG_ID = 0, REG_ENABLE = 1, REG_WIDTH = 2, REG_HEIGHT = 3, REG_BPP = 7, REG_BYTES_PER_LINE = 12,
       REG_VRAM_SIZE = 15 };
#define WIDTH 1920u
#define HEIGHT 1080u

static uint16_t io;

void guest_main(void)
{
	unsigned slot = 32;
	for (unsigned s = 0; s < 32; s++) {
		if (pci_cfg_read(s << 3, 0) == SVGA_VENDOR_DEVICE) {
			slot = s;
			break;
		}
	}
	if (slot == 32)
		fail("no VMware SVGA II adapter on PCI bus 0");
	uint32_t bar0 = pci_cfg_read(slot << 3, 0x10);
	if (!(bar0 & 1) || (bar0 & ~3u) == 0 || (bar0 & ~3u) > 0xffff)
		fail("BAR0 0x%x is not a placed I/O BAR", bar0);
	io = (uint16_t)(bar0 & ~3u);
	pci_cfg_write(slot << 3, 0x04, (pci_cfg_read(slot << 3, 0x04) & 0xffff) | 0x3); /* I/O + memory decode */

	svga_reg_write(io, REG_ID, SVGA_ID_2);
	if (svga_reg_read(io, REG_ID) != SVGA_ID_2)
		fail("SVGA_ID_2 refused (ID 0x%x)", svga_reg_read(io, REG_ID));
	svga_reg_write(io, REG_WIDTH, WIDTH);
	svga_reg_write(io, REG_HEIGHT, HEIGHT);
	svga_reg_write(io, REG_BPP, 32);
	svga_reg_write(io, REG_ENABLE, 1);
	uint32_t w = svga_reg_read(io, REG_WIDTH), h = svga_reg_read(io, REG_HEIGHT), bpp = svga_reg_read(io, REG_BPP);
	if (w != WIDTH || h != HEIGHT || bpp != 32)
		fail("mode %ux%ux%u instead of %ux%ux32", w, h, bpp, WIDTH, HEIGHT);
	printf("bench_display: %ux%ux%u, pitch %u, VRAM %u, idle\n", w, h, bpp, svga_reg_read(io, REG_BYTES_PER_LINE),
	       svga_reg_read(io, REG_VRAM_SIZE));
	milestone(2);
	for (;;) {
		cli();
		hlt();
	}
}
