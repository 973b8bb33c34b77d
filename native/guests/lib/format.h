/*
 * format.h: printf-like output to COM1.
 *   printf(fmt, ...), vprintf(fmt, ap)
 * Conversions: %c %s %d %i %u %x %X %p %%, flags '0' and '-', a decimal width,
 * length 'l' (32-bit, as int) and 'll' (64-bit, printed with div64_32).
 */
#ifndef GUEST_FORMAT_H
#define GUEST_FORMAT_H

#include <stdarg.h>

__attribute__((format(printf, 1, 2))) void printf(const char *fmt, ...);
void vprintf(const char *fmt, va_list ap);

#endif
