/*
 * isr.S: one 16-byte stub per vector (isr_stubs + 16 * vector). Each stub pushes a
 * dummy error code when the CPU pushes none, then the vector, and joins isr_common,
 * which saves the registers (struct irq_frame in idt.h) and calls isr_dispatch().
 * Exceptions with an error code (SDM vol. 3 table 6-1): 8, 10-14, 17, 21, 29, 30.
 */
	.section .text
	.code32
	.balign 16
	.globl isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushl $0
	.endif
	pushl $vec
	jmp isr_common
	.set vec, vec + 1
	.endr

isr_common:
	pushal
	cld
	pushl %esp			/* struct irq_frame * */
	call isr_dispatch
	addl $4, %esp
	popal
	addl $8, %esp			/* vector and error code */
	iretl
