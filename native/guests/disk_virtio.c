/*
 * disk_virtio: the virtio-blk disk through the modern virtio 1.0 PCI transport, polled
 * (VIRTQ_AVAIL_F_NO_INTERRUPT, used index polled):
 *   - finds 1af4:1042 on PCI bus 0, turns on memory decode and bus mastering, walks the
 *     vendor capabilities (ID 09h) for the common, notify, ISR and device structures and
 *     reads their BAR (32-bit, or 64-bit with a zero high half; it must be assigned:
 *     by the VMM for direct boot, by the firmware under QEMU)
 *   - the initialization of virtio 1.0 3.1.1: reset, ACKNOWLEDGE, DRIVER, features
 *     (VERSION_1 required, FLUSH taken when offered), FEATURES_OK read back, queue 0 with
 *     8 entries in this image's BSS, DRIVER_OK
 *   - capacity from the device configuration, GET_ID printed
 *   - the image checks of disk_layout.h with IN, OUT and FLUSH requests
 *   - an IN request one sector past the end must complete with IOERR
 *
 * qemu-check: skip needs a disk image (layout in disk_layout.h):
 *   ./qemu-run.sh disk_virtio -drive file=IMG,format=raw,if=none,id=d0 \
 *     -device virtio-blk-pci,drive=d0,disable-legacy=on
 */
#include "guest.h"

#include "disk_layout.h"

#define QSZ 8
#define F_NEXT 1
#define F_WRITE 2

struct vdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static struct vdesc desc[QSZ] __attribute__((aligned(16)));
static struct {
	uint16_t flags, idx, ring[QSZ], used_event;
} avail __attribute__((aligned(2)));
static volatile struct {
	uint16_t flags, idx;
	struct {
		uint32_t id, len;
	} ring[QSZ];
	uint16_t avail_event;
} used __attribute__((aligned(4)));
static struct {
	uint32_t type, reserved;
	uint64_t sector;
} hdr;
static volatile uint8_t status;
static uint8_t id_buf[20];

static uintptr_t common, notify_addr, device_cfg;
static uint16_t used_seen;

static uint8_t rd8(uintptr_t a) { return *(volatile uint8_t *)a; }
static uint16_t rd16(uintptr_t a) { return *(volatile uint16_t *)a; }
static uint32_t rd32(uintptr_t a) { return *(volatile uint32_t *)a; }
static void wr8(uintptr_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static void wr16(uintptr_t a, uint16_t v) { *(volatile uint16_t *)a = v; }
static void wr32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static void barrier(void) { __asm__ volatile("" ::: "memory"); }

/* Submits the chain at descriptor 0 and polls for its completion; returns the status
 * byte, or -1 on a timeout. */
static int run_request(uint32_t type, uint64_t sector, void *data, uint32_t len, int data_in)
{
	uint32_t n;

	hdr.type = type;
	hdr.sector = sector;
	status = 0xee;
	desc[0] = (struct vdesc){(uintptr_t)&hdr, sizeof hdr, F_NEXT, data ? 1 : 2};
	desc[1] = (struct vdesc){(uintptr_t)data, len, (uint16_t)(F_NEXT | (data_in ? F_WRITE : 0)), 2};
	desc[2] = (struct vdesc){(uintptr_t)&status, 1, F_WRITE, 0};
	avail.ring[avail.idx % QSZ] = 0;
	barrier();
	avail.idx++;
	barrier();
	wr16(notify_addr, 0);
	for (n = 0; n < 10000000; n++) {
		if (used.idx != used_seen) {
			used_seen++;
			barrier();
			return status;
		}
		pause();
	}
	printf("virtio: request type %u sector %u timed out\n", type, (unsigned)sector);
	return -1;
}

static int blk_read(uint64_t lba, uint8_t *buf)
{
	int s = run_request(0, lba, buf, 512, 1);
	if (s)
		printf("virtio: IN sector %u: status %d\n", (unsigned)lba, s);
	return s ? -1 : 0;
}

static int blk_write(uint64_t lba, const uint8_t *buf)
{
	int s = run_request(1, lba, (void *)buf, 512, 0);
	if (s)
		printf("virtio: OUT sector %u: status %d\n", (unsigned)lba, s);
	return s ? -1 : 0;
}

static int blk_flush(void)
{
	int s = run_request(4, 0, 0, 0, 0);
	if (s)
		printf("virtio: FLUSH: status %d\n", s);
	return s ? -1 : 0;
}

static int is_virtio_blk(uint32_t id, uint32_t class_rev)
{
	(void)class_rev;
	return id == 0x10421af4u;
}

/* Guest-physical base of BAR `bar`, failing when it is unassigned or above 4 GiB. */
static uintptr_t bar_base(int dev, unsigned bar)
{
	uint32_t v = disk_cfg_read(dev >> 3, dev & 7, 0x10 + 4 * bar);

	if (v & 1)
		fail("virtio: BAR%u is an I/O BAR", bar);
	if ((v & 6) == 4 && disk_cfg_read(dev >> 3, dev & 7, 0x14 + 4 * bar))
		fail("virtio: BAR%u lies above 4 GiB", bar);
	if (!(v & ~0xfu))
		fail("virtio: BAR%u is not assigned", bar);
	return v & ~0xfu;
}

void guest_main(void)
{
	struct disk_ops ops = {"virtio", 0, blk_read, blk_write, blk_flush};
	int dev = disk_pci_find(is_virtio_blk);
	unsigned cap, guard = 0, i;
	uint32_t mult = 0, f_lo, f_hi, want_lo;
	int s;

	if (dev < 0)
		fail("no virtio-blk (1af4:1042) on PCI bus 0");
	printf("virtio: virtio-blk at 00:%02x.%x\n", dev >> 3, dev & 7);
	disk_cfg_write16(dev >> 3, dev & 7, 4, (uint16_t)(disk_cfg_read(dev >> 3, dev & 7, 4) | 0x6));
	if (!(disk_cfg_read(dev >> 3, dev & 7, 4) & 0x100000))
		fail("virtio: STATUS has no capabilities list");
	for (cap = disk_cfg_read(dev >> 3, dev & 7, 0x34) & 0xfc; cap && guard < 48; guard++) {
		uint32_t head = disk_cfg_read(dev >> 3, dev & 7, cap);
		uint32_t off = disk_cfg_read(dev >> 3, dev & 7, cap + 8);
		unsigned type = head >> 24, bar = disk_cfg_read(dev >> 3, dev & 7, cap + 4) & 0xff;
		if ((head & 0xff) == 0x09 && type >= 1 && type <= 4 && bar < 6) {
			uintptr_t at = bar_base(dev, bar) + off;
			if (type == 1)
				common = at;
			else if (type == 2) {
				notify_addr = at;
				mult = disk_cfg_read(dev >> 3, dev & 7, cap + 16);
			} else if (type == 4)
				device_cfg = at;
		}
		cap = (head >> 8) & 0xfc;
	}
	if (!common || !notify_addr || !device_cfg)
		fail("virtio: common/notify/device capabilities missing");

	wr8(common + 0x14, 0); /* reset */
	while (rd8(common + 0x14))
		pause();
	wr8(common + 0x14, 1);
	wr8(common + 0x14, 3);
	wr32(common + 0x00, 0);
	f_lo = rd32(common + 0x04);
	wr32(common + 0x00, 1);
	f_hi = rd32(common + 0x04);
	if (!(f_hi & 1))
		fail("virtio: VERSION_1 not offered");
	want_lo = f_lo & (1u << 9); /* FLUSH */
	wr32(common + 0x08, 0);
	wr32(common + 0x0c, want_lo);
	wr32(common + 0x08, 1);
	wr32(common + 0x0c, 1);
	wr8(common + 0x14, 0x0b);
	if (!(rd8(common + 0x14) & 0x08))
		fail("virtio: FEATURES_OK refused");
	wr16(common + 0x16, 0);
	if (rd16(common + 0x18) < QSZ)
		fail("virtio: queue 0 holds %u entries, need %u", rd16(common + 0x18), QSZ);
	wr16(common + 0x18, QSZ);
	wr32(common + 0x20, (uintptr_t)desc);
	wr32(common + 0x24, 0);
	wr32(common + 0x28, (uintptr_t)&avail);
	wr32(common + 0x2c, 0);
	wr32(common + 0x30, (uintptr_t)&used);
	wr32(common + 0x34, 0);
	avail.flags = 1; /* VIRTQ_AVAIL_F_NO_INTERRUPT: this guest polls */
	wr16(common + 0x1c, 1);
	notify_addr += (uintptr_t)rd16(common + 0x1e) * mult;
	wr8(common + 0x14, 0x0f);
	printf("virtio: features %08x:%08x, driver took %08x:00000001\n", f_hi, f_lo, want_lo);

	ops.sectors = rd32(device_cfg) | (uint64_t)rd32(device_cfg + 4) << 32;
	s = run_request(8, 0, id_buf, sizeof id_buf, 1);
	if (s)
		fail("virtio: GET_ID status %d", s);
	printf("virtio: serial \"");
	for (i = 0; i < sizeof id_buf && id_buf[i]; i++)
		printf("%c", id_buf[i] >= 0x20 && id_buf[i] < 0x7f ? id_buf[i] : '?');
	printf("\"\n");

	if (!want_lo)
		fail("virtio: FLUSH not offered");
	s = run_request(0, ops.sectors, disk_buf, 512, 1);
	if (s != 1)
		fail("virtio: IN past the end: status %d, expected IOERR (1)", s);
	printf("virtio: read past the end: IOERR\n");

	disk_run_checks(&ops);
}
