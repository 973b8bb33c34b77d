/*
 * guest.h: what a guest includes. A guest is one file, native/guests/<name>.c, that
 * defines `void guest_main(void)`. The runtime (runtime.c) has already initialised
 * COM1 and an IDT in which every vector fails the run until a handler is installed.
 *
 *   pass()                 prints "PASS <name>" and exits with code 0
 *   fail(fmt, ...)         prints "FAIL <name>: <why>" and exits with code 1
 *   vm_exit(code)          `out 0xf4, eax`: ends the run with that code (never returns)
 *   milestone(v)           `out 0xf8, eax`: timestamped milestone on the host side
 *   guest_name             "<name>", from the file name (Makefile: -DGUEST_NAME)
 *
 * Everything else is in the headers included below.
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "delay.h"
#include "div64.h"
#include "format.h"
#include "idt.h"
#include "io.h"
#include "lapic.h"
#include "pic.h"
#include "serial.h"
#include "mem.h"

#define DEBUG_EXIT_PORT 0xf4
#define MILESTONE_PORT 0xf8

void guest_main(void);

extern const char guest_name[];
#ifdef GUEST_NAME
/* Weak so a guest made of several files may include this header more than once. */
const char guest_name[] __attribute__((weak)) = GUEST_NAME;
#endif

__attribute__((noreturn)) void vm_exit(uint32_t code);
void milestone(uint32_t value);
__attribute__((noreturn)) void pass(void);
__attribute__((noreturn, format(printf, 1, 2))) void fail(const char *fmt, ...);

#endif
