/*
 * linuxboot.S: Vireo's boot option ROM for a Linux-protocol kernel passed through fw_cfg.
 *
 * The VMM lays the kernel out the way QEMU's -kernel does (docs/seabios-fwcfg.md (e))
 * and exposes this ROM as the fw_cfg file "genroms/linuxboot.bin". SeaBIOS copies the
 * ROM into the C/D segment, far-calls the init entry at offset 3 (nothing to do), and
 * because the ROM carries a $PnP expansion header with a Bootstrap Entry Vector it adds
 * a boot entry, ordered by the fw_cfg "bootorder" line "/rom@genroms/linuxboot.bin".
 * INT 19h far-calls the BEV with interrupts on and SeaBIOS's stack; the BEV then:
 *   1. checks that fw_cfg offers the DMA interface (item ID bit 1) and a kernel
 *      (SETUP_SIZE != 0) placed where a real-mode entry can reach it;
 *   2. copies setup, initrd, protected-mode kernel and command line from their fw_cfg
 *      items to the guest-physical addresses the VMM chose, with fw_cfg DMA (the kernel
 *      goes above 1 MiB, which DMA reaches from real mode). Only SeaBIOS knows, at this
 *      point, how much of the top of RAM its tables occupy, so an initrd placed over
 *      them is moved down first (as QEMU's linuxboot does, docs/seabios-fwcfg.md (e) 3);
 *   3. enters the kernel's real-mode setup as Linux boot.rst "Running the kernel" asks:
 *      interrupts off, DS=ES=FS=GS=SS = setup segment, SP below the command line,
 *      CS:IP = setup segment + 0x20 : 0.
 * SeaBIOS zeroes 0x7000-0x8FFFF before INT 19h, so nothing can be preloaded earlier.
 * On failure the BEV prints one line through INT 10h teletype (SeaBIOS's sercon copies
 * it to COM1) and returns with lret: SeaBIOS then raises INT 18h and tries the next
 * boot entry (src/boot.c do_boot).
 *
 * The ROM segment may be read-only by BEV time (SeaBIOS write-protects the option ROM
 * area through PAM), so the DMA descriptor lives on the caller's stack, never in here.
 * fw_cfg facts (ports, selectors, descriptor) are from QEMU docs/specs/fw_cfg.rst.
 */

/* fw_cfg I/O ports */
#define FW_CFG_PORT_SEL		0x510	/* 16-bit write: selector, resets the item offset */
#define FW_CFG_PORT_DATA	0x511	/* 8-bit read: next byte of the selected item */
#define FW_CFG_PORT_DMA_LO	0x518	/* 32-bit write: DMA descriptor address bits 31:0,
					   big-endian; the write starts the transfer */

/* fw_cfg selectors; integer items are little-endian u32 */
#define FW_CFG_ID		0x01	/* bit 1: DMA interface present */
#define FW_CFG_KERNEL_ADDR	0x07
#define FW_CFG_KERNEL_SIZE	0x08
#define FW_CFG_INITRD_ADDR	0x0a
#define FW_CFG_INITRD_SIZE	0x0b
#define FW_CFG_KERNEL_DATA	0x11
#define FW_CFG_INITRD_DATA	0x12
#define FW_CFG_CMDLINE_ADDR	0x13
#define FW_CFG_CMDLINE_SIZE	0x14
#define FW_CFG_CMDLINE_DATA	0x15
#define FW_CFG_SETUP_ADDR	0x16
#define FW_CFG_SETUP_SIZE	0x17
#define FW_CFG_SETUP_DATA	0x18

#define FW_CFG_VERSION_DMA	0x02	/* FW_CFG_ID bit 1 */

/* DMA descriptor control word (big-endian in memory) */
#define FW_CFG_DMA_CTL_ERROR	0x01
#define FW_CFG_DMA_CTL_READ	0x02
#define FW_CFG_DMA_CTL_SELECT	0x08	/* selector in bits 31:16 */

/* The control word as a little-endian load sees it: byte-swapped. */
#define CTL_LE_ERROR		0x01000000	/* bswap(FW_CFG_DMA_CTL_ERROR) */
#define CTL_LE_BUSY_MASK	0xfeffffff	/* bswap(~FW_CFG_DMA_CTL_ERROR) */

/* Real mode can address setup only below the EBDA/VGA hole. */
#define SETUP_ADDR_LIMIT	0xa0000

/* Setup header (Linux boot.rst): ramdisk_image, patched when the initrd moves. */
#define HDR_RAMDISK_IMAGE	0x218

	.code16
	.text
	.globl _start
_start:
/* Option ROM header (IBM PC expansion ROM; SeaBIOS src/optionroms.c struct rom_header) */
	.byte 0x55, 0xaa		/* signature */
	.byte 0				/* size in 512-byte blocks: set by romsum.py */
	lretw				/* 0x03: init entry, far-called at POST */
	.org 0x18
	.word 0				/* PCI data structure offset: none, not a PCI ROM */
	.word pnp_header		/* 0x1a: $PnP expansion header offset */

/* PnP BIOS spec 1.0a "Option ROM Expansion Header" (SeaBIOS struct pnp_data) */
	.balign 16
pnp_header:
	.ascii "$PnP"			/* 0x00 signature */
	.byte 0x01			/* 0x04 structure revision */
	.byte (pnp_header_end - pnp_header) / 16	/* 0x05 length, 16-byte units */
	.word 0				/* 0x06 next header: none */
	.byte 0				/* 0x08 reserved */
	.byte 0				/* 0x09 checksum of this header: set by romsum.py */
	.long 0				/* 0x0a device identifier: none */
	.word manufacturer_str		/* 0x0e manufacturer string */
	.word product_str		/* 0x10 product name: SeaBIOS shows it in the boot menu */
	.byte 0, 0, 0			/* 0x12 device type code: unspecified */
	.byte 0				/* 0x15 device indicators: none */
	.word 0				/* 0x16 Boot Connection Vector: none */
	.word 0				/* 0x18 disconnect vector: none */
	.word bev			/* 0x1a Bootstrap Entry Vector: INT 19h calls it */
	.word 0				/* 0x1c reserved */
	.word 0				/* 0x1e static resource information vector: none */
pnp_header_end:

manufacturer_str:	.asciz "Vireo"
product_str:		.asciz "Vireo Linux kernel (fw_cfg)"

/* Loads as {address item, size item, data item}; the initrd goes between the first two. */
load_table:
	.byte FW_CFG_SETUP_ADDR, FW_CFG_SETUP_SIZE, FW_CFG_SETUP_DATA
	.byte FW_CFG_KERNEL_ADDR, FW_CFG_KERNEL_SIZE, FW_CFG_KERNEL_DATA
	.byte FW_CFG_CMDLINE_ADDR, FW_CFG_CMDLINE_SIZE, FW_CFG_CMDLINE_DATA
load_table_end:

msg_no_dma:	.asciz "Vireo linuxboot: fw_cfg has no DMA interface\r\n"
msg_no_kernel:	.asciz "Vireo linuxboot: no kernel in fw_cfg\r\n"
msg_bad_layout:	.asciz "Vireo linuxboot: setup/cmdline addresses unusable\r\n"
msg_dma_error:	.asciz "Vireo linuxboot: fw_cfg DMA error\r\n"
msg_no_room:	.asciz "Vireo linuxboot: no room for the initrd\r\n"

/* Bootstrap Entry Vector: far-called by SeaBIOS INT 19h (src/boot.c boot_rom). */
bev:
	pushal				/* a failed boot returns to SeaBIOS intact */
	pushw %ds
	pushw %es
	pushw %cs
	popw %ds			/* DS = ROM segment: tables and messages */
	cld

	movw $FW_CFG_ID, %ax
	call fw_cfg_read_u32
	movw $msg_no_dma, %si
	testb $FW_CFG_VERSION_DMA, %al
	jz fail

	movw $FW_CFG_SETUP_SIZE, %ax
	call fw_cfg_read_u32
	movw $msg_no_kernel, %si
	testl %eax, %eax
	jz fail

	call entry_layout
	movw $msg_bad_layout, %si
	jc fail

	movw $load_table, %si
	call load_item			/* setup first: place_initrd patches its header */
	jc dma_failed
	call place_initrd
	jc no_room
	movw $FW_CFG_INITRD_DATA, %ax	/* size 0 (no initrd): copies nothing */
	call fw_cfg_dma_read
	jc dma_failed
1:	call load_item			/* kernel, then command line */
	jc dma_failed
	cmpw $load_table_end, %si
	jb 1b

	/* Enter the real-mode kernel (Linux boot.rst "Running the kernel"). */
	call entry_layout		/* EBX = setup segment, EAX = SP (checked above) */
	cli				/* "Enter with interrupts disabled!" */
	movw %bx, %ds
	movw %bx, %es
	movw %bx, %fs
	movw %bx, %gs
	movw %bx, %ss
	movw %ax, %sp
	addw $0x20, %bx			/* the real-mode entry is setup + 0x200 */
	pushw %bx			/* far return address CS:IP = BX:0; the lretw */
	pushw $0			/* below pops it, so SP is exact at entry */
	xorl %eax, %eax
	xorl %ebx, %ebx
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %esi, %esi
	xorl %edi, %edi
	xorl %ebp, %ebp
	lretw

no_room:
	movw $msg_no_room, %si
	jmp fail
dma_failed:
	movw $msg_dma_error, %si
fail:
	call print
	popw %es
	popw %ds
	popal
	lretw				/* back to SeaBIOS: INT 18h, next boot entry */

/*
 * entry_layout: reads SETUP_ADDR and CMDLINE_ADDR and derives the real-mode entry state.
 * Out: EBX = setup segment (setup_addr >> 4), EAX = initial SP = cmdline - setup - 16
 * (the heap end QEMU also uses: heap_end_ptr = cmdline - setup - 0x200 lies below it).
 * CF = 1 if setup is not 16-byte aligned, not below 0xA0000, or the command line is not
 * within 64 KiB above setup (SP must fit the setup segment).
 * Clobbers ECX, EDX.
 */
entry_layout:
	movw $FW_CFG_SETUP_ADDR, %ax
	call fw_cfg_read_u32
	movl %eax, %ebx
	movw $FW_CFG_CMDLINE_ADDR, %ax
	call fw_cfg_read_u32
	testb $0x0f, %bl
	jnz 1f
	cmpl $SETUP_ADDR_LIMIT, %ebx
	jae 1f
	subl %ebx, %eax			/* cmdline - setup */
	jb 1f
	subl $16, %eax
	jb 1f
	cmpl $0xffff, %eax
	ja 1f
	shrl $4, %ebx
	clc
	ret
1:	stc
	ret

/*
 * place_initrd: decides where the initrd goes. The VMM puts it at the top of RAM, but
 * SeaBIOS keeps its permanent tables (ACPI, SMBIOS, PMM blocks) at the top of the highest
 * RAM range below 4 GiB and marks them reserved in e820 (src/malloc.c). INT 15h AX=E801
 * reports RAM up to that reserved part (LegacyRamSize, src/system.c handle_15e801). If
 * the initrd would end above it, the initrd moves to (top - size) & ~0xFFF, which
 * stays below initrd_addr_max, and the header's ramdisk_image follows.
 * Out: EDI = address, ECX = size (0: no initrd). CF = 1 if a moved initrd would overlap
 * the kernel (KERNEL_ADDR + KERNEL_SIZE). Needs the setup already loaded.
 * Clobbers EAX, EBX, EDX.
 */
place_initrd:
	movl $0xffffffff, %ebx		/* no E801: keep the VMM's placement */
	movw $0xe801, %ax
	int $0x15			/* CX = KiB in 1-16 MiB, DX = 64 KiB blocks above */
	jc 1f
	movzwl %dx, %ebx
	shll $16, %ebx
	addl $0x1000000, %ebx		/* RAM end = 16 MiB + DX * 64 KiB */
	testw %dx, %dx
	jnz 1f
	movzwl %cx, %ebx
	shll $10, %ebx
	addl $0x100000, %ebx		/* no RAM above 16 MiB: 1 MiB + CX KiB */
1:	movw $FW_CFG_INITRD_ADDR, %ax
	call fw_cfg_read_u32
	movl %eax, %edi
	movw $FW_CFG_INITRD_SIZE, %ax
	call fw_cfg_read_u32
	movl %eax, %ecx
	addl %edi, %eax			/* initrd end */
	jc 2f				/* wraps: move it */
	cmpl %ebx, %eax
	jbe 3f				/* fits (also: no initrd) */
2:	subl %ecx, %ebx
	jb 4f
	andl $0xfffff000, %ebx
	movl %ebx, %edi			/* new address */
	pushl %ecx
	movw $FW_CFG_KERNEL_ADDR, %ax
	call fw_cfg_read_u32
	movl %eax, %ebx
	movw $FW_CFG_KERNEL_SIZE, %ax
	call fw_cfg_read_u32
	addl %eax, %ebx			/* kernel end */
	movw $FW_CFG_SETUP_ADDR, %ax	/* checked by entry_layout: below 0xA0000 */
	call fw_cfg_read_u32
	popl %ecx
	cmpl %ebx, %edi
	jb 4f
	shrl $4, %eax
	pushw %es
	movw %ax, %es
	movl %edi, %es:HDR_RAMDISK_IMAGE
	popw %es
3:	clc
	ret
4:	stc
	ret

/*
 * load_item: DS:SI -> {address item, size item, data item}; copies the data item to
 * the address it names with fw_cfg DMA. Out: SI advanced by 3, CF = 1 on DMA error.
 * Clobbers EAX, ECX, EDX, EDI.
 */
load_item:
	lodsb
	movzbw %al, %ax
	call fw_cfg_read_u32
	movl %eax, %edi			/* destination physical address */
	lodsb
	movzbw %al, %ax
	call fw_cfg_read_u32
	movl %eax, %ecx			/* length */
	lodsb
	movzbw %al, %ax
	/* fall through */

/*
 * fw_cfg_dma_read: AX = selector, EDI = destination physical address, ECX = length.
 * Builds the descriptor {be32 control, be32 length, be64 address} on the stack, writes
 * its physical address (SS * 16 + offset, big-endian) to port 0x518 and polls until the
 * device clears every control bit but ERROR. Out: CF = 1 if ERROR is set.
 * Clobbers EAX, EDX.
 */
fw_cfg_dma_read:
	pushw %bp
	subw $16, %sp
	movw %sp, %bp			/* SS:BP = descriptor */
	movzwl %ax, %eax
	shll $16, %eax
	orl $(FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ), %eax
	bswapl %eax
	movl %eax, 0(%bp)		/* control */
	movl %ecx, %eax
	bswapl %eax
	movl %eax, 4(%bp)		/* length */
	movl $0, 8(%bp)			/* address bits 63:32 */
	movl %edi, %eax
	bswapl %eax
	movl %eax, 12(%bp)		/* address bits 31:0 */
	xorl %eax, %eax
	movw %ss, %ax
	shll $4, %eax
	movzwl %bp, %edx
	addl %edx, %eax			/* descriptor physical address */
	bswapl %eax
	movw $FW_CFG_PORT_DMA_LO, %dx
	outl %eax, %dx
1:	movl 0(%bp), %eax		/* the device writes control back when done */
	testl $CTL_LE_BUSY_MASK, %eax
	jnz 1b
	testl $CTL_LE_ERROR, %eax	/* clears CF */
	jz 2f
	stc
2:	leaw 16(%bp), %sp		/* LEA keeps CF */
	popw %bp
	ret

/*
 * fw_cfg_read_u32: AX = selector. Reads 4 bytes through the traditional interface.
 * Out: EAX = the item as a little-endian u32 (missing items read as 0).
 * Clobbers CX, DX.
 */
fw_cfg_read_u32:
	movw $FW_CFG_PORT_SEL, %dx
	outw %ax, %dx
	incw %dx			/* FW_CFG_PORT_DATA */
	movw $4, %cx
1:	inb %dx, %al
	rorl $8, %eax			/* first byte ends in bits 7:0 after four turns */
	loop 1b
	ret

/* print: DS:SI = NUL-terminated string, written with INT 10h AH=0Eh (teletype). */
print:
	lodsb
	testb %al, %al
	jz 1f
	movb $0x0e, %ah
	movw $0x0007, %bx		/* BH = page 0, BL = colour for graphics modes */
	int $0x10
	jmp print
1:	ret
