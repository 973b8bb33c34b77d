/*
 * demo_str.h: string helpers for the demo guest (included by the demo headers; the
 * runtime has printf to COM1 but nothing that formats into memory).
 *   str_len(s), str_eq(a, b), str_starts(s, prefix)
 *   parse_u32(&s, max, &v)    decimal digits at *s (at most 10, value <= max); advances *s
 *   struct sbuf + sb_init(&b, buf, cap), sb_str(&b, s), sb_char(&b, c),
 *   sb_uint(&b, v, width)     appends (zero-padded to width); output is cut at cap-1 and
 *                             always NUL-terminated
 */
#ifndef DEMO_STR_H
#define DEMO_STR_H

#include "guest.h"

static uint32_t str_len(const char *s)
{
	uint32_t n = 0;
	while (s[n])
		n++;
	return n;
}

static bool str_starts(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return false;
	return true;
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static bool parse_u32(const char **s, uint32_t max, uint32_t *v)
{
	const char *p = *s;
	uint32_t n = 0, digits = 0;
	while (*p >= '0' && *p <= '9') {
		uint32_t d = (uint32_t)(*p++ - '0');
		if (++digits > 10 || d > max || n > (max - d) / 10)
			return false;
		n = n * 10 + d;
	}
	if (!digits)
		return false;
	*v = n;
	*s = p;
	return true;
}

struct sbuf {
	char *p;
	uint32_t len, cap;
};

static void sb_init(struct sbuf *b, char *buf, uint32_t cap)
{
	b->p = buf, b->len = 0, b->cap = cap;
	buf[0] = 0;
}

static void sb_char(struct sbuf *b, char c)
{
	if (b->len + 1 >= b->cap)
		return;
	b->p[b->len++] = c;
	b->p[b->len] = 0;
}

static void sb_str(struct sbuf *b, const char *s)
{
	while (*s)
		sb_char(b, *s++);
}

static void sb_uint(struct sbuf *b, uint32_t v, uint32_t width)
{
	char digits[10];
	uint32_t n = 0;
	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (; width > n; width--)
		sb_char(b, '0');
	while (n)
		sb_char(b, digits[--n]);
}

#endif
