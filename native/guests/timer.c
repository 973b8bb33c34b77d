/*
 * timer: checks both timer interrupt paths of a PC.
 * Calibration: the LAPIC timer count and the TSC are read against PIT channel 2's
 * counter (lib/delay.h stopwatch) over 10 ms. The PIT counter follows host time; IRQ0
 * ticks are no clock: KVM re-injects missed ticks back to back after the vCPU was
 * descheduled (seen here under load: 10 ticks in 0.5 ms). Elapsed times are TSC time.
 * Phase 1: PIT channel 0 at 1 kHz -> IRQ0 -> 8259 (remapped to 0x20) -> LAPIC LINT0 in
 * ExtINT mode (virtual wire) -> vector 0x20. Counts 10 ticks with `sti; hlt`. The LAPIC
 * timer, one-shot 1 s at divide 16 (vector 0x41), is the watchdog.
 * Phase 2: the LAPIC timer periodic at 1 ms, divide 16, vector 0x40, while IRQ0 keeps
 * waking the CPU. 10 interrupts must take between 5 ms (catches a wrong divider or
 * period) and 1 s. KVM coalesces missed LAPIC timer periods, so it is never early.
 * With KVM's in-kernel irqchip the PIT, both PICs and the LAPIC all live in the kernel.
 */
#include "guest.h"

#define PIT_TICK_HZ 1000
#define TARGET_TICKS 10
#define PIT_TIMER_VECTOR (PIC_VECTOR_BASE + 0)
#define LAPIC_TIMER_VECTOR 0x40
#define LAPIC_WATCHDOG_VECTOR 0x41
#define CALIBRATION_TICKS (PIT_HZ / 100) /* 10 ms */
#define CALIBRATION_LOOPS 100000
#define LIMIT_MS 1000
#define LAPIC_MIN_MS 5

static volatile uint32_t pit_ticks, lapic_ticks, watchdog_fired;
static uint32_t tsc_per_ms;

static void on_pit(struct irq_frame *frame)
{
	(void)frame;
	pit_ticks++;
	pic_eoi(0);
}

static void on_lapic_timer(struct irq_frame *frame)
{
	(void)frame;
	lapic_ticks++;
	lapic_eoi();
}

static void on_watchdog(struct irq_frame *frame)
{
	(void)frame;
	watchdog_fired = 1;
	lapic_eoi();
}

/* Sleeps until an interrupt arrives; returns with interrupts off. */
static void wait_for_interrupt(void)
{
	sti_hlt();
	cli();
}

/* delta counted over `ticks` PIT ticks -> counts per ms */
static uint32_t per_ms(uint64_t delta, uint32_t ticks)
{
	uint64_t n = delta * PIT_HZ;

	div64_32(&n, ticks);
	div64_32(&n, 1000);
	return n > 0xffffffffu ? 0xffffffffu : (uint32_t)n;
}

static uint32_t ms_since(uint64_t tsc0)
{
	uint64_t cycles = rdtsc() - tsc0;

	div64_32(&cycles, tsc_per_ms);
	return cycles > 0xffffffffu ? 0xffffffffu : (uint32_t)cycles;
}

void guest_main(void)
{
	idt_set_handler(PIT_TIMER_VECTOR, on_pit);
	idt_set_handler(LAPIC_TIMER_VECTOR, on_lapic_timer);
	idt_set_handler(LAPIC_WATCHDOG_VECTOR, on_watchdog);
	pic_remap(PIC_VECTOR_BASE, PIC_VECTOR_BASE + 8);
	lapic_enable();
	lapic_virtual_wire();

	/* Calibration against PIT channel 2 (interrupts off: nothing is unmasked yet). */
	struct pit_stopwatch sw;
	uint64_t ticks = 0;
	lapic_timer_start(LAPIC_WATCHDOG_VECTOR, LAPIC_DIV_1, 0xffffffffu, false);
	pit_stopwatch_start(&sw);
	uint32_t count0 = lapic_timer_current();
	uint64_t tsc0 = rdtsc();
	for (int i = 0; i < CALIBRATION_LOOPS && ticks < CALIBRATION_TICKS; i++)
		ticks = pit_stopwatch_ticks(&sw);
	uint32_t count1 = lapic_timer_current();
	uint64_t tsc1 = rdtsc();
	lapic_timer_stop();
	if (ticks < CALIBRATION_TICKS)
		fail("PIT channel 2 counted %u of %u ticks in %u reads", (uint32_t)ticks, CALIBRATION_TICKS,
		     CALIBRATION_LOOPS);
	uint32_t lapic_per_ms = per_ms(count0 - count1, (uint32_t)ticks);
	tsc_per_ms = per_ms(tsc1 - tsc0, (uint32_t)ticks);
	printf("timer: calibrated over %u PIT ticks: LAPIC timer %u kHz, TSC %u kHz\n", (uint32_t)ticks, lapic_per_ms,
	       tsc_per_ms);
	if (lapic_per_ms < 16 || tsc_per_ms == 0)
		fail("calibration: LAPIC timer %u kHz, TSC %u kHz", lapic_per_ms, tsc_per_ms);

	/* Phase 1: PIT IRQ0 through the 8259, LAPIC one-shot watchdog. */
	lapic_timer_start(LAPIC_WATCHDOG_VECTOR, LAPIC_DIV_16, lapic_per_ms / 16 * LIMIT_MS, false);
	tsc0 = rdtsc();
	pit_periodic(PIT_TICK_HZ);
	pic_unmask(0);
	while (pit_ticks < TARGET_TICKS && !watchdog_fired)
		wait_for_interrupt();
	uint32_t pit_ms = ms_since(tsc0);
	lapic_timer_stop();
	if (watchdog_fired)
		fail("PIT IRQ0: %u of %u ticks in %u ms", pit_ticks, TARGET_TICKS, pit_ms);
	printf("timer: PIT IRQ0 (vector 0x%x): %u ticks at %u Hz in %u ms\n", PIT_TIMER_VECTOR, TARGET_TICKS,
	       PIT_TICK_HZ, pit_ms);

	/* Phase 2: LAPIC timer periodic at 1 ms; IRQ0 keeps waking the loop for the bound. */
	tsc0 = rdtsc();
	lapic_timer_start(LAPIC_TIMER_VECTOR, LAPIC_DIV_16, lapic_per_ms / 16, true);
	uint32_t lapic_ms = 0;
	while (lapic_ticks < TARGET_TICKS && lapic_ms <= LIMIT_MS) {
		wait_for_interrupt();
		lapic_ms = ms_since(tsc0);
	}
	lapic_timer_stop();
	pit_stop();
	pic_mask(0);
	printf("timer: LAPIC timer (vector 0x%x): %u periodic interrupts at 1 ms in %u ms\n", LAPIC_TIMER_VECTOR,
	       lapic_ticks, lapic_ms);
	if (lapic_ticks < TARGET_TICKS)
		fail("LAPIC timer: %u of %u interrupts in %u ms", lapic_ticks, TARGET_TICKS, lapic_ms);
	if (lapic_ms < LAPIC_MIN_MS)
		fail("LAPIC timer: %u periods of 1 ms took only %u ms", TARGET_TICKS, lapic_ms);
	pass();
}
