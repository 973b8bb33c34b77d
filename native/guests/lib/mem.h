/*
 * mem.h: the memory functions GCC may call on its own even in freestanding code
 * (struct copies, zero-initialisation): memset, memcpy, memmove, memcmp.
 */
#ifndef GUEST_MEM_H
#define GUEST_MEM_H

#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
