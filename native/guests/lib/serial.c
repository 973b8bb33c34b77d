/* serial.c: polled 16550A driver for COM1; see serial.h. */
#include "serial.h"

#include "io.h"

#define COM1 0x3f8
#define UART_THR 0 /* transmit holding register (DLAB = 0) */
#define UART_DLL 0 /* divisor latch low (DLAB = 1) */
#define UART_IER 1 /* interrupt enable (DLAB = 0) */
#define UART_DLM 1 /* divisor latch high (DLAB = 1) */
#define UART_FCR 2 /* FIFO control */
#define UART_LCR 3 /* line control; bit 7 DLAB */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status; bit 5 THRE */

#define LSR_THRE 0x20
/* An absent UART reads 0xff (THRE set), so the bound only matters for a stuck one. */
#define THRE_POLL_LIMIT 100000

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x80); /* DLAB on */
	outb(COM1 + UART_DLL, 0x01); /* divisor 1: 115200 baud */
	outb(COM1 + UART_DLM, 0x00);
	outb(COM1 + UART_LCR, 0x03); /* 8 data bits, no parity, 1 stop bit, DLAB off */
	outb(COM1 + UART_FCR, 0x07); /* enable and clear both FIFOs */
	outb(COM1 + UART_MCR, 0x03); /* DTR, RTS; OUT2 off: no IRQ4 */
}

static void put_raw(char c)
{
	for (int i = 0; i < THRE_POLL_LIMIT; i++) {
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
	}
	outb(COM1 + UART_THR, (uint8_t)c);
}

void serial_putc(char c)
{
	if (c == '\n')
		put_raw('\r');
	put_raw(c);
}

void serial_puts(const char *s)
{
	while (*s)
		serial_putc(*s++);
}
