/*
 * disk_nvme: the disk as namespace 1 of the NVMe controller (NVM Express 1.4c), polled,
 * the way SeaBIOS's src/hw/nvme.c drives it:
 *   - finds the class 01h/08h/02h function on PCI bus 0, turns on memory decode and bus
 *     mastering, takes the registers from BAR 0 (assigned by the VMM for direct boot)
 *   - disables the controller (CC.EN 0, waits for CSTS.RDY 0), admin queues of 8
 *     entries in this image's BSS, enables it (64-byte SQ and 16-byte CQ entries)
 *   - IDENTIFY controller (model printed) and namespace 1 (capacity from NSZE), then an
 *     I/O completion queue 1 and submission queue 1 (contiguous, no interrupts)
 *   - the image checks of disk_layout.h with Read / Write / Flush of one block through
 *     PRP1, and a read one block past the end, which must complete with LBA Out of Range
 *
 * qemu-check: skip needs a disk image (layout in disk_layout.h):
 *   ./qemu-run.sh disk_nvme -drive file=IMG,format=raw,if=none,id=d0 \
 *     -device nvme,drive=d0,serial=vireo
 */
#include "guest.h"

#include "disk_layout.h"
#include "pci.h"

#define CAP 0x00
#define VS 0x08
#define CC 0x14
#define CSTS 0x1c
#define AQA 0x24
#define ASQ 0x28
#define ACQ 0x30
#define QSZ 8

struct sqe {
	uint32_t cdw0, nsid, rsvd[2];
	uint64_t mptr, prp1, prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};
struct cqe {
	uint32_t dw0, dw1;
	uint16_t sq_head, sq_id, cid, status;
};
struct queue {
	volatile struct sqe *sq;
	volatile struct cqe *cq;
	unsigned qid, tail, head, phase;
};

static struct sqe admin_sq[QSZ] __attribute__((aligned(4096)));
static struct cqe admin_cq[QSZ] __attribute__((aligned(4096)));
static struct sqe io_sq[QSZ] __attribute__((aligned(4096)));
static struct cqe io_cq[QSZ] __attribute__((aligned(4096)));
static uint8_t page[4096] __attribute__((aligned(4096)));
static uint8_t block[4096] __attribute__((aligned(4096)));

static uintptr_t regs;
static struct queue admin = {admin_sq, admin_cq, 0, 0, 0, 1};
static struct queue io = {io_sq, io_cq, 1, 0, 0, 1};
static uint16_t next_cid;

static uint32_t rd(unsigned reg) { return mmio_read32(regs + reg); }
static void wr(unsigned reg, uint32_t v) { mmio_write32(regs + reg, v); }

/* Submits one command and polls its completion; returns the status code (SCT << 8 | SC). */
static int command(struct queue *q, uint8_t op, uint32_t nsid, void *data, uint32_t c10, uint32_t c11,
		   uint32_t c12)
{
	volatile struct sqe *e = &q->sq[q->tail];
	uint16_t cid = ++next_cid;
	unsigned n;

	memset((void *)e, 0, sizeof *e);
	e->cdw0 = op | (uint32_t)cid << 16;
	e->nsid = nsid;
	e->prp1 = (uintptr_t)data;
	e->cdw10 = c10;
	e->cdw11 = c11;
	e->cdw12 = c12;
	q->tail = (q->tail + 1) % QSZ;
	wr(0x1000 + 8 * q->qid, q->tail);
	for (n = 0; n < 1000000; n++) {
		volatile struct cqe *c = &q->cq[q->head];
		if ((c->status & 1) == q->phase) {
			int status = c->status >> 1;
			if (c->cid != cid)
				fail("nvme: completion for cid %u, expected %u", c->cid, cid);
			q->head = (q->head + 1) % QSZ;
			if (!q->head)
				q->phase ^= 1;
			wr(0x1000 + 8 * q->qid + 4, q->head);
			return status;
		}
		pause();
	}
	fail("nvme: opcode %02x timed out", op);
	return -1;
}

static int io_cmd(uint8_t op, uint64_t lba, uint8_t *buf)
{
	int s = command(&io, op, 1, block, (uint32_t)lba, (uint32_t)(lba >> 32), 0);
	if (s) {
		printf("nvme: opcode %02x lba %u: status %03x\n", op, (unsigned)lba, s);
		return -1;
	}
	(void)buf;
	return 0;
}

static int blk_read(uint64_t lba, uint8_t *buf)
{
	if (io_cmd(0x02, lba, buf))
		return -1;
	memcpy(buf, block, 512);
	return 0;
}

static int blk_write(uint64_t lba, const uint8_t *buf)
{
	memcpy(block, buf, 512);
	return io_cmd(0x01, lba, block);
}

static int blk_flush(void) { return command(&io, 0x00, 1, 0, 0, 0, 0) ? -1 : 0; }

static int is_nvme(uint32_t id, uint32_t class_rev)
{
	(void)id;
	return class_rev >> 8 == 0x010802u;
}

void guest_main(void)
{
	struct disk_ops ops = {"nvme", 0, blk_read, blk_write, blk_flush};
	int dev = pci_find(is_nvme);
	unsigned i;
	int s;

	if (dev < 0)
		fail("no NVMe controller (class 010802) on PCI bus 0");
	pci_cfg_write16((unsigned)dev, 4, (uint16_t)(pci_cfg_read((unsigned)dev, 4) | 0x6));
	regs = pci_cfg_read((unsigned)dev, 0x10) & ~0xfu;
	if (!regs)
		fail("nvme: BAR 0 not assigned");
	printf("nvme: %08x at 00:%02x.%x, version %08x, cap %08x%08x\n", pci_cfg_read((unsigned)dev, 0), dev >> 3,
	       dev & 7, rd(VS), rd(CAP + 4), rd(CAP));
	wr(CC, 0);
	while (rd(CSTS) & 1)
		pause();
	wr(AQA, (QSZ - 1) << 16 | (QSZ - 1));
	wr(ASQ, (uintptr_t)admin_sq);
	wr(ASQ + 4, 0);
	wr(ACQ, (uintptr_t)admin_cq);
	wr(ACQ + 4, 0);
	wr(CC, 1 | 6u << 16 | 4u << 20);
	while (!(rd(CSTS) & 1))
		if (rd(CSTS) & 2)
			fail("nvme: controller fatal status");

	s = command(&admin, 0x06, 0, page, 1, 0, 0);
	if (s)
		fail("nvme: IDENTIFY controller: status %03x", s);
	printf("nvme: model \"");
	for (i = 24; i < 64 && page[i] != ' '; i++)
		printf("%c", page[i]);
	printf("...\", %u namespace(s)\n", page[516]);
	s = command(&admin, 0x06, 1, page, 0, 0, 0);
	if (s)
		fail("nvme: IDENTIFY namespace 1: status %03x", s);
	ops.sectors = *(uint32_t *)page | (uint64_t) * (uint32_t *)(page + 4) << 32;
	if (page[128 + 2] != 9)
		fail("nvme: LBA format 0 has 2^%u-byte blocks, expected 512", page[130]);
	s = command(&admin, 0x05, 0, io_cq, (QSZ - 1) << 16 | 1, 1, 0);
	if (!s)
		s = command(&admin, 0x01, 0, io_sq, (QSZ - 1) << 16 | 1, 1u << 16 | 1, 0);
	if (s)
		fail("nvme: creating I/O queues: status %03x", s);
	printf("nvme: I/O queue pair 1 created\n");

	s = command(&io, 0x02, 1, block, (uint32_t)ops.sectors, (uint32_t)(ops.sectors >> 32), 0);
	if (s != 0x80)
		fail("nvme: read past the end: status %03x, expected LBA Out of Range (080)", s);
	printf("nvme: read past the end: LBA Out of Range\n");

	disk_run_checks(&ops);
}
