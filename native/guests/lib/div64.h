/*
 * div64.h: 64-bit by 32-bit division without libgcc (there is no 32-bit libgcc on the
 * build machine, so `uint64_t / uint32_t` would not link).
 *   div64_32(&n, d)   n = n / d in place, returns n % d; d must not be 0
 */
#ifndef GUEST_DIV64_H
#define GUEST_DIV64_H

#include <stdint.h>

uint32_t div64_32(uint64_t *n, uint32_t d);

#endif
