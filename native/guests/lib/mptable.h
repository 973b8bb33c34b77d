/*
 * mptable.h: finds and parses the Intel MultiProcessor Specification 1.4 tables.
 *   mp_find(&info)   searches for the "_MP_" floating pointer (§4: first KiB of the EBDA,
 *                    segment at BDA 0x40e; else the last KiB of base memory, size in KiB
 *                    at BDA 0x413, 639-640 KiB when unset; then the BIOS ROM
 *                    0xf0000-0xfffff), checks both checksums, and lists the processor
 *                    entries. Returns NULL on success, else a reason for a FAIL line.
 * A floating pointer with a default configuration type (feature byte 1 != 0, no table)
 * describes two processors with APIC IDs 0 and 1 (§5).
 */
#ifndef GUEST_MPTABLE_H
#define GUEST_MPTABLE_H

#include <stdbool.h>
#include <stdint.h>

#define MP_MAX_CPUS 32

struct mp_cpu {
	uint8_t apic_id;
	bool enabled; /* CPU flags bit 0 EN */
	bool bsp;     /* CPU flags bit 1 BP */
};

struct mp_info {
	uint32_t fps_addr;    /* floating pointer structure */
	uint32_t table_addr;  /* configuration table ("PCMP"), 0 for a default config */
	uint8_t spec_rev;     /* 1 = MP 1.1, 4 = MP 1.4 */
	uint8_t default_type; /* floating pointer feature byte 1 */
	uint32_t lapic_addr;  /* from the table header */
	int entries;          /* base table entry count */
	int ncpus;            /* processor entries kept (at most MP_MAX_CPUS) */
	struct mp_cpu cpus[MP_MAX_CPUS];
};

const char *mp_find(struct mp_info *info);

#endif
