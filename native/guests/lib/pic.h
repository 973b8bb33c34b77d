/*
 * pic.h: the two cascaded 8259A PICs (master 0x20/0x21, slave 0xa0/0xa1).
 *   pic_remap(master_base, slave_base)  ICW1-ICW4: edge triggered, cascade on IRQ2,
 *                                       8086 mode; leaves every IRQ masked
 *   pic_unmask(irq) / pic_mask(irq)     OCW1 on the right chip (IRQ 0-15; unmasking a
 *                                       slave IRQ also unmasks IRQ2)
 *   pic_eoi(irq)                        non-specific EOI (OCW2 0x20), slave then master
 * Delivery to the CPU goes through LAPIC LINT0 in ExtINT mode: see lapic_virtual_wire().
 */
#ifndef GUEST_PIC_H
#define GUEST_PIC_H

#include <stdint.h>

#define PIC_VECTOR_BASE 0x20 /* IRQ0-7 -> 0x20-0x27, IRQ8-15 -> 0x28-0x2f */

void pic_remap(uint8_t master_base, uint8_t slave_base);
void pic_unmask(uint8_t irq);
void pic_mask(uint8_t irq);
void pic_eoi(uint8_t irq);

#endif
