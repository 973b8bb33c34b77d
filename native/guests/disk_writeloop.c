/*
 * disk_writeloop: writes a virtio-blk disk in an endless loop, for the kill -9 fault test
 * (electron/cli/faults.kvm.test.ts: the VM host is killed mid-loop; the image must stay
 * consistent and every flushed write must be there). Transport as disk_virtio.c (modern
 * virtio 1.0 PCI, polled, FLUSH required).
 *
 * Write n (n = 0, 1, 2, ...) goes to sector lba(n) = (n * WL_STRIDE) mod capacity.
 * WL_STRIDE = 897 = 7 grains of 128 sectors + 1, odd, so on a power-of-two capacity the
 * sequence visits every sector and a new 64 KiB grain (and now and then a new grain
 * table) nearly every write. Sector content, little-endian:
 *   bytes 0-3 WL_MAGIC "WLOP", 4-7 n, 8-11 lba(n), 12-511 byte i = (n + i) mod 256.
 * After every WL_BATCH writes, one FLUSH, then "writeloop: flushed <n>" where n is the
 * number of writes that are now durable (writes 0..n-1).
 *
 * qemu-check: skip runs until killed; the host test kills it
 */
#include "guest.h"

#include "pci.h"
#include "virtio_pci.h"

#define QSZ 8
#define F_NEXT VIRTQ_DESC_F_NEXT
#define F_WRITE VIRTQ_DESC_F_WRITE
#define WL_STRIDE 897u
#define WL_BATCH 16u
#define WL_MAGIC 0x504f4c57u /* "WLOP" */

static struct virtq_desc desc[QSZ] __attribute__((aligned(16)));
static VIRTQ_AVAIL(QSZ) avail __attribute__((aligned(2)));
static volatile VIRTQ_USED(QSZ) used __attribute__((aligned(4)));
static struct virtio_blk_hdr hdr;
static volatile uint8_t status;
static uint8_t buf[512] __attribute__((aligned(16)));
static struct virtio_pci vp;
static uint16_t used_seen;

static void barrier(void) { __asm__ volatile("" ::: "memory"); }

/* One request at descriptor 0; fails the run on a timeout or a non-zero status. */
static void request(uint32_t type, uint64_t sector, void *data, uint32_t len)
{
	uint32_t n;

	hdr.type = type;
	hdr.sector = sector;
	status = 0xee;
	desc[0] = (struct virtq_desc){(uintptr_t)&hdr, sizeof hdr, F_NEXT, data ? 1 : 2};
	desc[1] = (struct virtq_desc){(uintptr_t)data, len, F_NEXT, 2};
	desc[2] = (struct virtq_desc){(uintptr_t)&status, 1, F_WRITE, 0};
	avail.ring[avail.idx % QSZ] = 0;
	barrier();
	avail.idx++;
	barrier();
	mmio_write16(vp.notify, 0);
	for (n = 0; used.idx == used_seen; n++) {
		if (n > 100000000)
			fail("writeloop: request type %u sector %u timed out", type, (unsigned)sector);
		pause();
	}
	used_seen++;
	barrier();
	if (status)
		fail("writeloop: request type %u sector %u: status %u", type, (unsigned)sector, status);
}

static int is_virtio_blk(uint32_t id, uint32_t class_rev)
{
	(void)class_rev;
	return id == 0x10421af4u;
}

void guest_main(void)
{
	int dev = pci_find(is_virtio_blk);
	uint32_t f_lo, f_hi, sectors, n, i;

	if (dev < 0)
		fail("no virtio-blk (1af4:1042) on PCI bus 0");
	pci_cfg_write16((unsigned)dev, 4, (uint16_t)(pci_cfg_read((unsigned)dev, 4) | 0x6));
	virtio_pci_caps((unsigned)dev, &vp);
	f_lo = virtio_pci_features(&vp, &f_hi);
	if (!(f_lo & (1u << 9)))
		fail("writeloop: FLUSH not offered");
	virtio_pci_accept(&vp, 1u << 9);
	avail.flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	virtio_pci_queue0(&vp, QSZ, desc, &avail, &used);
	virtio_pci_driver_ok(&vp);
	sectors = mmio_read32(vp.device);
	if (mmio_read32(vp.device + 4) || !sectors || (sectors & (sectors - 1)))
		fail("writeloop: capacity must be a power of two below 2^32 sectors");
	printf("writeloop: capacity %u sectors, stride %u, flush every %u writes\n", sectors, WL_STRIDE, WL_BATCH);
	for (n = 0;; n++) {
		uint32_t lba = (n * WL_STRIDE) & (sectors - 1);
		uint32_t *w = (uint32_t *)buf;
		for (i = 12; i < sizeof buf; i++)
			buf[i] = (uint8_t)(n + i);
		w[0] = WL_MAGIC;
		w[1] = n;
		w[2] = lba;
		request(1, lba, buf, sizeof buf);
		if ((n + 1) % WL_BATCH == 0) {
			request(4, 0, 0, 0);
			printf("writeloop: flushed %u\n", n + 1);
		}
	}
}
