/* delay.c: PIT channel 0 (periodic IRQ0) and channel 2 (delays); see delay.h. */
#include "delay.h"

#include "io.h"

#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_MODE 0x43
#define PORT_B 0x61 /* bit 0 gate 2, bit 1 speaker data, bit 5 OUT2 (read) */

#define PORTB_GATE2 0x01
#define PORTB_SPEAKER 0x02
#define PORTB_OUT2 0x20

#define CHUNK_US 50000u /* 50 ms * 1.193182 MHz < 65536 */

/* Control words (8254 datasheet): channel[7:6], access lo/hi = 11b [5:4], mode [3:1]. */
#define PIT_CH0_MODE0 0x30
#define PIT_CH0_MODE2 0x34
#define PIT_CH2_MODE0 0xb0

static void delay_chunk(uint32_t us)
{
	/* us * 1193 / 1000 stays below 2^32 for us <= CHUNK_US; the error is 0.015%. */
	uint32_t count = us * 1193u / 1000u;
	uint8_t b = inb(PORT_B) & (uint8_t)~(PORTB_GATE2 | PORTB_SPEAKER);

	if (count == 0)
		count = 1;
	outb(PORT_B, b); /* gate low: channel 2 holds */
	outb(PIT_MODE, PIT_CH2_MODE0);
	outb(PIT_CH2, (uint8_t)count);
	outb(PIT_CH2, (uint8_t)(count >> 8));
	outb(PORT_B, b | PORTB_GATE2); /* gate high: count down, OUT2 rises at zero */
	/* Any host takes well over 0.25 us per port read, so 4 polls per us is an upper
	 * bound on the polls a working PIT needs. */
	for (uint32_t polls = 4 * us + 100; polls; polls--) {
		if (inb(PORT_B) & PORTB_OUT2)
			break;
	}
	outb(PORT_B, b);
}

void delay_us(uint32_t us)
{
	while (us > CHUNK_US) {
		delay_chunk(CHUNK_US);
		us -= CHUNK_US;
	}
	if (us)
		delay_chunk(us);
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
