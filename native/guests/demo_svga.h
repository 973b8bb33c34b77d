/*
 * demo_svga.h: the demo guest's VMware SVGA II driver (docs/svga-display.md §1.2-1.5). Included
 * once, by demo.c: the Makefile builds every *.c in this folder as a guest of its own, so
 * the demo's helpers are headers.
 *
 *   svga_probe()                 finds 15ad:0405 on PCI bus 0 through configuration
 *                                mechanism #1 (0xCF8/0xCFC), turns on I/O + memory decode,
 *                                negotiates SVGA_ID_2, configures the FIFO (BAR2) and
 *                                finds out which FIFO drawing commands really work
 *   svga_set_mode(&w, &h)        WIDTH/HEIGHT (+ BPP 32 with 8BIT_EMULATION), ENABLE = 1;
 *                                the size is clamped to MAX_WIDTH/MAX_HEIGHT, the VRAM
 *                                and a 320x240 minimum, and written back
 *   svga_fill(color, x, y, w, h) clipped to the mode: FIFO RECT_FILL; without it, CPU
 *                                stores (plus RECT_COPY doubling for large areas)
 *   svga_present()               FIFO UPDATE of everything filled since the last call,
 *                                then REG_SYNC so the host drains the FIFO now
 *   fifo_reserve(n), fifo_commit(n), damage(x, y, w, h)
 *                                for callers that write many fills at once (text)
 *
 * svga_probe() tests RECT_FILL and RECT_COPY on one pixel each instead of trusting the
 * capability bits: QEMU 7.2's vmware-svga advertises both but skips a command ("Unknown
 * command 0x02") that does not fit its display surface, which keeps the size of the
 * previous mode until a display refresh (none at all with -display none).
 */
#ifndef DEMO_SVGA_H
#define DEMO_SVGA_H

#include "guest.h"
#include "pci.h"
#include "svga_io.h"

#define SVGA_ID_2 0x90000002u
enum {
	SVGA_REG_ID = 0, SVGA_REG_ENABLE = 1, SVGA_REG_WIDTH = 2, SVGA_REG_HEIGHT = 3,
	SVGA_REG_MAX_WIDTH = 4, SVGA_REG_MAX_HEIGHT = 5, SVGA_REG_BPP = 7,
	SVGA_REG_BYTES_PER_LINE = 12, SVGA_REG_VRAM_SIZE = 15, SVGA_REG_CAPABILITIES = 17,
	SVGA_REG_MEM_SIZE = 19, SVGA_REG_CONFIG_DONE = 20, SVGA_REG_SYNC = 21,
	SVGA_REG_BUSY = 22, SVGA_REG_MEM_REGS = 30,
};
#define SVGA_CAP_RECT_FILL 0x00000001u
#define SVGA_CAP_RECT_COPY 0x00000002u
#define SVGA_CAP_8BIT_EMULATION 0x00000100u
#define SVGA_CAP_EXTENDED_FIFO 0x00008000u
enum { FIFO_MIN = 0, FIFO_MAX = 1, FIFO_NEXT_CMD = 2, FIFO_STOP = 3 };
enum { SVGA_CMD_UPDATE = 1, SVGA_CMD_RECT_FILL = 2, SVGA_CMD_RECT_COPY = 3 };
#define SVGA_MIN_WIDTH 320
#define SVGA_MIN_HEIGHT 240
/* Areas up to this many pixels are filled by the CPU even when RECT_COPY could help. */
#define SVGA_CPU_FILL_MAX 4096

static struct {
	bool present;
	uint16_t io;                 /* BAR0: index at +0, value at +1 */
	volatile uint32_t *vram;     /* BAR1: scanout at offset 0 */
	volatile uint32_t *fifo;     /* BAR2 */
	uint32_t caps, vram_size, max_w, max_h;
	uint32_t fifo_min, fifo_max;  /* what the guest wrote to FIFO_MIN/MAX (not re-read) */
	uint32_t width, height, pitch_px;
	bool hw_fill, hw_copy;       /* the command proved to work (svga_probe) */
	uint32_t dx0, dy0, dx1, dy1; /* damage since the last svga_present(); dx0 >= dx1: none */
	uint32_t dropped;            /* commands that found the FIFO full even after a sync */
} svga;

/* Size of a 32-bit memory BAR of the function at `slot` (pci.h). */
static uint32_t pci_mem_bar_size(unsigned slot, unsigned reg)
{
	uint32_t orig;
	return pci_bar_size(slot << 3, reg, &orig);
}

static uint32_t svga_read(uint32_t index) { return svga_reg_read(svga.io, index); }
static void svga_write(uint32_t index, uint32_t value) { svga_reg_write(svga.io, index, value); }

/* REG_SYNC drains the FIFO (Vireo and QEMU drain inside the write); BUSY is polled a
 * bounded number of times for a host that drains later. */
static void svga_sync(void)
{
	svga_write(SVGA_REG_SYNC, 1);
	for (unsigned i = 0; i < 1000 && svga_read(SVGA_REG_BUSY); i++)
		pause();
}

/* NEXT_CMD and STOP, read once and checked: false when they make no sense. */
static bool fifo_pointers(uint32_t *next, uint32_t *stop)
{
	*next = svga.fifo[FIFO_NEXT_CMD];
	*stop = svga.fifo[FIFO_STOP];
	return *stop >= svga.fifo_min && *stop < svga.fifo_max && !(*stop & 3) && *next >= svga.fifo_min &&
	       *next < svga.fifo_max;
}

static uint32_t fifo_free_bytes(void)
{
	uint32_t next, stop;
	if (!fifo_pointers(&next, &stop))
		return 0; /* nonsense pointers in the shared FIFO: send nothing */
	/* One word always stays free so that NEXT_CMD == STOP means empty. */
	return (next >= stop ? (svga.fifo_max - next) + (stop - svga.fifo_min) : stop - next) - 4;
}

/* Contiguous room for n words at NEXT_CMD (the caller writes them and calls
 * fifo_commit), or NULL when the free space is short or wraps at MAX. */
static volatile uint32_t *fifo_reserve(uint32_t n)
{
	uint32_t next, stop, room;
	if (!fifo_pointers(&next, &stop))
		return NULL;
	if (next < stop)
		room = stop - next - 4;
	else /* a write ending exactly at MAX wraps NEXT_CMD to MIN: not onto STOP */
		room = svga.fifo_max - next - (stop == svga.fifo_min ? 4 : 0);
	return room >= n * 4 ? svga.fifo + next / 4 : NULL;
}

/* Publishes n words written at a fifo_reserve() pointer with one store, so the host
 * never sees half a command (no FIFO_CAP_RESERVE needed). */
static void fifo_commit(uint32_t n)
{
	uint32_t next = svga.fifo[FIFO_NEXT_CMD] + n * 4;
	svga.fifo[FIFO_NEXT_CMD] = next >= svga.fifo_max ? svga.fifo_min : next;
}

/* One whole command: into reserved room, or word by word around the wrap. */
static void fifo_push(const uint32_t *words, uint32_t n)
{
	volatile uint32_t *p = fifo_reserve(n);
	if (p) {
		for (uint32_t i = 0; i < n; i++)
			p[i] = words[i];
		fifo_commit(n);
		return;
	}
	if (fifo_free_bytes() < n * 4) {
		svga_sync();
		if (fifo_free_bytes() < n * 4) {
			svga.dropped++;
			return;
		}
	}
	uint32_t next = svga.fifo[FIFO_NEXT_CMD];
	for (uint32_t i = 0; i < n; i++) {
		svga.fifo[next / 4] = words[i];
		next += 4;
		if (next >= svga.fifo_max)
			next = svga.fifo_min;
	}
	svga.fifo[FIFO_NEXT_CMD] = next;
}

static void damage(uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	if (svga.dx0 >= svga.dx1) {
		svga.dx0 = x, svga.dy0 = y, svga.dx1 = x + w, svga.dy1 = y + h;
		return;
	}
	if (x < svga.dx0) svga.dx0 = x;
	if (y < svga.dy0) svga.dy0 = y;
	if (x + w > svga.dx1) svga.dx1 = x + w;
	if (y + h > svga.dy1) svga.dy1 = y + h;
}

static void rect_copy(uint32_t sx, uint32_t sy, uint32_t dx, uint32_t dy, uint32_t w, uint32_t h)
{
	uint32_t cmd[7] = {SVGA_CMD_RECT_COPY, sx, sy, dx, dy, w, h};
	fifo_push(cmd, 7);
}

static void cpu_fill(uint32_t color, uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	for (uint32_t j = 0; j < h; j++) {
		volatile uint32_t *p = svga.vram + (y + j) * svga.pitch_px + x;
		for (uint32_t i = 0; i < w; i++)
			p[i] = color;
	}
}

/* Without RECT_FILL: the CPU writes a 16-pixel seed, RECT_COPY doubles it across the
 * first row and then down the rectangle (log2 commands instead of w*h stores). */
static void copy_fill(uint32_t color, uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	uint32_t done = w < 16 ? w : 16;
	cpu_fill(color, x, y, done, 1);
	for (; done < w; done *= 2)
		rect_copy(x, y, x + done, y, (w - done < done) ? w - done : done, 1);
	for (done = 1; done < h; done *= 2)
		rect_copy(x, y, x, y + done, w, (h - done < done) ? h - done : done);
	svga_sync(); /* later CPU stores must not race the queued copies */
}

static void svga_fill(uint32_t color, uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	if (!svga.present || x >= svga.width || y >= svga.height || !w || !h)
		return;
	if (w > svga.width - x) w = svga.width - x;
	if (h > svga.height - y) h = svga.height - y;
	damage(x, y, w, h);
	if (svga.hw_fill) {
		uint32_t cmd[6] = {SVGA_CMD_RECT_FILL, color, x, y, w, h};
		fifo_push(cmd, 6);
	} else if (svga.hw_copy && w * h > SVGA_CPU_FILL_MAX) {
		copy_fill(color, x, y, w, h);
	} else {
		cpu_fill(color, x, y, w, h);
	}
}

static void svga_present(void)
{
	if (!svga.present || svga.dx0 >= svga.dx1)
		return;
	uint32_t cmd[5] = {SVGA_CMD_UPDATE, svga.dx0, svga.dy0, svga.dx1 - svga.dx0, svga.dy1 - svga.dy0};
	fifo_push(cmd, 5);
	svga.dx0 = svga.dx1 = 0;
	svga_write(SVGA_REG_SYNC, 1);
}

static void svga_set_mode(uint32_t *w, uint32_t *h)
{
	if (*w > svga.max_w) *w = svga.max_w;
	if (*h > svga.max_h) *h = svga.max_h;
	if (*w < SVGA_MIN_WIDTH) *w = SVGA_MIN_WIDTH;
	if (*h < SVGA_MIN_HEIGHT) *h = SVGA_MIN_HEIGHT;
	if ((uint64_t)*w * *h * 4 > svga.vram_size) { /* keep the width, lose rows */
		*h = svga.vram_size / (*w * 4);
		if (*h < SVGA_MIN_HEIGHT) {
			*h = SVGA_MIN_HEIGHT;
			*w = svga.vram_size / (SVGA_MIN_HEIGHT * 4);
		}
	}
	svga_write(SVGA_REG_WIDTH, *w);
	svga_write(SVGA_REG_HEIGHT, *h);
	if (svga.caps & SVGA_CAP_8BIT_EMULATION)
		svga_write(SVGA_REG_BPP, 32);
	svga_write(SVGA_REG_ENABLE, 1);
	svga.width = svga_read(SVGA_REG_WIDTH);
	svga.height = svga_read(SVGA_REG_HEIGHT);
	svga.pitch_px = svga_read(SVGA_REG_BYTES_PER_LINE) / 4;
	if (svga.width > *w || svga.height > *h || svga.pitch_px < svga.width) {
		/* The device did not take the mode: draw nothing rather than outside VRAM. */
		printf("demo: SVGA refused %ux%u (reads %ux%u, pitch %u)\n", *w, *h, svga.width,
		       svga.height, svga.pitch_px * 4);
		svga.width = svga.height = 0;
	}
	*w = svga.width;
	*h = svga.height;
}

/* Does a FIFO command change the pixel at VRAM index i? Checked with a color that
 * cannot be there already. */
static bool probe_pixel(uint32_t i, uint32_t want)
{
	svga_sync();
	bool ok = (svga.vram[i] & 0xffffff) == want;
	svga.vram[i] = 0;
	return ok;
}

/* Both probes use the bottom-right corner: QEMU checks commands against its display
 * surface, which may still have the size of the previous mode (it is resized on a display
 * refresh), and then skips them or draws with the old pitch. */
static void svga_find_features(void)
{
	uint32_t x = svga.width - 1, y = svga.height - 1, i = y * svga.pitch_px + x;
	svga.vram[i - 1] = 0x005a3c1e;
	svga.vram[i] = 0;
	if (svga.caps & SVGA_CAP_RECT_FILL) {
		uint32_t cmd[6] = {SVGA_CMD_RECT_FILL, 0x00a5c3e1, x, y, 1, 1};
		fifo_push(cmd, 6);
		svga.hw_fill = probe_pixel(i, 0x00a5c3e1);
	}
	if (svga.caps & SVGA_CAP_RECT_COPY) {
		rect_copy(x - 1, y, x, y, 1, 1);
		svga.hw_copy = probe_pixel(i, 0x005a3c1e);
	}
	svga.vram[i - 1] = 0;
}

/* Returns false (and prints why) when there is no usable SVGA II device. */
static bool svga_probe(void)
{
	unsigned slot;
	for (slot = 0; slot < 32; slot++)
		if (pci_cfg_read(slot << 3, 0x00) == 0x040515adu)
			break;
	if (slot == 32) {
		printf("demo: no VMware SVGA II (15ad:0405) on PCI bus 0: serial only\n");
		return false;
	}
	uint32_t bar0 = pci_cfg_read(slot << 3, 0x10), bar1 = pci_cfg_read(slot << 3, 0x14), bar2 = pci_cfg_read(slot << 3, 0x18);
	if (!(bar0 & 1) || (bar1 & 1) || (bar2 & 1) || !(bar0 & ~3u) || !(bar1 & ~0xfu) || !(bar2 & ~0xfu)) {
		printf("demo: SVGA BARs not assigned (%08x %08x %08x): serial only\n", bar0, bar1, bar2);
		return false;
	}
	uint32_t vram_bar = pci_mem_bar_size(slot, 0x14), fifo_bar = pci_mem_bar_size(slot, 0x18);
	pci_cfg_write(slot << 3, 0x04, (pci_cfg_read(slot << 3, 0x04) & 0xffff) | 3); /* I/O + memory decode */
	svga.io = (uint16_t)(bar0 & ~3u);
	svga.vram = (volatile uint32_t *)(uintptr_t)(bar1 & ~0xfu);
	svga.fifo = (volatile uint32_t *)(uintptr_t)(bar2 & ~0xfu);
	svga_write(SVGA_REG_ID, SVGA_ID_2);
	if (svga_read(SVGA_REG_ID) != SVGA_ID_2) {
		printf("demo: SVGA device refuses SVGA_ID_2: serial only\n");
		return false;
	}
	svga.caps = svga_read(SVGA_REG_CAPABILITIES);
	svga.vram_size = svga_read(SVGA_REG_VRAM_SIZE);
	if (svga.vram_size > vram_bar)
		svga.vram_size = vram_bar; /* never draw past BAR1 */
	svga.max_w = svga_read(SVGA_REG_MAX_WIDTH);
	svga.max_h = svga_read(SVGA_REG_MAX_HEIGHT);
	uint32_t mem_size = svga_read(SVGA_REG_MEM_SIZE), min = 4096;
	if (mem_size > fifo_bar)
		mem_size = fifo_bar; /* never write past BAR2 */
	if ((svga.caps & SVGA_CAP_EXTENDED_FIFO) && svga_read(SVGA_REG_MEM_REGS) * 4 > min)
		min = (svga_read(SVGA_REG_MEM_REGS) * 4 + 4095) & ~4095u;
	/* docs/svga-display.md §1.4: the command area must hold at least 10 KiB. */
	if (mem_size < min + 10 * 1024 || svga.vram_size < SVGA_MIN_WIDTH * SVGA_MIN_HEIGHT * 4 ||
	    svga.max_w < SVGA_MIN_WIDTH || svga.max_h < SVGA_MIN_HEIGHT) {
		printf("demo: SVGA FIFO %u bytes, VRAM %u bytes, max %ux%u: too small, serial only\n",
		       mem_size, svga.vram_size, svga.max_w, svga.max_h);
		return false;
	}
	svga.fifo_min = min;
	svga.fifo_max = mem_size & ~3u;
	svga.fifo[FIFO_MIN] = min;
	svga.fifo[FIFO_MAX] = svga.fifo_max;
	svga.fifo[FIFO_NEXT_CMD] = min;
	svga.fifo[FIFO_STOP] = min;
	svga_write(SVGA_REG_CONFIG_DONE, 1);
	svga.present = true;
	uint32_t w = 1024, h = 768;
	svga_set_mode(&w, &h);
	if (!svga.width) {
		svga.present = false;
		return false;
	}
	svga_find_features();
	printf("demo: SVGA at 00:%02x.0, %ux%u, caps %08x, RECT_FILL %s, RECT_COPY %s\n", slot, w, h,
	       svga.caps, svga.hw_fill ? "works" : "no", svga.hw_copy ? "works" : "no");
	return true;
}

#endif
