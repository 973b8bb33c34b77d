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
#include "pci.h"
#include "virtio_pci.h"

#define QSZ 8
#define F_NEXT VIRTQ_DESC_F_NEXT
#define F_WRITE VIRTQ_DESC_F_WRITE

static struct virtq_desc desc[QSZ] __attribute__((aligned(16)));
static VIRTQ_AVAIL(QSZ) avail __attribute__((aligned(2)));
static volatile VIRTQ_USED(QSZ) used __attribute__((aligned(4)));
static struct virtio_blk_hdr hdr;
static volatile uint8_t status;
static uint8_t id_buf[20];

static struct virtio_pci vp;
static uint16_t used_seen;

static void barrier(void) { __asm__ volatile("" ::: "memory"); }

/* Submits the chain at descriptor 0 and polls for its completion; returns the status
 * byte, or -1 on a timeout. */
static int run_request(uint32_t type, uint64_t sector, void *data, uint32_t len, int data_in)
{
	uint32_t n;

	hdr.type = type;
	hdr.sector = sector;
	status = 0xee;
	desc[0] = (struct virtq_desc){(uintptr_t)&hdr, sizeof hdr, F_NEXT, data ? 1 : 2};
	desc[1] = (struct virtq_desc){(uintptr_t)data, len, (uint16_t)(F_NEXT | (data_in ? F_WRITE : 0)), 2};
	desc[2] = (struct virtq_desc){(uintptr_t)&status, 1, F_WRITE, 0};
	avail.ring[avail.idx % QSZ] = 0;
	barrier();
	avail.idx++;
	barrier();
	mmio_write16(vp.notify, 0);
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

void guest_main(void)
{
	struct disk_ops ops = {"virtio", 0, blk_read, blk_write, blk_flush};
	int dev = pci_find(is_virtio_blk);
	unsigned i;
	uint32_t f_lo, f_hi, want_lo;
	int s;

	if (dev < 0)
		fail("no virtio-blk (1af4:1042) on PCI bus 0");
	printf("virtio: virtio-blk at 00:%02x.%x\n", dev >> 3, dev & 7);
	pci_cfg_write16((unsigned)dev, 4, (uint16_t)(pci_cfg_read((unsigned)dev, 4) | 0x6));
	if (!(pci_cfg_read((unsigned)dev, 4) & 0x100000))
		fail("virtio: STATUS has no capabilities list");
	virtio_pci_caps((unsigned)dev, &vp);
	f_lo = virtio_pci_features(&vp, &f_hi);
	want_lo = f_lo & (1u << 9); /* FLUSH */
	virtio_pci_accept(&vp, want_lo);
	avail.flags = VIRTQ_AVAIL_F_NO_INTERRUPT; /* this guest polls */
	virtio_pci_queue0(&vp, QSZ, desc, &avail, &used);
	virtio_pci_driver_ok(&vp);
	printf("virtio: features %08x:%08x, driver took %08x:00000001\n", f_hi, f_lo, want_lo);

	ops.sectors = mmio_read32(vp.device) | (uint64_t)mmio_read32(vp.device + 4) << 32;
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
