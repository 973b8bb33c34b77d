// Vmxnet3: VMware's paravirtual NIC, revision 1 (PCI 15AD:07B0, class 02h/00h), for .vmx
// files that name `ethernet0.virtualDev = "vmxnet3"`; iPXE's vmxnet3 driver and Linux's
// in-tree vmxnet3 bind to it. BAR 0 "PT" (interrupt masks, TX/RX producer doorbells),
// BAR 1 "VD" (revision selection, driver-shared address, commands, MAC, ICR, ECR); one
// TX and one RX queue (what drivers configure without MSI-X), INTx pin A with the
// driver masking through IMR ("active" mask mode reported by GET_CONF_INTR). State in
// guest memory (DriverShared, queue descriptors, rings) is read when the driver issues
// ACTIVATE_DEV and UPDATE_* commands, copied once and checked (vmxnet3_queues.h).
// Threads and locking as E1000: vCPU threads through the BARs, the backend's I/O thread
// through NetPort, one mutex; DMA only with bus mastering on.
#pragma once
#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "core/guest_memory.h"
#include "core/irq.h"
#include "devices/net/net_port.h"
#include "devices/net/vmxnet3_queues.h"
#include "devices/pci/pci_device.h"

namespace vireo {

class Vmxnet3 : public PciDevice, private PciBarHandler, public NetPort {
 public:
  static constexpr uint32_t kClassCode = 0x020000;
  static constexpr unsigned kIntrs = 25;

  Vmxnet3(std::string name, PciResources res, IrqLine& irq, uint8_t irq_line, const GuestMemory& mem,
          const std::array<uint8_t, 6>& mac, FrameSink* sink);
  void reset();
  NicTraffic traffic() const override;
  bool link() const override;

  Rx receive(const uint8_t* frame, size_t len) override;
  void tx_ready() override;
  void timer() override {}
  void set_link(bool up) override;

 private:
  void bar_read(int bar, uint64_t offset, uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void bar_write(int bar, uint64_t offset, const uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void command_locked(uint32_t cmd);
  uint32_t activate_locked();
  void read_rx_filter_locked();
  void device_reset_locked();
  void transmit_locked();
  void raise_locked(unsigned vector);
  void post_event_locked(uint32_t events);
  void update_irq_locked();
  bool accept_locked(const uint8_t* dst) const;
  bool bus_master();

  mutable std::mutex mu_;
  IrqLine& irq_;
  const GuestMemory& mem_;
  std::array<uint8_t, 6> perm_mac_, mac_;
  FrameSink* sink_;
  Vmxnet3Queues queues_;
  bool link_ = false, line_ = false, tx_blocked_ = false;
  uint64_t dsa_ = 0;
  uint32_t cmd_result_ = 0, vrrs_ = 0, uvrs_ = 0, icr_ = 0, ecr_ = 0;
  uint32_t rx_mode_ = 0;
  bool rx_csum_ = false, intr_disabled_ = true;
  uint8_t event_intr_ = 0;
  std::array<bool, kIntrs> imr_{};
  std::vector<std::array<uint8_t, 6>> multicast_;
};

}  // namespace vireo
