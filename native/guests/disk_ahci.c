/*
 * disk_ahci: a SATA disk through the AHCI HBA (AHCI 1.3.1), polled, the way SeaBIOS's
 * src/hw/ahci.c drives it:
 *   - finds the class 01h/06h/01h function on PCI bus 0, turns on memory decode and bus
 *     mastering, takes ABAR from BAR 5 (assigned by the VMM for direct boot)
 *   - HBA reset (GHC.HR) then AHCI enable; checks CAP (64-bit, 32 slots, no NCQ) and VS
 *   - the first implemented port with a link (PxSSTS.DET = 3) and the disk signature
 *     (PxSIG 00000101h): command list and received-FIS area in this image's BSS, FIS
 *     receive on, start
 *   - IDENTIFY DEVICE (capacity from words 100-103), then the image checks of
 *     disk_layout.h with READ DMA EXT / WRITE DMA EXT / FLUSH CACHE EXT, each through a
 *     two-entry PRDT (the sector split across two 256-byte regions)
 *   - a read one sector past the end must fail with a task file error (PxIS.TFES, ABRT),
 *     and the port recovers as AHCI 6.2.2.1 says (ST off, clear PxIS, ST on)
 *
 * qemu-check: skip needs a disk image (layout in disk_layout.h):
 *   ./qemu-run.sh disk_ahci -drive file=IMG,format=raw,if=none,id=d0 \
 *     -device ahci,id=a -device ide-hd,drive=d0,bus=a.0
 */
#include "guest.h"

#include "disk_layout.h"
#include "pci.h"

#define GHC 0x04
#define PI 0x0c
#define VS 0x10
#define PORT(p, r) (0x100 + (p) * 0x80 + (r))
#define PX_CLB 0x00
#define PX_CLBU 0x04
#define PX_FB 0x08
#define PX_FBU 0x0c
#define PX_IS 0x10
#define PX_CMD 0x18
#define PX_TFD 0x20
#define PX_SIG 0x24
#define PX_SSTS 0x28
#define PX_CI 0x38
#define IS_TFES (1u << 30)
#define CMD_ST 1u
#define CMD_FRE (1u << 4)
#define CMD_CR (1u << 15)

struct cmd_header {
	uint32_t flags, prdbc, ctba, ctbau, reserved[4];
};
struct prd {
	uint32_t dba, dbau, reserved, dbc;
};
struct cmd_table {
	uint8_t cfis[64], acmd[16], reserved[48];
	struct prd prdt[2];
};

static struct cmd_header list[32] __attribute__((aligned(1024)));
static volatile uint8_t fis[256] __attribute__((aligned(256)));
static struct cmd_table table __attribute__((aligned(128)));
static uint16_t ident[256] __attribute__((aligned(2)));

static uintptr_t abar;
static unsigned port;

static uint32_t rd(unsigned reg) { return mmio_read32(abar + reg); }
static void wr(unsigned reg, uint32_t v) { mmio_write32(abar + reg, v); }

/* Issues slot 0 with `op` on `sectors` sectors at `lba` through a PRDT of two halves of
 * `buf`; returns PxTFD (status | error << 8), with bit 31 set when the command failed. */
static uint32_t command(uint8_t op, uint64_t lba, uint16_t sectors, void *buf, uint32_t bytes, int write)
{
	uint32_t n, is;

	memset(&table, 0, sizeof table);
	table.cfis[0] = 0x27;
	table.cfis[1] = 0x80;
	table.cfis[2] = op;
	table.cfis[4] = (uint8_t)lba;
	table.cfis[5] = (uint8_t)(lba >> 8);
	table.cfis[6] = (uint8_t)(lba >> 16);
	table.cfis[7] = 0x40;
	table.cfis[8] = (uint8_t)(lba >> 24);
	table.cfis[12] = (uint8_t)sectors;
	table.cfis[13] = (uint8_t)(sectors >> 8);
	table.prdt[0] = (struct prd){(uintptr_t)buf, 0, 0, bytes / 2 - 1};
	table.prdt[1] = (struct prd){(uintptr_t)buf + bytes / 2, 0, 0, bytes / 2 - 1};
	list[0] = (struct cmd_header){5u | (write ? 1u << 6 : 0) | (bytes ? 2u : 0) << 16, 0,
				      (uintptr_t)&table, 0, {0}};
	wr(PORT(port, PX_IS), rd(PORT(port, PX_IS)));
	wr(PORT(port, PX_CI), 1);
	for (n = 0; n < 1000000; n++) {
		is = rd(PORT(port, PX_IS));
		if (is & IS_TFES)
			return rd(PORT(port, PX_TFD)) | 0x80000000u;
		if (!(rd(PORT(port, PX_CI)) & 1))
			return rd(PORT(port, PX_TFD));
		pause();
	}
	fail("ahci: command %02x timed out", op);
	return 0;
}

static int rw(uint8_t op, uint64_t lba, uint8_t *buf, int write)
{
	uint32_t tfd = command(op, lba, 1, buf, 512, write);
	if (tfd & 0x80000000u) {
		printf("ahci: command %02x lba %u failed, tfd %04x\n", op, (unsigned)lba, tfd & 0xffff);
		return -1;
	}
	if (list[0].prdbc != 512) {
		printf("ahci: command %02x moved %u bytes\n", op, list[0].prdbc);
		return -1;
	}
	return 0;
}

static int blk_read(uint64_t lba, uint8_t *buf) { return rw(0x25, lba, buf, 0); }
static int blk_write(uint64_t lba, const uint8_t *buf) { return rw(0x35, lba, (uint8_t *)buf, 1); }
static int blk_flush(void) { return command(0xea, 0, 0, 0, 0, 0) & 0x80000000u ? -1 : 0; }

static void restart_port(void)
{
	uint32_t cmd = rd(PORT(port, PX_CMD));
	wr(PORT(port, PX_CMD), cmd & ~CMD_ST);
	while (rd(PORT(port, PX_CMD)) & CMD_CR)
		pause();
	wr(PORT(port, PX_IS), rd(PORT(port, PX_IS)));
	wr(PORT(port, PX_CMD), cmd | CMD_ST);
}

static int is_ahci(uint32_t id, uint32_t class_rev)
{
	(void)id;
	return class_rev >> 8 == 0x010601u;
}

void guest_main(void)
{
	struct disk_ops ops = {"ahci", 0, blk_read, blk_write, blk_flush};
	int dev = pci_find(is_ahci);
	uint32_t cap, pi, tfd;

	if (dev < 0)
		fail("no AHCI controller (class 010601) on PCI bus 0");
	pci_cfg_write16((unsigned)dev, 4, (uint16_t)(pci_cfg_read((unsigned)dev, 4) | 0x6));
	abar = pci_cfg_read((unsigned)dev, 0x24) & ~0xfu;
	if (!abar)
		fail("ahci: BAR 5 not assigned");
	printf("ahci: %08x at 00:%02x.%x, ABAR %08x\n", pci_cfg_read((unsigned)dev, 0), dev >> 3, dev & 7,
	       (unsigned)abar);
	wr(GHC, 1);
	while (rd(GHC) & 1)
		pause();
	wr(GHC, 1u << 31);
	cap = rd(0);
	pi = rd(PI);
	printf("ahci: cap %08x pi %08x version %08x\n", cap, pi, rd(VS));
	if (!(cap & (1u << 31)) || ((cap >> 8) & 0x1f) != 31 || (cap & (1u << 30)))
		fail("ahci: CAP %08x: expected 64-bit, 32 slots, no NCQ", cap);
	for (port = 0; port < 32; port++)
		if ((pi & (1u << port)) && (rd(PORT(port, PX_SSTS)) & 0xf) == 3 && rd(PORT(port, PX_SIG)) == 0x101)
			break;
	if (port == 32)
		fail("ahci: no port with a disk");
	wr(PORT(port, PX_CLB), (uintptr_t)list);
	wr(PORT(port, PX_CLBU), 0);
	wr(PORT(port, PX_FB), (uintptr_t)fis);
	wr(PORT(port, PX_FBU), 0);
	wr(PORT(port, PX_CMD), CMD_FRE | 6);
	wr(PORT(port, PX_CMD), CMD_FRE | 6 | CMD_ST);

	tfd = command(0xec, 0, 0, ident, 512, 0);
	if (tfd & 0x80000000u)
		fail("ahci: IDENTIFY failed, tfd %04x", tfd & 0xffff);
	if (fis[0x40] != 0x34 || fis[0x42] != 0x50)
		fail("ahci: D2H FIS %02x status %02x", fis[0x40], fis[0x42]);
	ops.sectors = ident[100] | (uint64_t)ident[101] << 16 | (uint64_t)ident[102] << 32;
	printf("ahci: port %u disk, IDENTIFY ok, D2H FIS status %02x\n", port, fis[0x42]);

	tfd = command(0x25, ops.sectors, 1, disk_buf, 512, 0);
	if (!(tfd & 0x80000000u) || !(tfd & 0x0400))
		fail("ahci: read past the end: tfd %08x, expected a task file error with ABRT", tfd);
	restart_port();
	printf("ahci: read past the end: task file error %04x, port restarted\n", tfd & 0xffff);

	disk_run_checks(&ops);
}
