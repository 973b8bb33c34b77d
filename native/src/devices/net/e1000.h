// E1000: the Intel 82545EM gigabit Ethernet controller (PCI 8086:100F, subsystem
// 15AD:0750 as VMware's "e1000" virtualDev presents it; class 02h/00h), the NIC Linux
// `e1000`, Windows' in-box Intel PRO/1000 MT driver and iPXE's `intel` driver bind to.
// BAR 0: the 128 KiB register space; BAR 1: I/O window IOADDR/IODATA onto the same
// registers (8254x manual 13.2.1); INTx pin A. This file composes the concepts kept in
// their own files: EEPROM (e1000_eeprom), PHY (e1000_phy), interrupts and throttling
// (e1000_interrupts), address filters (e1000_filter), statistics (e1000_stats), the
// transmit ring (e1000_tx) and the receive ring (e1000_rx).
// Threads: registers are accessed by vCPU threads (BAR exits) and received frames and
// timers arrive on the backend's I/O thread (NetPort); one mutex serializes them. DMA
// happens only while PCI bus mastering is enabled.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "core/guest_memory.h"
#include "core/irq.h"
#include "devices/net/e1000_eeprom.h"
#include "devices/net/e1000_filter.h"
#include "devices/net/e1000_interrupts.h"
#include "devices/net/e1000_phy.h"
#include "devices/net/e1000_rx.h"
#include "devices/net/e1000_stats.h"
#include "devices/net/e1000_tx.h"
#include "devices/net/net_port.h"
#include "devices/pci/pci_device.h"

namespace vireo {

class E1000 : public PciDevice, private PciBarHandler, public NetPort {
 public:
  static constexpr uint32_t kClassCode = 0x020000;

  // `sink`: the wire (null: no cable, the link stays down). `clock` runs the ITR timer.
  E1000(std::string name, PciResources res, IrqLine& irq, uint8_t irq_line, const GuestMemory& mem,
        const E1000Identity& id, FrameSink* sink, NetClock& clock);
  // Machine reset (config space: reset_config()). The link keeps its state.
  void reset();
  NicTraffic traffic() const override;
  bool link() const override;

  // The register file as BAR 0 decodes it (32-bit accesses at 4-byte aligned offsets).
  uint32_t read_register(uint32_t offset);
  void write_register(uint32_t offset, uint32_t value);

  // NetPort (the backend's I/O thread).
  Rx receive(const uint8_t* frame, size_t len) override;
  void tx_ready() override;
  void timer() override;
  void set_link(bool up) override;

 private:
  void bar_read(int bar, uint64_t offset, uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void bar_write(int bar, uint64_t offset, const uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  uint32_t read_locked(uint32_t offset);
  void write_locked(uint32_t offset, uint32_t value);
  void mac_reset_locked();
  void transmit_locked();
  bool bus_master();
  uint32_t status_locked() const;

  mutable std::mutex mu_;
  const GuestMemory& mem_;
  E1000Identity id_;
  FrameSink* sink_;
  E1000Eeprom eeprom_;
  E1000Phy phy_;
  E1000Interrupts irqs_;
  E1000Filter filter_;
  E1000Stats stats_;
  E1000Tx tx_;
  E1000Rx rx_;
  bool link_ = false;
  bool tx_blocked_ = false;
  uint32_t ctrl_ = 0, rctl_ = 0, tctl_ = 0, rxcsum_ = 0, vet_ = 0, mdic_ = 0, io_addr_ = 0;
  std::map<uint32_t, uint32_t> plain_;  // registers that only store what software wrote
};

}  // namespace vireo
