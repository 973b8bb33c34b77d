// VirtioPci: the virtio 1.0 PCI transport, modern interface only (virtio 1.0 section
// 4.1; no legacy I/O BAR, device ID 0x1040 + type). One 16 KiB 32-bit memory BAR (BAR0)
// holds the four structures the vendor capabilities (cap ID 09h, 4.1.4) point at:
//   0x0000 common configuration (4.1.4.3)   0x2000 device-specific configuration
//   0x1000 ISR status, read-to-clear         0x3000 notifications, queue q at q * 4
// Interrupts are INTx only (pin A on the given IrqLine; MSI-X vectors read NO_VECTOR):
// ISR bit 0 = used ring updated, bit 1 = configuration changed; the line is high while
// ISR is non-zero and COMMAND.INTx-disable is clear. Queues are processed synchronously
// in the notify write on the vCPU thread, and only while COMMAND.bus-master and
// DRIVER_OK are set. A broken queue (see virtio_queue.h) sets DEVICE_NEEDS_RESET and
// raises a configuration interrupt.
// The capability list is written into config space through set_writable() (PciDevice
// offers no read-only setter), so a guest could overwrite its own copy of it; the
// device never reads it back.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "core/irq.h"
#include "devices/pci/pci_device.h"
#include "devices/virtio/virtio_queue.h"

namespace vireo {

// What a device type (block, ...) gives the transport.
class VirtioDeviceModel {
 public:
  virtual ~VirtioDeviceModel() = default;
  virtual uint64_t features() const = 0;  // offered, including VIRTIO_F_VERSION_1
  virtual unsigned num_queues() const = 0;
  virtual uint16_t queue_max_size() const = 0;
  // Device-specific configuration, `offset` inside the 4 KiB window; read fills data.
  virtual void config_read(uint64_t offset, uint8_t* data, unsigned size) = 0;
  virtual void config_write(uint64_t offset, const uint8_t* data, unsigned size) = 0;
  // The driver notified queue q: take chains and return them. True when at least one
  // chain went to the used ring.
  virtual bool process(unsigned q, VirtQueue& queue, const GuestMemory& mem) = 0;
  virtual void reset() {}
};

class VirtioPci : public PciDevice, private PciBarHandler {
 public:
  static constexpr uint64_t kFeatureVersion1 = 1ull << 32;
  static constexpr uint8_t kStatusAcknowledge = 1, kStatusDriver = 2, kStatusDriverOk = 4,
                           kStatusFeaturesOk = 8, kStatusNeedsReset = 64, kStatusFailed = 128;
  static constexpr uint32_t kBarSize = 0x4000, kCommonOffset = 0x0000, kIsrOffset = 0x1000,
                            kDeviceOffset = 0x2000, kNotifyOffset = 0x3000,
                            kNotifyMultiplier = 4;

  // device_type: virtio device ID (2 = block); PCI device ID = 0x1040 + device_type.
  // `irq_line` goes into INTERRUPT_LINE (the GSI the VMM wired INTx A to) so guests
  // without firmware routing tables find it; firmware may rewrite it.
  VirtioPci(std::string name, PciResources res, uint16_t device_type, uint32_t class_code,
            IrqLine& irq, uint8_t irq_line, VirtioDeviceModel& model);

  // Machine reset: the device as after a driver write of 0 to device_status.
  void reset();
  uint8_t device_status();
  uint64_t driver_features();

 private:
  void bar_read(int bar, uint64_t offset, uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void bar_write(int bar, uint64_t offset, const uint8_t* data, unsigned size,
                 VcpuContext& vcpu) override;
  void common_bytes(uint8_t* out);  // caller holds mu_: the common config as 0x38 bytes
  void common_write(uint64_t offset, const uint8_t* data, unsigned size);
  void notify(unsigned q, const GuestMemory& mem);
  void reset_locked();
  void update_irq_locked();
  VirtQueue* selected_queue();

  IrqLine& irq_;
  VirtioDeviceModel& model_;
  std::mutex mu_;
  std::vector<std::unique_ptr<VirtQueue>> queues_;
  uint32_t device_feature_select_ = 0, driver_feature_select_ = 0;
  uint64_t driver_features_ = 0;
  uint8_t status_ = 0;
  uint8_t config_generation_ = 0;
  uint16_t queue_select_ = 0;
  uint8_t isr_ = 0;
  bool line_ = false;
};

}  // namespace vireo
