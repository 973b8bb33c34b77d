/* idt.c: IDT setup and the C dispatcher for isr.S; see idt.h. */
#include "idt.h"

#include "format.h"
#include "guest.h"
#include "lapic.h"

#define IDT_VECTORS 256
#define STUB_SIZE 16
#define GATE_INTR32 0x8e /* present, DPL 0, 32-bit interrupt gate */
#define KERNEL_CS 0x10

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t zero;
	uint8_t type_attr;
	uint16_t offset_hi;
} __attribute__((packed));

struct idt_ptr {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

extern char isr_stubs[];

static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(8)));
static irq_handler_t handlers[IDT_VECTORS];
volatile uint32_t idt_spurious_count;

void isr_dispatch(struct irq_frame *frame);

void isr_dispatch(struct irq_frame *frame)
{
	uint8_t vec = (uint8_t)frame->vector;

	if (handlers[vec]) {
		handlers[vec](frame);
		return;
	}
	if (vec == 0x27 || vec == 0x2f || vec == LAPIC_SPURIOUS_VECTOR) {
		idt_spurious_count++;
		return;
	}
	fail("unhandled %s %u (error 0x%x) at eip 0x%x", vec < 32 ? "exception" : "interrupt vector",
	     vec, frame->error_code, frame->eip);
}

void idt_set_handler(uint8_t vector, irq_handler_t handler)
{
	handlers[vector] = handler;
}

void idt_init(void)
{
	struct idt_ptr ptr;

	for (int i = 0; i < IDT_VECTORS; i++) {
		uint32_t addr = (uint32_t)(uintptr_t)(isr_stubs + i * STUB_SIZE);

		idt[i].offset_lo = (uint16_t)addr;
		idt[i].selector = KERNEL_CS;
		idt[i].zero = 0;
		idt[i].type_attr = GATE_INTR32;
		idt[i].offset_hi = (uint16_t)(addr >> 16);
	}
	ptr.limit = sizeof(idt) - 1;
	ptr.base = (uint32_t)(uintptr_t)idt;
	__asm__ volatile("lidt %0" : : "m"(ptr));
}
