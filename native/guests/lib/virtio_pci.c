/* Modern virtio 1.0 PCI transport, polled, queue 0 (virtio_pci.h). */
#include "virtio_pci.h"

#include "guest.h"
#include "pci.h"

/* virtio_pci_common_cfg offsets (virtio 1.0 §4.1.4.3). */
#define DEV_FEATURE_SELECT 0x00
#define DEV_FEATURE 0x04
#define DRV_FEATURE_SELECT 0x08
#define DRV_FEATURE 0x0c
#define DEVICE_STATUS 0x14
#define QUEUE_SELECT 0x16
#define QUEUE_SIZE 0x18
#define QUEUE_ENABLE 0x1c
#define QUEUE_NOTIFY_OFF 0x1e
#define QUEUE_DESC 0x20
#define QUEUE_AVAIL 0x28
#define QUEUE_USED 0x30

/* Guest-physical base of BAR `bar`, failing when it is unassigned or above 4 GiB. */
static uintptr_t bar_base(unsigned dev, unsigned bar)
{
	uint32_t v = pci_cfg_read(dev, 0x10 + 4 * bar);

	if (v & 1)
		fail("virtio: BAR%u is an I/O BAR", bar);
	if ((v & 6) == 4 && pci_cfg_read(dev, 0x14 + 4 * bar))
		fail("virtio: BAR%u lies above 4 GiB", bar);
	if (!(v & ~0xfu))
		fail("virtio: BAR%u is not assigned", bar);
	return v & ~0xfu;
}

void virtio_pci_caps(unsigned dev, struct virtio_pci *vp)
{
	unsigned cap, guard = 0;

	vp->common = vp->notify = vp->device = 0;
	vp->notify_mult = 0;
	/* Capabilities pointer at 0x34; at most 48 entries fit in 256 bytes. */
	for (cap = pci_cfg_read(dev, 0x34) & 0xfc; cap && guard < 48; guard++) {
		uint32_t head = pci_cfg_read(dev, cap);
		uint32_t off = pci_cfg_read(dev, cap + 8);
		unsigned type = head >> 24, bar = pci_cfg_read(dev, cap + 4) & 0xff;
		if ((head & 0xff) == 0x09 && type >= 1 && type <= 4 && bar < 6) {
			uintptr_t at = bar_base(dev, bar) + off;
			if (type == 1)
				vp->common = at;
			else if (type == 2) {
				vp->notify = at;
				vp->notify_mult = pci_cfg_read(dev, cap + 16);
			} else if (type == 4)
				vp->device = at;
		}
		cap = (head >> 8) & 0xfc;
	}
	if (!vp->common || !vp->notify || !vp->device)
		fail("virtio: common/notify/device capabilities missing");
}

uint32_t virtio_pci_features(const struct virtio_pci *vp, uint32_t *hi)
{
	uintptr_t c = vp->common;
	uint32_t lo;

	mmio_write8(c + DEVICE_STATUS, 0); /* reset */
	while (mmio_read8(c + DEVICE_STATUS))
		pause();
	mmio_write8(c + DEVICE_STATUS, 1); /* ACKNOWLEDGE */
	mmio_write8(c + DEVICE_STATUS, 3); /* DRIVER */
	mmio_write32(c + DEV_FEATURE_SELECT, 0);
	lo = mmio_read32(c + DEV_FEATURE);
	mmio_write32(c + DEV_FEATURE_SELECT, 1);
	*hi = mmio_read32(c + DEV_FEATURE);
	if (!(*hi & 1))
		fail("virtio: VERSION_1 not offered");
	return lo;
}

void virtio_pci_accept(const struct virtio_pci *vp, uint32_t lo)
{
	uintptr_t c = vp->common;

	mmio_write32(c + DRV_FEATURE_SELECT, 0);
	mmio_write32(c + DRV_FEATURE, lo);
	mmio_write32(c + DRV_FEATURE_SELECT, 1);
	mmio_write32(c + DRV_FEATURE, 1); /* VERSION_1 */
	mmio_write8(c + DEVICE_STATUS, 0x0b); /* + FEATURES_OK */
	if (!(mmio_read8(c + DEVICE_STATUS) & 0x08))
		fail("virtio: FEATURES_OK refused");
}

void virtio_pci_queue0(struct virtio_pci *vp, uint16_t n, const void *desc, const void *avail,
		       const volatile void *used)
{
	uintptr_t c = vp->common;

	mmio_write16(c + QUEUE_SELECT, 0);
	if (mmio_read16(c + QUEUE_SIZE) < n)
		fail("virtio: queue 0 holds %u entries, need %u", mmio_read16(c + QUEUE_SIZE), n);
	mmio_write16(c + QUEUE_SIZE, n);
	mmio_write32(c + QUEUE_DESC, (uintptr_t)desc);
	mmio_write32(c + QUEUE_DESC + 4, 0);
	mmio_write32(c + QUEUE_AVAIL, (uintptr_t)avail);
	mmio_write32(c + QUEUE_AVAIL + 4, 0);
	mmio_write32(c + QUEUE_USED, (uintptr_t)used);
	mmio_write32(c + QUEUE_USED + 4, 0);
	mmio_write16(c + QUEUE_ENABLE, 1);
	vp->notify += (uintptr_t)mmio_read16(c + QUEUE_NOTIFY_OFF) * vp->notify_mult;
}

void virtio_pci_driver_ok(const struct virtio_pci *vp)
{
	mmio_write8(vp->common + DEVICE_STATUS, 0x0f);
}
