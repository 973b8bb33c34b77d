/*
 * triple_fault: provokes a triple fault on purpose, so the VMM's handling of one can be
 * checked: it loads an empty IDT (limit 0) and executes UD2. Delivering the #UD through an IDT
 * without entries faults (#GP), delivering that #GP faults again (#DF), and the #DF's own
 * delivery failure is the triple fault (Intel SDM vol. 3A §6.15, "Interrupt 8—Double
 * Fault Exception"); the CPU shuts down (KVM_EXIT_SHUTDOWN). The VMM must stop this VM with
 * a register dump and stay up. Reaching the line after `ud2` is a failure. (Not `int3`:
 * this host's KVM cannot emulate INT n in protected mode, which would end the run as an
 * emulation failure instead.)
 *
 * qemu-check: skip QEMU resets the machine on a triple fault (or exits with -no-reboot)
 */
#include "guest.h"

void guest_main(void)
{
	static const struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) empty_idt = {0, 0};

	printf("triple_fault: loading an empty IDT and executing ud2\n");
	__asm__ volatile("lidt %0\n\tud2" : : "m"(empty_idt));
	fail("ud2 returned through an empty IDT");
}
