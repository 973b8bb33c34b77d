/* format.c: a small vprintf over serial_putc; see format.h. */
#include "format.h"

#include <stdbool.h>
#include <stdint.h>

#include "div64.h"
#include "serial.h"

struct spec {
	bool zero_pad;
	bool left;
	int width;
};

static void emit_padded(const char *s, int len, const struct spec *sp)
{
	int pad = sp->width > len ? sp->width - len : 0;

	if (!sp->left) {
		while (pad-- > 0)
			serial_putc(sp->zero_pad ? '0' : ' ');
	}
	for (int i = 0; i < len; i++)
		serial_putc(s[i]);
	if (sp->left) {
		while (pad-- > 0)
			serial_putc(' ');
	}
}

static void emit_number(uint64_t v, uint32_t base, bool upper, bool negative, const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int i = sizeof(buf);

	do {
		buf[--i] = digits[div64_32(&v, base)];
	} while (v);
	if (negative) {
		if (sp->zero_pad && sp->width > 0) {
			/* sign before the zero padding: -0042 */
			struct spec rest = *sp;

			serial_putc('-');
			rest.width--;
			emit_padded(buf + i, (int)sizeof(buf) - i, &rest);
			return;
		}
		buf[--i] = '-';
	}
	emit_padded(buf + i, (int)sizeof(buf) - i, sp);
}

void vprintf(const char *fmt, va_list ap)
{
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			serial_putc(*p);
			continue;
		}
		struct spec sp = { false, false, 0 };
		int longs = 0;

		for (p++; *p == '0' || *p == '-'; p++) {
			if (*p == '0')
				sp.zero_pad = true;
			else
				sp.left = true;
		}
		for (; *p >= '0' && *p <= '9'; p++)
			sp.width = sp.width * 10 + (*p - '0');
		for (; *p == 'l'; p++)
			longs++;

		switch (*p) {
		case 'c': {
			char c = (char)va_arg(ap, int);
			emit_padded(&c, 1, &sp);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len = 0;

			if (!s)
				s = "(null)";
			while (s[len])
				len++;
			emit_padded(s, len, &sp);
			break;
		}
		case 'd':
		case 'i': {
			int64_t v = longs >= 2 ? va_arg(ap, int64_t) : va_arg(ap, int32_t);
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
			emit_number(mag, 10, false, v < 0, &sp);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t v = longs >= 2 ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t);
			emit_number(v, *p == 'u' ? 10 : 16, *p == 'X', false, &sp);
			break;
		}
		case 'p':
			serial_puts("0x");
			sp.zero_pad = true;
			sp.width = 8;
			emit_number((uintptr_t)va_arg(ap, void *), 16, false, false, &sp);
			break;
		case '%':
			serial_putc('%');
			break;
		case '\0':
			return;
		default:
			/* unknown conversion: print it verbatim so the mistake is visible */
			serial_putc('%');
			serial_putc(*p);
			break;
		}
	}
}

void printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}
