/*
 * lapic.h: the local APIC in xAPIC mode at its default base 0xfee00000 (SDM vol. 3
 * ch. 11). Register offsets are the LAPIC_* constants below.
 *   lapic_read(reg), lapic_write(reg, v)  32-bit MMIO access
 *   lapic_id()                            APIC ID register bits 31:24
 *   lapic_enable()                        SVR: software enable, spurious vector 0xff; TPR 0
 *   lapic_virtual_wire()                  LVT0 ExtINT (8259 output), LVT1 NMI: the MP
 *                                         spec's virtual wire mode, for PIC interrupts
 *   lapic_eoi()                           EOI register write
 *   lapic_send_ipi(apic_id, icr_low)      ICR high then low; waits (bounded) for the
 *                                         delivery status bit 12 to clear; false if not
 *   lapic_start_ap(apic_id, page)         INIT, 10 ms, STARTUP, 200 us, STARTUP (MP spec
 *                                         1.4 B.4); the AP starts in real mode at
 *                                         page * 4096 (page < 0x100)
 *   lapic_timer_start(vector, divide, initial, periodic), lapic_timer_stop(),
 *   lapic_timer_current()                 LVT timer, divide configuration (LAPIC_DIV_*),
 *                                         initial / current count
 */
#ifndef GUEST_LAPIC_H
#define GUEST_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_BASE 0xfee00000u
#define LAPIC_SPURIOUS_VECTOR 0xff

#define LAPIC_ID 0x020
#define LAPIC_VERSION 0x030
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0

/* ICR low (SDM 11.6.1): delivery mode [10:8], level [14], delivery status [12]. */
#define ICR_INIT 0x00000500u
#define ICR_STARTUP 0x00000600u
#define ICR_LEVEL_ASSERT 0x00004000u
#define ICR_BUSY 0x00001000u

/* Divide configuration register values (bits 3, 1:0). */
#define LAPIC_DIV_1 0xb
#define LAPIC_DIV_16 0x3

static inline uint32_t lapic_read(uint32_t reg) { return *(volatile uint32_t *)(LAPIC_BASE + reg); }
static inline void lapic_write(uint32_t reg, uint32_t v) { *(volatile uint32_t *)(LAPIC_BASE + reg) = v; }
static inline uint8_t lapic_id(void) { return (uint8_t)(lapic_read(LAPIC_ID) >> 24); }
static inline void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

void lapic_enable(void);
void lapic_virtual_wire(void);
bool lapic_send_ipi(uint8_t apic_id, uint32_t icr_low);
bool lapic_start_ap(uint8_t apic_id, uint8_t page);
void lapic_timer_start(uint8_t vector, uint32_t divide, uint32_t initial, bool periodic);
void lapic_timer_stop(void);
uint32_t lapic_timer_current(void);

#endif
