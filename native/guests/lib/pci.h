/*
 * pci.h: PCI configuration mechanism #1 (ports 0xCF8/0xCFC) on bus 0. A function is
 * named by dev = slot << 3 | fn.
 *   pci_cfg_read(dev, reg)          32-bit read of the dword holding reg
 *   pci_cfg_read16(dev, reg)        16-bit read of the word holding reg
 *   pci_cfg_write(dev, reg, v)      32-bit write of the dword holding reg
 *   pci_cfg_write16(dev, reg, v)    16-bit write (COMMAND without touching STATUS)
 *   pci_bar_size(dev, reg, &value)  size of the BAR at reg (0: not implemented), its
 *                                   original value in *value: decode off in COMMAND,
 *                                   all-ones written, mask read back, both restored
 *   pci_find(match)                 first function with match(id, class_rev) true, or -1;
 *                                   functions 1-7 probed only when the header type says
 *                                   multi-function (bit 7 of byte 0x0e)
 */
#ifndef GUEST_PCI_H
#define GUEST_PCI_H

#include <stdint.h>

uint32_t pci_cfg_read(unsigned dev, unsigned reg);
uint16_t pci_cfg_read16(unsigned dev, unsigned reg);
void pci_cfg_write(unsigned dev, unsigned reg, uint32_t v);
void pci_cfg_write16(unsigned dev, unsigned reg, uint16_t v);
uint32_t pci_bar_size(unsigned dev, unsigned reg, uint32_t *value);
int pci_find(int (*match)(uint32_t id, uint32_t class_rev));

#endif
