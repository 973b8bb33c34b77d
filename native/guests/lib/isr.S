/*
 * isr.S: one 16-byte stub per vector (isr_stubs + 16 * vector). Each stub pushes a
 * dummy error code when the CPU pushes none, then the vector, and joins isr_common,
 * which saves the registers (struct irq_frame in idt.h) and calls isr_dispatch().
 * Exceptions with an error code (SDM vol. 3 table 6-1): 8, 10-14, 17, 21, 29, 30.
 *
 * No IRET: on the project's build hosts KVM is PVM-based and runs every guest
 * instruction through KVM's x86 emulator, which cannot emulate IRET (nor INT n) outside
 * real mode ("KVM internal error. Suberror: 1 / emulation failure"). Interrupt delivery
 * itself is done by KVM and works. So the return reorders the CPU's frame
 * (EIP, CS, EFLAGS) into (EFLAGS, EIP, CS) and does POPF + far RET: same privilege level,
 * same stack, so this is all IRET would have done. If POPF sets IF, an interrupt taken
 * before the RET nests below the two remaining words and returns to it normally.
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
	/* frame: 32 bytes of PUSHA, vector, error code, then EIP at 40, CS at 44, EFLAGS at 48 */
	movl 48(%esp), %eax		/* EFLAGS */
	movl 44(%esp), %ebx		/* CS */
	movl 40(%esp), %ecx		/* EIP */
	movl %eax, 40(%esp)
	movl %ecx, 44(%esp)
	movl %ebx, 48(%esp)
	popal
	addl $8, %esp			/* vector and error code */
	popfl
	lret
