/*
 * boot.S: the bzImage header, the real-mode setup and the 32-bit entry of every guest.
 *
 * File layout (Linux Documentation/arch/x86/boot.rst, protocol 2.06):
 *   0x000-0x1ff  boot sector: only the header fields from 0x1f1 on are meaningful
 *   0x200-0x3ff  setup (setup_sects = 1): jump, "HdrS" header, real-mode code, GDT
 *   0x400-...    protected-mode image, loaded by the boot loader at 0x100000
 *
 * Entry paths:
 *   - real mode at setup+0x200 (QEMU linuxboot: CS = DS + 0x20, IP = 0; kvmtool:
 *     CS = DS, IP = 0x200). DS is the setup segment in both. The setup enables A20,
 *     loads its own GDT, sets CR0.PE and jumps to 0x100000 with ESI = DS * 16 (the
 *     loaded setup, whose header sits where boot_params.hdr would).
 *   - 32-bit at code32_start = 0x100000 (Vireo direct boot, or the path above): flat
 *     segments, paging off, ESI = boot_params. The entry loads its own GDT (selector
 *     0x10 code, 0x18 data, as __BOOT_CS/__BOOT_DS), clears EFLAGS and BSS, sets the
 *     stack and calls runtime_main() (runtime.c). Guests run in 32-bit protected mode
 *     without paging for their whole life.
 */

#define BOOT_CS 0x10
#define BOOT_DS 0x18

	.section .setup, "ax"
	.code16
	.globl _setup
_setup:
	.org 0x1f1
setup_sects:	.byte 1			/* sectors of setup after the boot sector */
root_flags:	.word 0
syssize:	.long __syssize		/* protected-mode image size in 16-byte units */
ram_size:	.word 0
vid_mode:	.word 0xffff		/* NORMAL_VGA */
root_dev:	.word 0
boot_flag:	.word 0xaa55

	/* 0x200: the real-mode entry point */
	.byte 0xeb, setup_code - 1f	/* jmp short over the header */
1:	.ascii "HdrS"
version:	.word 0x0206
realmode_swtch:	.long 0
start_sys_seg:	.word 0x1000		/* obsolete */
kernel_version:	.word kernel_version_str - 0x200
type_of_loader:	.byte 0
loadflags:	.byte 0x01		/* LOADED_HIGH: protected-mode code at 0x100000 */
setup_move_size: .word 0x8000
code32_start:	.long 0x100000
ramdisk_image:	.long 0
ramdisk_size:	.long 0
bootsect_kludge: .long 0
heap_end_ptr:	.word 0
ext_loader_ver:	.byte 0
ext_loader_type: .byte 0
cmd_line_ptr:	.long 0
initrd_addr_max: .long 0x37ffffff
kernel_alignment: .long 0x1000
relocatable_kernel: .byte 0		/* must be loaded at code32_start */
min_alignment:	.byte 0
xloadflags:	.word 0
cmdline_size:	.long 255

kernel_version_str:
	.asciz "vireo-test-guest"

setup_code:
	cli
	cld
	movw %ds, %ax			/* boot protocol: DS = setup segment */
	movw %ax, %es
	movw %ax, %ss
	movw $0xfff0, %sp		/* top of the 64 KiB setup segment */
	/* Normalize CS to DS so labels (assembled at their file offsets) work. */
	pushw %ds
	pushw $2f
	lretw
2:
	/* Fast A20 gate: port 0x92 bit 1 on, bit 0 (fast reset) kept clear. */
	inb $0x92, %al
	orb $0x02, %al
	andb $0xfe, %al
	outb %al, $0x92

	xorl %eax, %eax
	movw %ds, %ax
	shll $4, %eax
	movl %eax, %esi			/* ESI = linear address of the loaded setup */
	addl $setup_gdt, %eax
	movl %eax, setup_gdt_ptr + 2	/* GDTR base is linear: DS * 16 + offset */
	lgdtl setup_gdt_ptr

	movl %cr0, %eax
	orl $1, %eax			/* CR0.PE */
	movl %eax, %cr0
	ljmpl $BOOT_CS, $0x100000	/* code32_start; data segments loaded there */

	.balign 8
setup_gdt:
	.quad 0
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x10: code, base 0, 4 GiB, 32-bit */
	.quad 0x00cf92000000ffff	/* 0x18: data, base 0, 4 GiB */
setup_gdt_end:
setup_gdt_ptr:
	.word setup_gdt_end - setup_gdt - 1
	.long 0				/* patched above */

	.org 0x400			/* end of setup: setup_sects = 1 */

	.section .text.entry, "ax"
	.code32
	.globl _start32
_start32:
	cli
	/* CS is flat here on every path; DS may still be the real-mode one (base DS*16). */
	lgdt %cs:gdt32_ptr
	ljmp $BOOT_CS, $1f
1:	movl $BOOT_DS, %eax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
	movw %ax, %ss
	pushl $0
	popfl				/* IF, DF, AC, NT all clear */
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb			/* the stack lives in BSS: no call before this */
	movl $__stack_top, %esp
	call runtime_main
2:	cli
	hlt
	jmp 2b

	.section .rodata
	.balign 8
gdt32:
	.quad 0
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x10: code, base 0, 4 GiB, 32-bit */
	.quad 0x00cf92000000ffff	/* 0x18: data, base 0, 4 GiB */
gdt32_end:
	.balign 4
	.word 0				/* keeps the 32-bit base aligned */
gdt32_ptr:
	.word gdt32_end - gdt32 - 1
	.long gdt32
