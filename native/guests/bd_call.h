/*
 * bd_call.h: one VMware backdoor access (docs/vmware-backdoor.md §1) with a full
 * register file, for backdoor.c and bd_rpc.h. Included once per guest (the asm defines
 * global functions).
 *   bd_lb(&r)                    `in eax,dx` on 0x5658 with all seven registers of r
 *   bd_hb_out(&r), bd_hb_in(&r)  `rep outsb` / `rep insb` on the port in r.edx (0x5659)
 */
#ifndef BD_CALL_H
#define BD_CALL_H

#include <stdint.h>

#define BDOOR_MAGIC 0x564D5868u
#define BDOOR_PORT_LB 0x5658u
#define BDOOR_PORT_HB 0x5659u

/* Register file of one call, in the order the asm below expects (EBP last: HB uses it). */
struct bd {
	uint32_t eax, ebx, ecx, edx, esi, edi, ebp;
};
void bd_lb(struct bd *r);
void bd_hb_out(struct bd *r);
void bd_hb_in(struct bd *r);

/* Saves the callee-saved registers, loads all seven from *r, runs the access with DF
 * clear (HB rejects backward strings), stores all seven back. */
__asm__(".macro BD_CALL name, insn:vararg\n"
	".text\n.globl \\name\n\\name:\n"
	"pushl %ebp\npushl %ebx\npushl %esi\npushl %edi\n"
	"movl 20(%esp), %eax\npushl %eax\n"
	"movl 24(%eax), %ebp\nmovl 4(%eax), %ebx\nmovl 8(%eax), %ecx\nmovl 12(%eax), %edx\n"
	"movl 16(%eax), %esi\nmovl 20(%eax), %edi\nmovl (%eax), %eax\n"
	"cld\n\\insn\n"
	"xchgl (%esp), %eax\n"
	"movl %ebx, 4(%eax)\nmovl %ecx, 8(%eax)\nmovl %edx, 12(%eax)\n"
	"movl %esi, 16(%eax)\nmovl %edi, 20(%eax)\nmovl %ebp, 24(%eax)\npopl (%eax)\n"
	"popl %edi\npopl %esi\npopl %ebx\npopl %ebp\nret\n"
	".endm\n"
	"BD_CALL bd_lb, inl %dx, %eax\n"
	"BD_CALL bd_hb_out, rep outsb\n"
	"BD_CALL bd_hb_in, rep insb\n");

#endif
