/* ap_trampoline.S: see ap_trampoline.h. Position independent: runs at CS:0 with
 * CS = page * 0x100, so every data reference is DS-relative with DS = CS. */
#include "ap_trampoline.h"

	.section .rodata.ap_trampoline, "a"
	.code16
	.globl ap_trampoline_start, ap_trampoline_end
ap_trampoline_start:
	jmp 1f
	.org AP_TRAMP_COUNTER
	.long 0
	.org AP_TRAMP_IDS
	.fill AP_TRAMP_MAX_IDS, 1, 0xff
1:	cli
	movw %cs, %ax
	movw %ax, %ds
	movl $1, %eax
	cpuid
	shrl $24, %ebx			/* initial APIC ID */
	movl $1, %eax
	lock xaddl %eax, AP_TRAMP_COUNTER	/* EAX = this AP's slot */
	cmpl $AP_TRAMP_MAX_IDS, %eax
	jae 2f
	movw %ax, %si
	movb %bl, AP_TRAMP_IDS(%si)
2:	cli
	hlt
	jmp 2b
ap_trampoline_end:
	.code32
