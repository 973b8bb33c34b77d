/*
 * runtime.c: the C side of the guest entry (boot.S calls runtime_main) and the
 * result helpers declared in guest.h: vm_exit, milestone, pass, fail.
 */
#include "guest.h"

#include <stdarg.h>

void runtime_main(void);

void runtime_main(void)
{
	serial_init();
	idt_init();
	guest_main();
	fail("guest_main returned without a verdict");
}

void vm_exit(uint32_t code)
{
	outl(DEBUG_EXIT_PORT, code);
	/* Without a debug-exit device the run ends here, halted with interrupts off. */
	for (;;) {
		cli();
		hlt();
	}
}

void milestone(uint32_t value)
{
	outl(MILESTONE_PORT, value);
}

void pass(void)
{
	printf("PASS %s\n", guest_name);
	vm_exit(0);
}

void fail(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s: ", guest_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	vm_exit(1);
}
