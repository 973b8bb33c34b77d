/* delay.c: PIT channel 2 stopwatch and delays, channel 0 periodic IRQ0; see delay.h. */
#include "delay.h"

#include "div64.h"
#include "io.h"

#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_MODE 0x43
#define PORT_B 0x61 /* bit 0 gate 2, bit 1 speaker data */

#define PORTB_GATE2 0x01
#define PORTB_SPEAKER 0x02

/* Control words (8254 datasheet): channel [7:6], access [5:4] (11b lo/hi, 00b latch),
 * mode [3:1], binary. */
#define PIT_CH0_MODE0 0x30
#define PIT_CH0_MODE2 0x34
#define PIT_CH2_MODE0 0xb0
#define PIT_CH2_LATCH 0x80

static uint16_t read_ch2(void)
{
	outb(PIT_MODE, PIT_CH2_LATCH);
	uint8_t lo = inb(PIT_CH2);
	uint8_t hi = inb(PIT_CH2);
	return (uint16_t)(lo | hi << 8);
}

void pit_stopwatch_start(struct pit_stopwatch *sw)
{
	uint8_t b = inb(PORT_B) & (uint8_t)~PORTB_SPEAKER;

	outb(PORT_B, b | PORTB_GATE2);
	outb(PIT_MODE, PIT_CH2_MODE0);
	outb(PIT_CH2, 0); /* count 0 = 65536: wraps to 0xffff and keeps counting */
	outb(PIT_CH2, 0);
	sw->last = read_ch2();
	sw->ticks = 0;
}

uint64_t pit_stopwatch_ticks(struct pit_stopwatch *sw)
{
	uint16_t now = read_ch2();

	sw->ticks += (uint16_t)(sw->last - now); /* down counter: modulo-65536 difference */
	sw->last = now;
	return sw->ticks;
}

void delay_us(uint32_t us)
{
	uint64_t target = (uint64_t)us * PIT_HZ;
	struct pit_stopwatch sw;

	div64_32(&target, 1000000);
	pit_stopwatch_start(&sw);
	/* A loop is three port accesses: over 1 us on any host, so `us` loops (plus some
	 * slack) is more than a working PIT needs. */
	for (uint32_t loops = us + 1000; loops; loops--) {
		if (pit_stopwatch_ticks(&sw) >= target)
			break;
	}
}

void pit_periodic(uint32_t hz)
{
	uint32_t divisor = hz ? PIT_HZ / hz : 0;

	if (divisor < 2)
		divisor = 2;
	if (divisor > 0xffff)
		divisor = 0; /* 0 means 65536 */
	outb(PIT_MODE, PIT_CH0_MODE2);
	outb(PIT_CH0, (uint8_t)divisor);
	outb(PIT_CH0, (uint8_t)(divisor >> 8));
}

void pit_stop(void)
{
	outb(PIT_MODE, PIT_CH0_MODE0);
}
