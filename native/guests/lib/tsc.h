/*
 * tsc.h: the TSC frequency for guests that time themselves.
 *   tsc_khz_find(&source)  CPUID 0x40000010 EAX (VMware timing leaf: Vireo; QEMU with
 *                          -cpu ...,vmware-cpuid-freq=on,+invtsc) when the hypervisor
 *                          range (leaf 0x40000000 EAX) reaches it and it is non-zero,
 *                          source "cpuid"; else calibrated over 10 ms of PIT channel 2,
 *                          source "pit". Fails the run when neither works.
 */
#ifndef GUEST_TSC_H
#define GUEST_TSC_H

#include <stdint.h>

uint32_t tsc_khz_find(const char **source);

#endif
