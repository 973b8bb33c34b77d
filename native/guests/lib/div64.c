/* div64.c: see div64.h. */
#include "div64.h"

uint32_t div64_32(uint64_t *n, uint32_t d)
{
	/* High word first; the low DIV then gets the high remainder in EDX, which is < d,
	 * so its quotient fits in 32 bits and DIV cannot fault. */
	uint32_t hi = (uint32_t)(*n >> 32), lo = (uint32_t)*n;
	uint32_t qhi = hi / d, rem = hi % d, qlo;

	__asm__("divl %4" : "=a"(qlo), "=d"(rem) : "a"(lo), "d"(rem), "rm"(d));
	*n = ((uint64_t)qhi << 32) | qlo;
	return rem;
}
