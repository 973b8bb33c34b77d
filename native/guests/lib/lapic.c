/* lapic.c: local APIC setup, IPIs and timer; see lapic.h. */
#include "lapic.h"

#include "delay.h"

#define SVR_APIC_ENABLE 0x100
#define LVT_MASKED 0x10000
#define LVT_DM_NMI 0x400
#define LVT_DM_EXTINT 0x700
#define LVT_TIMER_PERIODIC 0x20000
#define ICR_POLL_LIMIT 10000

void lapic_enable(void)
{
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, SVR_APIC_ENABLE | LAPIC_SPURIOUS_VECTOR);
}

void lapic_virtual_wire(void)
{
	lapic_write(LAPIC_LVT_LINT0, LVT_DM_EXTINT);
	lapic_write(LAPIC_LVT_LINT1, LVT_DM_NMI);
}

bool lapic_send_ipi(uint8_t apic_id, uint32_t icr_low)
{
	lapic_write(LAPIC_ICR_HI, (uint32_t)apic_id << 24);
	lapic_write(LAPIC_ICR_LO, icr_low); /* the write to ICR low sends the IPI */
	for (int i = 0; i < ICR_POLL_LIMIT; i++) {
		if (!(lapic_read(LAPIC_ICR_LO) & ICR_BUSY))
			return true;
	}
	return false;
}

bool lapic_start_ap(uint8_t apic_id, uint8_t page)
{
	bool ok = lapic_send_ipi(apic_id, ICR_INIT | ICR_LEVEL_ASSERT);

	delay_us(10000);
	for (int i = 0; i < 2; i++) {
		ok = lapic_send_ipi(apic_id, ICR_STARTUP | ICR_LEVEL_ASSERT | page) && ok;
		delay_us(200);
	}
	return ok;
}

void lapic_timer_start(uint8_t vector, uint32_t divide, uint32_t initial, bool periodic)
{
	lapic_write(LAPIC_TIMER_DIVIDE, divide);
	lapic_write(LAPIC_LVT_TIMER, vector | (periodic ? LVT_TIMER_PERIODIC : 0));
	lapic_write(LAPIC_TIMER_INITIAL, initial); /* writing the initial count starts it */
}

void lapic_timer_stop(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INITIAL, 0);
}

uint32_t lapic_timer_current(void)
{
	return lapic_read(LAPIC_TIMER_CURRENT);
}
