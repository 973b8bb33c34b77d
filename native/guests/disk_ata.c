/*
 * disk_ata: the IDE disk through the PCI IDE function's legacy ports, polled (nIEN set,
 * no interrupts), ATA PIO:
 *   - finds class 01h/01h on PCI bus 0 (Vireo's PIIX3 IDE 8086:7010, QEMU's at 00:01.1);
 *     legacy mode (prog-if bit 0 clear): primary channel at 0x1F0-0x1F7 / 0x3F6
 *   - IDENTIFY DEVICE on the master: ATA device, model, LBA28/LBA48 capacity
 *   - the image checks of disk_layout.h with READ SECTORS (0x20), READ SECTORS EXT
 *     (0x24, sector N is read both ways), WRITE SECTORS (0x30), FLUSH CACHE (0xE7)
 *   - a READ SECTORS EXT at LBA = capacity must be aborted (ERR, error ABRT)
 *
 * qemu-check: skip needs a disk image (layout in disk_layout.h):
 *   ./qemu-run.sh disk_ata -drive file=IMG,format=raw,if=ide,index=0
 */
#include "guest.h"

#include "disk_layout.h"
#include "pci.h"

#define CMD 0x1f0
#define CTRL 0x3f6
#define ST_BSY 0x80
#define ST_DRQ 0x08
#define ST_ERR 0x01

static uint8_t wait_not_busy(void)
{
	uint32_t n;

	for (n = 0; n < 1000000; n++) {
		uint8_t s = inb(CMD + 7);
		if (!(s & ST_BSY))
			return s;
	}
	fail("ata: BSY stuck");
}

static void issue(uint64_t lba, unsigned count, uint8_t cmd, int ext)
{
	wait_not_busy();
	if (ext) {
		outb(CMD + 6, 0x40);
		outb(CMD + 2, (uint8_t)(count >> 8));
		outb(CMD + 3, (uint8_t)(lba >> 24));
		outb(CMD + 4, (uint8_t)(lba >> 32));
		outb(CMD + 5, (uint8_t)(lba >> 40));
	} else {
		outb(CMD + 6, (uint8_t)(0xe0 | ((lba >> 24) & 0x0f)));
	}
	outb(CMD + 2, (uint8_t)count);
	outb(CMD + 3, (uint8_t)lba);
	outb(CMD + 4, (uint8_t)(lba >> 8));
	outb(CMD + 5, (uint8_t)(lba >> 16));
	outb(CMD + 7, cmd);
}

/* After a data command's DRQ block: the device must be idle without an error. */
static int finish(const char *what)
{
	uint8_t s;

	inb(CTRL); /* one PIO cycle, as drivers do before polling */
	s = wait_not_busy();
	if (s & (ST_DRQ | ST_ERR)) {
		printf("ata: %s ended with status %02x error %02x\n", what, s, inb(CMD + 1));
		return -1;
	}
	return 0;
}

static int data_in(uint64_t lba, uint8_t cmd, int ext, uint8_t *buf)
{
	unsigned i;
	uint8_t s;

	issue(lba, 1, cmd, ext);
	s = wait_not_busy();
	if ((s & (ST_DRQ | ST_ERR)) != ST_DRQ) {
		printf("ata: command %02x lba %u: status %02x error %02x\n", cmd, (unsigned)lba, s, inb(CMD + 1));
		return -1;
	}
	for (i = 0; i < 512; i += 2) {
		uint16_t w = inw(CMD);
		buf[i] = (uint8_t)w;
		buf[i + 1] = (uint8_t)(w >> 8);
	}
	return finish("read");
}

static int ata_read(uint64_t lba, uint8_t *buf)
{
	static uint8_t ext_buf[512];

	if (data_in(lba, 0x20, 0, buf))
		return -1;
	if (lba != DISK_SECTOR_N)
		return 0;
	if (data_in(lba, 0x24, 1, ext_buf))
		return -1;
	if (memcmp(buf, ext_buf, 512)) {
		printf("ata: READ SECTORS and READ SECTORS EXT disagree\n");
		return -1;
	}
	return 0;
}

static int ata_write(uint64_t lba, const uint8_t *buf)
{
	unsigned i;
	uint8_t s;

	issue(lba, 1, 0x30, 0);
	s = wait_not_busy();
	if ((s & (ST_DRQ | ST_ERR)) != ST_DRQ) {
		printf("ata: WRITE SECTORS: status %02x error %02x\n", s, inb(CMD + 1));
		return -1;
	}
	for (i = 0; i < 512; i += 2)
		outw(CMD, (uint16_t)(buf[i] | buf[i + 1] << 8));
	return finish("write");
}

static int ata_flush(void)
{
	uint8_t s;

	wait_not_busy();
	outb(CMD + 6, 0xa0);
	outb(CMD + 7, 0xe7);
	s = wait_not_busy();
	if (s & ST_ERR) {
		printf("ata: FLUSH CACHE: status %02x error %02x\n", s, inb(CMD + 1));
		return -1;
	}
	return 0;
}

static int is_ide(uint32_t id, uint32_t class_rev)
{
	(void)id;
	return (class_rev >> 16) == 0x0101;
}

void guest_main(void)
{
	static uint16_t ident[256];
	struct disk_ops ops = {"ata", 0, ata_read, ata_write, ata_flush};
	char model[41];
	unsigned i;
	uint8_t s;
	int dev = pci_find(is_ide);
	uint32_t class_rev;

	if (dev < 0)
		fail("no IDE controller (class 01h/01h) on PCI bus 0");
	class_rev = pci_cfg_read((unsigned)dev, 8);
	printf("ata: IDE controller %04x:%04x at 00:%02x.%x, prog-if %02x\n",
	       pci_cfg_read((unsigned)dev, 0) & 0xffff, pci_cfg_read((unsigned)dev, 0) >> 16,
	       dev >> 3, dev & 7, (class_rev >> 8) & 0xff);
	if (class_rev & 0x100)
		fail("primary channel in native mode: only legacy ports are handled here");
	/* COMMAND: I/O space decode on (a BIOS would have done it). */
	pci_cfg_write16((unsigned)dev, 4, (uint16_t)(pci_cfg_read((unsigned)dev, 4) | 1));

	outb(CTRL, 0x02); /* nIEN: this guest polls */
	outb(CMD + 6, 0xa0);
	s = wait_not_busy();
	if (s == 0xff)
		fail("primary channel floats (no drive)");
	outb(CMD + 7, 0xec);
	s = wait_not_busy();
	if ((s & (ST_DRQ | ST_ERR)) != ST_DRQ)
		fail("IDENTIFY DEVICE: status %02x error %02x", s, inb(CMD + 1));
	for (i = 0; i < 256; i++)
		ident[i] = inw(CMD);
	if (finish("IDENTIFY"))
		fail("IDENTIFY DEVICE did not complete");
	if (ident[0] & 0x8000)
		fail("master is not an ATA device (word 0 = %04x)", ident[0]);
	for (i = 0; i < 20; i++) {
		model[2 * i] = (char)(ident[27 + i] >> 8);
		model[2 * i + 1] = (char)ident[27 + i];
	}
	model[40] = 0;
	for (i = 40; i > 0 && model[i - 1] == ' '; i--)
		model[i - 1] = 0;
	ops.sectors = ident[60] | (uint32_t)ident[61] << 16;
	if (ident[83] & (1 << 10))
		ops.sectors = ident[100] | (uint32_t)ident[101] << 16 | (uint64_t)ident[102] << 32 |
			      (uint64_t)ident[103] << 48;
	printf("ata: master \"%s\", LBA48 %s\n", model, (ident[83] & (1 << 10)) ? "yes" : "no");

	/* Hostile-side check: one sector past the end is aborted, not served. */
	issue(ops.sectors, 1, 0x24, 1);
	s = wait_not_busy();
	if (!(s & ST_ERR) || (s & ST_DRQ) || !(inb(CMD + 1) & 0x04))
		fail("READ SECTORS EXT past the end: status %02x, expected an abort", s);
	printf("ata: read past the end aborted\n");

	disk_run_checks(&ops);
}
