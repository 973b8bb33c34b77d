/*
 * bootsector.S: a 512-byte MBR boot sector for the disk-boot tests. The BIOS (SeaBIOS)
 * loads it at 0000:7C00 from the first disk and jumps to it in real mode (IBM PC BIOS
 * boot convention: DL = boot drive). It prints one line through INT 10h AH=0Eh teletype
 * (SeaBIOS's sercon copies it to COM1) and ends the run through the debug-exit port
 * 0xF4 with code 0 (native/guests/CONTRACT.md).
 */
	.code16
	.text
	.globl _start
_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movw	$0x7c00, %sp
	sti
	movw	$0x7c00 + message - _start, %si
1:	lodsb
	testb	%al, %al
	jz	2f
	movb	$0x0e, %ah		/* INT 10h AH=0Eh: teletype output */
	movw	$0x0007, %bx		/* page 0, attribute 7 */
	int	$0x10
	jmp	1b
	/* SeaBIOS's sercon writes the last characters of a line lazily (from its timer):
	   wait 4 BIOS ticks (~220 ms; the IRQ0 tick count is the dword at 0040:006C). */
2:	movw	0x46c, %bx
3:	hlt
	movw	0x46c, %ax
	subw	%bx, %ax		/* ticks since the start; missed ticks may come in bursts */
	cmpw	$4, %ax
	jb	3b
	movw	$0xf4, %dx		/* debug-exit: power off with code 0 */
	xorl	%eax, %eax
	outl	%eax, %dx
4:	hlt
	jmp	4b

message:
	.asciz	"Vireo boot sector: booted from disk\r\n"

	.org	510
	.byte	0x55, 0xaa		/* MBR boot signature */
