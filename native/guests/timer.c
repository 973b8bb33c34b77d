/*
 * timer: checks both timer interrupt paths of a PC.
 * Phase 1: PIT channel 0 at 1 kHz -> IRQ0 -> 8259 (remapped to 0x20) -> LAPIC LINT0 in
 * ExtINT mode (virtual wire) -> vector 0x20. Counts 10 ticks with `sti; hlt`. Meanwhile
 * the LAPIC timer runs one-shot from 0xffffffff at divide 1: its count measures the LAPIC
 * timer frequency against the PIT, and its interrupt (vector 0x41, ~4.3 s at KVM's
 * 1 GHz APIC bus) is the watchdog if IRQ0 never comes.
 * Phase 2: the LAPIC timer, periodic at divide 16, calibrated to 1 ms, vector 0x40.
 * Counts 10 interrupts while the PIT keeps ticking as the reference and the bound:
 * fails if they take more than 500 PIT ticks.
 * With KVM's in-kernel irqchip the PIT, both PICs and the LAPIC all live in the kernel;
 * with a userspace PIT the same path must be emulated by the VMM.
 */
#include "guest.h"

#define PIT_TICK_HZ 1000
#define TARGET_TICKS 10
#define PIT_TIMER_VECTOR (PIC_VECTOR_BASE + 0)
#define LAPIC_TIMER_VECTOR 0x40
#define LAPIC_WATCHDOG_VECTOR 0x41
#define PHASE2_PIT_LIMIT 500

static volatile uint32_t pit_ticks, lapic_ticks, watchdog_fired;

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

void guest_main(void)
{
	idt_set_handler(PIT_TIMER_VECTOR, on_pit);
	idt_set_handler(LAPIC_TIMER_VECTOR, on_lapic_timer);
	idt_set_handler(LAPIC_WATCHDOG_VECTOR, on_watchdog);
	pic_remap(PIC_VECTOR_BASE, PIC_VECTOR_BASE + 8);
	lapic_enable();
	lapic_virtual_wire();

	/* Phase 1: PIT IRQ0, measured with the LAPIC timer's current count. */
	pit_periodic(PIT_TICK_HZ);
	pic_unmask(0);
	lapic_timer_start(LAPIC_WATCHDOG_VECTOR, LAPIC_DIV_1, 0xffffffffu, false);
	while (pit_ticks < 1 && !watchdog_fired)
		wait_for_interrupt();
	uint32_t count0 = lapic_timer_current();
	uint64_t tsc0 = rdtsc();
	while (pit_ticks < 1 + TARGET_TICKS && !watchdog_fired)
		wait_for_interrupt();
	uint32_t count1 = lapic_timer_current();
	uint64_t tsc1 = rdtsc();
	if (watchdog_fired)
		fail("PIT IRQ0: %u of %u ticks before the LAPIC watchdog fired", pit_ticks, 1 + TARGET_TICKS);
	lapic_timer_stop();

	uint32_t lapic_per_ms = (count0 - count1) / TARGET_TICKS;
	uint32_t tsc_per_ms = (uint32_t)(tsc1 - tsc0) / TARGET_TICKS;
	printf("timer: PIT IRQ0 %u ticks at %u Hz; LAPIC timer %u kHz, TSC %u kHz\n", TARGET_TICKS, PIT_TICK_HZ,
	       lapic_per_ms, tsc_per_ms);
	if (lapic_per_ms < 16)
		fail("LAPIC timer count moved by %u in %u PIT ticks", count0 - count1, TARGET_TICKS);

	/* Phase 2: LAPIC timer periodic at 1 ms, bounded by PIT ticks. */
	uint32_t start = pit_ticks;
	lapic_timer_start(LAPIC_TIMER_VECTOR, LAPIC_DIV_16, lapic_per_ms / 16, true);
	while (lapic_ticks < TARGET_TICKS && pit_ticks - start < PHASE2_PIT_LIMIT)
		wait_for_interrupt();
	uint32_t elapsed = pit_ticks - start;
	lapic_timer_stop();
	pit_stop();
	pic_mask(0);

	printf("timer: LAPIC timer %u periodic interrupts (vector 0x%x) in %u PIT ticks\n", lapic_ticks,
	       LAPIC_TIMER_VECTOR, elapsed);
	if (lapic_ticks < TARGET_TICKS)
		fail("LAPIC timer: %u of %u interrupts in %u PIT ticks", lapic_ticks, TARGET_TICKS, elapsed);
	if (elapsed < 2)
		fail("LAPIC timer: %u 1 ms periods took %u PIT ticks: faster than calibrated", TARGET_TICKS, elapsed);
	pass();
}
