// NvmeController: an NVMe 1.4 controller with one namespace (NSID 1, 512-byte blocks) as
// VMware's virtual NVMe presents it (PCI 15ad:07f0, class 01h/08h/02h), registers in the
// memory BAR 0 (NVM Express 1.4c section 3.1), the admin queue and up to 15 I/O
// submission/completion queue pairs in guest memory, PRP data pointers, INTx pin A.
// A doorbell write runs the commands it makes available to completion inside the write
// (no I/O thread): each 64-byte submission entry is copied out once and decoded from
// the copy; a full completion queue holds its submission queues back until the host
// frees entries through the CQ head doorbell. Queue sizes, IDs, PRPs and LBA ranges are
// checked before guest memory or the image is touched; transfers are limited to MDTS.
// SeaBIOS (src/hw/nvme.c) and Linux (drivers/nvme/host/pci.c) bind to the class code.
#pragma once
#include <array>
#include <mutex>
#include <string>
#include <vector>

#include "core/irq.h"
#include "devices/pci/pci_device.h"
#include "devices/storage/block_backend.h"

namespace vireo {

class NvmeController : public PciDevice, private PciBarHandler {
 public:
  static constexpr uint32_t kClassCode = 0x010802;
  static constexpr uint32_t kBarSize = 0x4000;
  static constexpr unsigned kQueues = 16;        // queue IDs 0 (admin) to 15
  static constexpr unsigned kMaxEntries = 1024;  // CAP.MQES + 1
  static constexpr unsigned kMdts = 7;           // 2^7 pages = 512 KiB per command
  static constexpr unsigned kAsyncEventLimit = 4;

  NvmeController(std::string name, PciResources res, IrqLine& irq, uint8_t irq_line, BlockBackend& disk);
  // Machine reset (config space: reset_config()).
  void reset();
  uint64_t commands() const;

 private:
  struct Sq {
    bool live = false;
    uint64_t base = 0;
    uint32_t size = 0, head = 0, tail = 0, cqid = 0;
  };
  struct Cq {
    bool live = false;
    uint64_t base = 0;
    uint32_t size = 0, head = 0, tail = 0;
    bool phase = true, interrupts = true;
  };
  struct Done {
    uint16_t status = 0;
    uint32_t dw0 = 0;
    bool post = true;  // false: the command stays outstanding (asynchronous event request)
  };

  void bar_read(int bar, uint64_t offset, uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void bar_write(int bar, uint64_t offset, const uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  uint64_t read_reg(unsigned offset) const;
  uint32_t read32(unsigned offset) const;
  void write_reg(unsigned offset, uint32_t value, const GuestMemory& mem);
  void write_cc(uint32_t value);
  void controller_reset();
  void doorbell(unsigned index, uint32_t value, const GuestMemory& mem);
  void process(const GuestMemory& mem);
  bool cq_full(const Cq& cq) const { return (cq.tail + 1) % cq.size == cq.head; }
  void post(Cq& cq, unsigned sqid, uint16_t cid, const Done& d, const GuestMemory& mem);
  void update_irq_locked();

  // nvme_commands.cc
  Done admin(const uint8_t* sqe, const GuestMemory& mem);
  Done io(const uint8_t* sqe, const GuestMemory& mem);
  Done identify(const uint8_t* sqe, const GuestMemory& mem);
  Done create_cq(const uint8_t* sqe, const GuestMemory& mem);
  Done create_sq(const uint8_t* sqe, const GuestMemory& mem);
  Done features(const uint8_t* sqe, bool set);
  Done reply(const uint8_t* sqe, const uint8_t* data, size_t len, const GuestMemory& mem);
  Done read_write(const uint8_t* sqe, bool write, const GuestMemory& mem);

  IrqLine& irq_;
  BlockBackend& disk_;
  std::string serial_;
  mutable std::mutex mu_;
  uint32_t cc_ = 0, csts_ = 0, aqa_ = 0, intms_ = 0;
  uint64_t asq_ = 0, acq_ = 0;
  std::array<Sq, kQueues> sq_;
  std::array<Cq, kQueues> cq_;
  unsigned async_events_ = 0;  // outstanding asynchronous event requests
  bool write_cache_ = true;
  uint32_t feature_dw_[16]{};  // features stored as set (arbitration ... async event config)
  bool line_ = false;
  std::vector<uint8_t> bounce_;
  uint64_t commands_ = 0;
};

}  // namespace vireo
