/*
 * smp: brings up every processor the MP table lists.
 * Finds the MP floating pointer and configuration table (lib/mptable.c), copies the
 * real-mode AP trampoline to 0x8000, sends INIT-SIPI-SIPI to each enabled processor
 * entry other than the BSP, and waits (bounded: 500 ms) for every AP to check in with
 * `lock xadd`. Prints "smp: N of M cpus running" (M = enabled processor entries) and
 * the APIC IDs; passes when N == M and the APs' APIC IDs are exactly the table's.
 */
#include "ap_trampoline.h"
#include "guest.h"
#include "mptable.h"

/* 0x8000: above Vireo's zero page (0x7000-0x7fff), below QEMU's setup (0x10000). */
#define TRAMPOLINE_PAGE 0x08
#define TRAMPOLINE_ADDR (TRAMPOLINE_PAGE * 0x1000u)
#define WAIT_STEP_US 1000
#define WAIT_STEPS 500

static volatile uint32_t *const ap_counter = (volatile uint32_t *)(TRAMPOLINE_ADDR + AP_TRAMP_COUNTER);
static volatile uint8_t *const ap_ids = (volatile uint8_t *)(TRAMPOLINE_ADDR + AP_TRAMP_IDS);

static bool table_has_ap(const struct mp_info *mp, uint8_t id, uint8_t bsp)
{
	if (id == bsp)
		return false;
	for (int i = 0; i < mp->ncpus; i++) {
		if (mp->cpus[i].enabled && mp->cpus[i].apic_id == id)
			return true;
	}
	return false;
}

void guest_main(void)
{
	struct mp_info mp;
	const char *err = mp_find(&mp);
	int expected = 0;

	if (err)
		fail("%s", err);
	printf("smp: MP floating pointer at 0x%x (spec 1.%u), table at 0x%x, %d entries, local APIC 0x%x\n",
	       mp.fps_addr, mp.spec_rev, mp.table_addr, mp.entries, mp.lapic_addr);
	printf("smp: MP table processors:");
	for (int i = 0; i < mp.ncpus; i++) {
		printf(" %u%s%s", mp.cpus[i].apic_id, mp.cpus[i].bsp ? "(BP)" : "",
		       mp.cpus[i].enabled ? "" : "(disabled)");
		expected += mp.cpus[i].enabled;
	}
	printf("\n");
	if (expected > AP_TRAMP_MAX_IDS)
		fail("%d processors: more than this guest can track (%d)", expected, AP_TRAMP_MAX_IDS);
	if (mp.lapic_addr != LAPIC_BASE)
		fail("MP table puts the local APIC at 0x%x, not 0x%x", mp.lapic_addr, LAPIC_BASE);

	lapic_enable();
	uint8_t bsp = lapic_id();
	bool bsp_listed = false;
	for (int i = 0; i < mp.ncpus; i++)
		bsp_listed |= mp.cpus[i].enabled && mp.cpus[i].apic_id == bsp;
	if (!bsp_listed)
		fail("the BSP's APIC ID %u is not an enabled MP table processor", bsp);

	memcpy((void *)TRAMPOLINE_ADDR, ap_trampoline_start, (size_t)(ap_trampoline_end - ap_trampoline_start));
	for (int i = 0; i < mp.ncpus; i++) {
		if (!mp.cpus[i].enabled || mp.cpus[i].apic_id == bsp)
			continue;
		if (!lapic_start_ap(mp.cpus[i].apic_id, TRAMPOLINE_PAGE))
			fail("INIT/STARTUP IPI to APIC ID %u stayed pending", mp.cpus[i].apic_id);
	}

	uint32_t aps = 0;
	for (int step = 0; step < WAIT_STEPS; step++) {
		aps = *ap_counter;
		if (aps >= (uint32_t)expected - 1)
			break;
		delay_us(WAIT_STEP_US);
	}
	/* An AP stores its ID right after taking its slot: wait for the last stores. */
	for (int step = 0; step < WAIT_STEPS; step++) {
		bool all = true;
		for (uint32_t i = 0; i < aps && i < AP_TRAMP_MAX_IDS; i++)
			all &= ap_ids[i] != 0xff;
		if (all)
			break;
		delay_us(WAIT_STEP_US);
	}

	printf("smp: %u of %d cpus running\n", aps + 1, expected);
	printf("smp: APIC IDs: BSP %u, APs", bsp);
	for (uint32_t i = 0; i < aps && i < AP_TRAMP_MAX_IDS; i++)
		printf(" %u", ap_ids[i]);
	printf("\n");

	if (aps + 1 != (uint32_t)expected)
		fail("%u of %d cpus running", aps + 1, expected);
	for (uint32_t i = 0; i < aps; i++) {
		if (!table_has_ap(&mp, ap_ids[i], bsp))
			fail("an AP reported APIC ID %u, not an AP in the MP table", ap_ids[i]);
		for (uint32_t j = 0; j < i; j++) {
			if (ap_ids[j] == ap_ids[i])
				fail("APIC ID %u checked in twice", ap_ids[i]);
		}
	}
	pass();
}
