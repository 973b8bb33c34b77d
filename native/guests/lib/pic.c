/* pic.c: 8259A programming; see pic.h. */
#include "pic.h"

#include "io.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

#define ICW1_INIT_ICW4 0x11 /* ICW1: init, edge triggered, cascade, ICW4 follows */
#define ICW4_8086 0x01
#define OCW2_EOI 0x20

void pic_remap(uint8_t master_base, uint8_t slave_base)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, master_base); /* ICW2: vector base */
	outb(PIC2_DATA, slave_base);
	outb(PIC1_DATA, 0x04); /* ICW3 master: a slave on IRQ2 */
	outb(PIC2_DATA, 0x02); /* ICW3 slave: cascade identity 2 */
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, 0xff); /* OCW1: everything masked */
	outb(PIC2_DATA, 0xff);
}

void pic_unmask(uint8_t irq)
{
	if (irq >= 8) {
		outb(PIC2_DATA, inb(PIC2_DATA) & (uint8_t)~(1u << (irq - 8)));
		irq = 2;
	}
	outb(PIC1_DATA, inb(PIC1_DATA) & (uint8_t)~(1u << irq));
}

void pic_mask(uint8_t irq)
{
	if (irq >= 8)
		outb(PIC2_DATA, inb(PIC2_DATA) | (uint8_t)(1u << (irq - 8)));
	else
		outb(PIC1_DATA, inb(PIC1_DATA) | (uint8_t)(1u << irq));
}

void pic_eoi(uint8_t irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
}
