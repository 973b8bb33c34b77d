/*
 * delay.h: the 8254 PIT (1.193182 MHz input clock, ports 0x40-0x43, gate/status 0x61).
 *   delay_us(us)          busy-waits with channel 2 in mode 0 (interrupt on terminal
 *                         count), polling port 0x61 bit 5 (OUT2); gate = 0x61 bit 0.
 *                         Each poll is a VM exit. The poll count is bounded, so an
 *                         absent PIT shortens the delay instead of hanging.
 *   pit_periodic(hz)      channel 0 in mode 2 (rate generator) -> IRQ0 at `hz` (19..1193181)
 *   pit_stop()            channel 0 back to mode 0 without a count: no more IRQ0
 * Channel 0 and channel 2 are independent: delay_us works while IRQ0 ticks.
 */
#ifndef GUEST_DELAY_H
#define GUEST_DELAY_H

#include <stdint.h>

#define PIT_HZ 1193182u

void delay_us(uint32_t us);
void pit_periodic(uint32_t hz);
void pit_stop(void);

#endif
