/*
 * disk_layout.h: the test image the disk guests (disk_ata, disk_virtio) expect, and the
 * checks they share. The host test builds the image; each guest supplies a transport
 * (read/write/flush one 512-byte sector) and calls disk_run_checks(), which prints and
 * ends the run with pass() or fail().
 *
 * Image (raw, at least DISK_MIN_SECTORS sectors of 512 bytes):
 *   sector 0               bytes 0-15: DISK_MARKER ("VIREO DISK TEST\0"), rest any
 *   sector DISK_SECTOR_N   byte i = disk_pattern_n(i) = i * 7 + 3 (mod 256)
 *   sector DISK_SECTOR_M   overwritten by the guest: byte i = disk_pattern_m(i) =
 *                          i * 13 + 0x21 (mod 256); the host checks it after the run
 * Printed: "<name>: capacity <n> sectors", "<name>: sector 0 fnv1a <x> marker ok",
 * "<name>: sector 100 fnv1a <x> pattern ok", "<name>: sector 101 written, flushed,
 * read back ok", then "PASS <guest>".
 */
#ifndef DISK_LAYOUT_H
#define DISK_LAYOUT_H

#include "guest.h"

#define DISK_MIN_SECTORS 128u
#define DISK_SECTOR_N 100u
#define DISK_SECTOR_M 101u
#define DISK_MARKER "VIREO DISK TEST"

static inline uint8_t disk_pattern_n(unsigned i) { return (uint8_t)(i * 7 + 3); }
static inline uint8_t disk_pattern_m(unsigned i) { return (uint8_t)(i * 13 + 0x21); }

struct disk_ops {
	const char *name;
	uint64_t sectors;
	/* Each returns 0 on success, or a negative number after printing why. */
	int (*read)(uint64_t lba, uint8_t *buf);
	int (*write)(uint64_t lba, const uint8_t *buf);
	int (*flush)(void);
};

static uint32_t disk_fnv1a(const uint8_t *p, unsigned n)
{
	uint32_t h = 2166136261u;
	unsigned i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static uint8_t disk_buf[512] __attribute__((aligned(16)));

static void disk_run_checks(const struct disk_ops *d)
{
	unsigned i;

	printf("%s: capacity %llu sectors\n", d->name, (unsigned long long)d->sectors);
	if (d->sectors < DISK_MIN_SECTORS)
		fail("%s: disk smaller than %u sectors", d->name, DISK_MIN_SECTORS);

	if (d->read(0, disk_buf))
		fail("%s: reading sector 0 failed", d->name);
	if (memcmp(disk_buf, DISK_MARKER, sizeof DISK_MARKER))
		fail("%s: sector 0 does not start with \"" DISK_MARKER "\"", d->name);
	printf("%s: sector 0 fnv1a %08x marker ok\n", d->name, disk_fnv1a(disk_buf, 512));

	if (d->read(DISK_SECTOR_N, disk_buf))
		fail("%s: reading sector %u failed", d->name, DISK_SECTOR_N);
	for (i = 0; i < 512; i++)
		if (disk_buf[i] != disk_pattern_n(i))
			fail("%s: sector %u byte %u is %02x, expected %02x", d->name, DISK_SECTOR_N, i,
			     disk_buf[i], disk_pattern_n(i));
	printf("%s: sector %u fnv1a %08x pattern ok\n", d->name, DISK_SECTOR_N, disk_fnv1a(disk_buf, 512));

	for (i = 0; i < 512; i++)
		disk_buf[i] = disk_pattern_m(i);
	if (d->write(DISK_SECTOR_M, disk_buf))
		fail("%s: writing sector %u failed", d->name, DISK_SECTOR_M);
	if (d->flush())
		fail("%s: flush failed", d->name);
	memset(disk_buf, 0, sizeof disk_buf);
	if (d->read(DISK_SECTOR_M, disk_buf))
		fail("%s: reading back sector %u failed", d->name, DISK_SECTOR_M);
	for (i = 0; i < 512; i++)
		if (disk_buf[i] != disk_pattern_m(i))
			fail("%s: sector %u read back byte %u as %02x", d->name, DISK_SECTOR_M, i, disk_buf[i]);
	printf("%s: sector %u written, flushed, read back ok\n", d->name, DISK_SECTOR_M);
	pass();
}

#endif
