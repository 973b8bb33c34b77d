/*
 * exit_storm: a fixed burst of VM exits for benchmarks.
 *   EXIT_STORM_OUTS  `out 0x80, al` (POST code port)
 *   EXIT_STORM_INS   `in al, 0x80`
 *   EXIT_STORM_MMIO  32-bit reads of EXIT_STORM_MMIO_ADDR, 0xfed00000: the PC HPET
 *                    address, which Vireo leaves unclaimed (reads return all-ones);
 *                    QEMU -M pc has its HPET there, which is just as good for a storm
 * Milestone 2 marks the start and milestone 3 the end of the storm, so the host can time
 * it; the guest also prints TSC cycles per exit. Defaults total 100000 exits (about 1 s
 * at 10 us per exit). Override at build time, e.g.
 *   make -C native/guests clean all EXTRA_CFLAGS=-DEXIT_STORM_OUTS=1000
 */
#include "guest.h"

#ifndef EXIT_STORM_OUTS
#define EXIT_STORM_OUTS 60000u
#endif
#ifndef EXIT_STORM_INS
#define EXIT_STORM_INS 20000u
#endif
#ifndef EXIT_STORM_MMIO
#define EXIT_STORM_MMIO 20000u
#endif
#ifndef EXIT_STORM_MMIO_ADDR
#define EXIT_STORM_MMIO_ADDR 0xfed00000u
#endif

#define POST_PORT 0x80

void guest_main(void)
{
	uint32_t total = EXIT_STORM_OUTS + EXIT_STORM_INS + EXIT_STORM_MMIO;
	uint8_t last_in = 0;
	uint32_t last_mmio = 0;

	milestone(1);
	printf("exit_storm: %u out + %u in on port 0x%x, %u MMIO reads at 0x%x\n", EXIT_STORM_OUTS, EXIT_STORM_INS,
	       POST_PORT, EXIT_STORM_MMIO, EXIT_STORM_MMIO_ADDR);
	milestone(2);
	uint64_t t0 = rdtsc();
	for (uint32_t i = 0; i < EXIT_STORM_OUTS; i++)
		outb(POST_PORT, (uint8_t)i);
	for (uint32_t i = 0; i < EXIT_STORM_INS; i++)
		last_in = inb(POST_PORT);
	for (uint32_t i = 0; i < EXIT_STORM_MMIO; i++)
		last_mmio = mmio_read32(EXIT_STORM_MMIO_ADDR);
	uint64_t cycles = rdtsc() - t0;
	milestone(3);

	uint64_t per_exit = cycles;
	if (total)
		div64_32(&per_exit, total);
	printf("exit_storm: %u exits in %llu TSC cycles (%llu per exit); last in 0x%x, last MMIO 0x%x\n", total,
	       cycles, per_exit, last_in, last_mmio);
	pass();
}
