/* mptable.c: MP floating pointer search and configuration table parsing; see mptable.h. */
#include "mptable.h"

#include "mem.h"

#define BDA_EBDA_SEGMENT 0x40e
#define BDA_BASE_MEMORY_KB 0x413
#define BIOS_ROM_START 0xf0000
#define BIOS_ROM_END 0x100000

/* Floating pointer structure (§4.1), 16 bytes per length unit. */
#define FPS_PHYSPTR 4
#define FPS_LENGTH 8
#define FPS_SPEC_REV 9
#define FPS_FEATURE1 11

/* Configuration table header (§4.2), 44 bytes. */
#define CT_BASE_LENGTH 4
#define CT_ENTRY_COUNT 34
#define CT_LAPIC_ADDR 36
#define CT_HEADER_SIZE 44

/* Base table entry types and lengths (§4.3). */
#define ENTRY_PROCESSOR 0
#define PROC_APIC_ID 1
#define PROC_FLAGS 3
#define PROC_FLAG_EN 0x01
#define PROC_FLAG_BP 0x02

static uint8_t byte_at(uint32_t addr) { return *(volatile const uint8_t *)addr; }
static uint16_t word_at(uint32_t addr) { return (uint16_t)(byte_at(addr) | byte_at(addr + 1) << 8); }
static uint32_t dword_at(uint32_t addr) { return word_at(addr) | (uint32_t)word_at(addr + 2) << 16; }

static uint8_t checksum(uint32_t addr, uint32_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += byte_at(addr++);
	return sum;
}

/* Returns the address of a valid floating pointer in [start, start + len), or 0. */
static uint32_t scan(uint32_t start, uint32_t len)
{
	for (uint32_t a = start; a + 16 <= start + len; a += 16) {
		if (byte_at(a) != '_' || byte_at(a + 1) != 'M' || byte_at(a + 2) != 'P' || byte_at(a + 3) != '_')
			continue;
		uint8_t units = byte_at(a + FPS_LENGTH);
		if (units == 0 || checksum(a, units * 16u) != 0)
			continue;
		return a;
	}
	return 0;
}

static uint32_t find_fps(void)
{
	uint32_t ebda = (uint32_t)word_at(BDA_EBDA_SEGMENT) << 4;
	uint32_t base_kb = word_at(BDA_BASE_MEMORY_KB);
	uint32_t found = 0;

	if (ebda)
		found = scan(ebda, 1024);
	if (!found) {
		uint32_t top = (base_kb >= 1 && base_kb <= 640) ? base_kb * 1024 : 640 * 1024;
		found = scan(top - 1024, 1024);
	}
	if (!found)
		found = scan(BIOS_ROM_START, BIOS_ROM_END - BIOS_ROM_START);
	return found;
}

static const char *parse_table(struct mp_info *info)
{
	uint32_t t = info->table_addr;

	if (byte_at(t) != 'P' || byte_at(t + 1) != 'C' || byte_at(t + 2) != 'M' || byte_at(t + 3) != 'P')
		return "MP configuration table has no PCMP signature";
	uint16_t len = word_at(t + CT_BASE_LENGTH);
	if (len < CT_HEADER_SIZE)
		return "MP configuration table shorter than its header";
	if (checksum(t, len) != 0)
		return "MP configuration table checksum is wrong";
	info->entries = word_at(t + CT_ENTRY_COUNT);
	info->lapic_addr = dword_at(t + CT_LAPIC_ADDR);

	uint32_t p = t + CT_HEADER_SIZE, end = t + len;
	for (int i = 0; i < info->entries; i++) {
		if (p >= end)
			return "MP entry count runs past the base table length";
		uint8_t type = byte_at(p);
		uint32_t size = type == ENTRY_PROCESSOR ? 20 : 8;
		if (type > 4)
			return "MP table has an entry of unknown type";
		if (p + size > end)
			return "MP entry runs past the base table length";
		if (type == ENTRY_PROCESSOR && info->ncpus < MP_MAX_CPUS) {
			struct mp_cpu *c = &info->cpus[info->ncpus++];
			uint8_t flags = byte_at(p + PROC_FLAGS);

			c->apic_id = byte_at(p + PROC_APIC_ID);
			c->enabled = flags & PROC_FLAG_EN;
			c->bsp = flags & PROC_FLAG_BP;
		}
		p += size;
	}
	return 0;
}

const char *mp_find(struct mp_info *info)
{
	memset(info, 0, sizeof(*info));
	info->fps_addr = find_fps();
	if (!info->fps_addr)
		return "no MP floating pointer structure (_MP_) found";
	info->spec_rev = byte_at(info->fps_addr + FPS_SPEC_REV);
	info->default_type = byte_at(info->fps_addr + FPS_FEATURE1);
	if (info->default_type) {
		/* §5: default configurations have two processors, APIC IDs 0 (BSP) and 1. */
		info->lapic_addr = 0xfee00000;
		info->ncpus = 2;
		info->cpus[0] = (struct mp_cpu){ 0, true, true };
		info->cpus[1] = (struct mp_cpu){ 1, true, false };
		return 0;
	}
	info->table_addr = dword_at(info->fps_addr + FPS_PHYSPTR);
	if (!info->table_addr)
		return "MP floating pointer has neither a table nor a default configuration";
	return parse_table(info);
}
