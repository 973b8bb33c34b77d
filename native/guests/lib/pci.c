/* PCI configuration mechanism #1 on bus 0 (pci.h). */
#include "pci.h"

#include "io.h"

static void cfg_select(unsigned dev, unsigned reg)
{
	/* CONFIG_ADDRESS: enable bit 31, bus 0, device/function in bits 15:8, dword offset. */
	outl(0xcf8, 0x80000000u | (dev & 0xff) << 8 | (reg & 0xfc));
}

uint32_t pci_cfg_read(unsigned dev, unsigned reg)
{
	cfg_select(dev, reg);
	return inl(0xcfc);
}

uint16_t pci_cfg_read16(unsigned dev, unsigned reg)
{
	cfg_select(dev, reg);
	return inw((uint16_t)(0xcfc + (reg & 2)));
}

void pci_cfg_write(unsigned dev, unsigned reg, uint32_t v)
{
	cfg_select(dev, reg);
	outl(0xcfc, v);
}

void pci_cfg_write16(unsigned dev, unsigned reg, uint16_t v)
{
	cfg_select(dev, reg);
	outw((uint16_t)(0xcfc + (reg & 2)), v);
}

uint32_t pci_bar_size(unsigned dev, unsigned reg, uint32_t *value)
{
	uint16_t cmd = pci_cfg_read16(dev, 0x04);
	uint32_t orig = pci_cfg_read(dev, reg), mask;

	pci_cfg_write(dev, 0x04, cmd & ~3u); /* I/O and memory decode off while probing */
	pci_cfg_write(dev, reg, 0xffffffffu);
	mask = pci_cfg_read(dev, reg);
	pci_cfg_write(dev, reg, orig);
	pci_cfg_write(dev, 0x04, cmd);
	*value = orig;
	if (!mask)
		return 0;
	mask &= (orig & 1) ? 0xfffffffcu : 0xfffffff0u;
	if (orig & 1)
		mask |= 0xffff0000u; /* I/O BARs may implement only 16 address bits */
	return ~mask + 1;
}

int pci_find(int (*match)(uint32_t id, uint32_t class_rev))
{
	unsigned slot, fn;

	for (slot = 0; slot < 32; slot++) {
		for (fn = 0; fn < 8; fn++) {
			unsigned dev = slot << 3 | fn;
			uint32_t id = pci_cfg_read(dev, 0);
			if ((id & 0xffff) == 0xffff) {
				if (fn == 0)
					break; /* no function 0: empty slot */
				continue;
			}
			if (match(id, pci_cfg_read(dev, 8)))
				return (int)dev;
			if (fn == 0 && !(pci_cfg_read(dev, 0x0c) & 0x00800000u))
				break; /* single-function device */
		}
	}
	return -1;
}
