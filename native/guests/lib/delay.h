/*
 * delay.h: time from the 8254 PIT (1.193182 MHz input clock, ports 0x40-0x43).
 * Channel 2 free-runs as a 16-bit down counter (mode 0, count 65536, gate on through port
 * 0x61 bit 0) and is read with the counter-latch command; a stopwatch adds up the
 * decrements between reads. This needs only ports 0x42/0x43, which KVM's in-kernel PIT
 * serves from host time: unlike OUT2 on port 0x61, which not every VMM emulates (with
 * KVM_CREATE_PIT2 and no KVM_PIT_SPEAKER_DUMMY flag, KVM leaves port 0x61 to userspace),
 * and unlike IRQ0 ticks, which KVM may deliver late and then back to back.
 *   pit_stopwatch_start(&sw)   (re)starts channel 2 and the stopwatch
 *   pit_stopwatch_ticks(&sw)   PIT ticks since the start; call at least every 54 ms
 *   delay_us(us)               busy-waits; each loop is 3 port exits. The loop count is
 *                              bounded, so a missing PIT shortens the delay, never hangs
 *   pit_periodic(hz)           channel 0 in mode 2 (rate generator) -> IRQ0 at hz
 *                              (19..596591)
 *   pit_stop()                 channel 0 back to mode 0 without a count: no more IRQ0
 */
#ifndef GUEST_DELAY_H
#define GUEST_DELAY_H

#include <stdint.h>

#define PIT_HZ 1193182u

struct pit_stopwatch {
	uint16_t last;  /* counter at the previous read */
	uint64_t ticks; /* decrements seen since the start */
};

void pit_stopwatch_start(struct pit_stopwatch *sw);
uint64_t pit_stopwatch_ticks(struct pit_stopwatch *sw);
void delay_us(uint32_t us);
void pit_periodic(uint32_t hz);
void pit_stop(void);

#endif
