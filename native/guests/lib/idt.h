/*
 * idt.h: a 256-entry IDT of 32-bit interrupt gates (selector 0x10, DPL 0).
 *   idt_init()                   done by the runtime before guest_main: every vector
 *                                starts unhandled (see below)
 *   idt_set_handler(vec, fn)     fn(frame) runs with interrupts off; it must send its
 *                                own EOI (pic_eoi / lapic_eoi) for hardware interrupts
 * An unhandled exception (vector < 32) or unhandled interrupt fails the run with the
 * vector, error code and EIP, except the spurious vectors (PIC IRQ7 0x27, IRQ15 0x2f,
 * and LAPIC_SPURIOUS_VECTOR 0xff), which are counted in idt_spurious_count and ignored.
 */
#ifndef GUEST_IDT_H
#define GUEST_IDT_H

#include <stdint.h>

/* Stack layout built by isr.S: PUSHA registers, then vector and error code
 * (0 when the CPU pushes none), then what the CPU pushed for a same-ring interrupt. */
struct irq_frame {
	uint32_t edi, esi, ebp, esp_at_pusha, ebx, edx, ecx, eax;
	uint32_t vector, error_code;
	uint32_t eip, cs, eflags;
};

typedef void (*irq_handler_t)(struct irq_frame *frame);

void idt_init(void);
void idt_set_handler(uint8_t vector, irq_handler_t handler);

extern volatile uint32_t idt_spurious_count;

#endif
