/* TSC frequency from CPUID 0x40000010 or PIT channel 2 (tsc.h). */
#include "tsc.h"

#include "guest.h"

uint32_t tsc_khz_find(const char **source)
{
	uint32_t a, b, c, d;
	cpuid(0x40000000u, &a, &b, &c, &d);
	if (a >= 0x40000010u && a < 0x40000100u) {
		cpuid(0x40000010u, &a, &b, &c, &d);
		if (a) {
			*source = "cpuid";
			return a;
		}
	}
	struct pit_stopwatch sw;
	uint64_t ticks = 0;
	pit_stopwatch_start(&sw);
	uint64_t t0 = rdtsc();
	for (int i = 0; i < 100000 && ticks < PIT_HZ / 100; i++)
		ticks = pit_stopwatch_ticks(&sw);
	uint64_t cycles = rdtsc() - t0;
	if (ticks < PIT_HZ / 100)
		fail("no TSC frequency: no CPUID 0x40000010 and PIT channel 2 counted %u ticks", (uint32_t)ticks);
	uint64_t khz = cycles * PIT_HZ;
	div64_32(&khz, (uint32_t)ticks);
	div64_32(&khz, 1000);
	*source = "pit";
	return (uint32_t)khz;
}
