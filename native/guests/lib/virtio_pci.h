/*
 * virtio_pci.h: the modern virtio 1.0 PCI transport (virtio 1.0 §4.1), polled, queue 0
 * only, for the disk guests. Structures live in a BAR that must be 32-bit (or 64-bit
 * with a zero high half) and assigned (by the VMM for direct boot, by the firmware
 * under QEMU).
 *   virtio_pci_caps(dev, &vp)      walks the vendor capabilities (ID 09h) for the common
 *                                  (1), notify (2) and device (4) structures; fails the
 *                                  run when one is missing or its BAR is unusable
 *   virtio_pci_features(&vp, &hi)  reset, ACKNOWLEDGE, DRIVER (§3.1.1 steps 1-3); returns
 *                                  device features 31:0, *hi = 63:32; fails without
 *                                  VERSION_1 (bit 32)
 *   virtio_pci_accept(&vp, lo)     driver features lo | VERSION_1, FEATURES_OK read back
 *   virtio_pci_queue0(&vp, n, desc, avail, used)
 *                                  queue 0 with n entries at those addresses, enabled;
 *                                  vp.notify becomes its notification address
 *   virtio_pci_driver_ok(&vp)      DRIVER_OK
 * VIRTQ_AVAIL(n) / VIRTQ_USED(n) are the split-ring layouts of §2.4.6 / §2.4.8.
 * Guests using it: disk_virtio, bench_disk.
 */
#ifndef GUEST_VIRTIO_PCI_H
#define GUEST_VIRTIO_PCI_H

#include <stdint.h>

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

#define VIRTQ_AVAIL(n)                               \
	struct {                                     \
		uint16_t flags, idx, ring[n], used_event; \
	}
#define VIRTQ_USED(n)                  \
	struct {                       \
		uint16_t flags, idx;   \
		struct {               \
			uint32_t id, len; \
		} ring[n];             \
		uint16_t avail_event;  \
	}

/* virtio-blk request header (virtio 1.0 §5.2.6): type IN 0, OUT 1, FLUSH 4, GET_ID 8. */
struct virtio_blk_hdr {
	uint32_t type, reserved;
	uint64_t sector;
};

struct virtio_pci {
	uintptr_t common, notify, device;
	uint32_t notify_mult; /* notify_off_multiplier of the notify capability */
};

void virtio_pci_caps(unsigned dev, struct virtio_pci *vp);
uint32_t virtio_pci_features(const struct virtio_pci *vp, uint32_t *hi);
void virtio_pci_accept(const struct virtio_pci *vp, uint32_t lo);
void virtio_pci_queue0(struct virtio_pci *vp, uint16_t n, const void *desc, const void *avail,
		       const volatile void *used);
void virtio_pci_driver_ok(const struct virtio_pci *vp);

#endif
