/*
 * serial.h: COM1 (16550A at 0x3f8), polled output only.
 *   serial_init()     115200 8N1, FIFOs on, interrupts off (IER = 0)
 *   serial_putc(c)    waits (bounded) for LSR bit 5 THRE, then writes THR;
 *                     '\n' is sent as "\r\n" so terminals return to column 0
 *   serial_puts(s)    a NUL-terminated string through serial_putc
 */
#ifndef GUEST_SERIAL_H
#define GUEST_SERIAL_H

void serial_init(void);
void serial_putc(char c);
void serial_puts(const char *s);

#endif
