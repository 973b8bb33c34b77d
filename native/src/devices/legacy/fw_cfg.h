// FwCfg: QEMU's firmware configuration interface (QEMU docs/specs/fw_cfg.rst), as read by
// SeaBIOS (src/fw/paravirt.c) and QEMU's linuxboot_dma option ROM.
//   0x510  16-bit write: selector (resets the data offset). 8-bit reads return data too.
//   0x511  8-bit read: item data, sequential; past the end (or unknown item) reads 0.
//   0x514  32-bit write: DMA descriptor address, high half, big-endian.
//   0x518  32-bit write: low half, big-endian; starts the transfer. A 64-bit BE write at
//          0x514 sets both and starts it. Reads of 0x514..0x51B return "QEMU CFG".
// Register the whole block once: pio.add(FwCfg::kBasePort, FwCfg::kPortCount, ...).
// Items: 0x00 "QEMU", 0x01 ID = 3 (traditional + DMA), 0x19 the file directory (big-endian
// count, then {u32 size BE, u16 select BE, u16 reserved, char name[56]}), files from 0x20
// in name order. The host fills everything before the guest starts.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/bus.h"
#include "core/status.h"

namespace vireo {

class FwCfg : public PioDevice {
 public:
  static constexpr uint16_t kBasePort = 0x510;
  static constexpr uint16_t kPortCount = 12;  // 0x510..0x51B
  static constexpr uint16_t kSignature = 0x00, kId = 0x01, kFileDir = 0x19, kFirstFile = 0x20;
  static constexpr size_t kMaxFileName = 55;   // + NUL in the 56-byte directory field
  static constexpr size_t kMaxFiles = 0x1000;

  FwCfg();

  void pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext& vcpu) override;

  // Fixed-key item (e.g. 0x05 NB_CPUS). Refuses 0x00, 0x01, 0x19 and the file range
  // 0x20..0x7FFF; replaces an existing item.
  Status add_item(uint16_t selector, std::vector<uint8_t> data);
  Status add_u16(uint16_t selector, uint16_t value);  // little-endian, as QEMU fw_cfg_add_i16
  Status add_u32(uint16_t selector, uint32_t value);
  Status add_u64(uint16_t selector, uint64_t value);
  // Named file (e.g. "etc/e820", "genroms/linuxboot_dma.bin"); replaces a file of the same
  // name. Selectors are renumbered in name order, so add files before the guest starts.
  Status add_file(const std::string& name, std::vector<uint8_t> data);
  // Selector a file currently has, or 0 when there is no such file.
  uint16_t file_selector(const std::string& name);

 private:
  const std::vector<uint8_t>* item(uint16_t selector) const;  // caller holds lock_
  void select(uint16_t selector);
  uint8_t next_byte();
  void dma(uint64_t desc_addr, VcpuContext& vcpu);
  bool dma_read(uint64_t gpa, uint32_t len, VcpuContext& vcpu);
  void rebuild_directory();

  std::mutex lock_;
  std::map<uint16_t, std::vector<uint8_t>> items_;
  std::map<std::string, std::vector<uint8_t>> files_;  // name order = selector order
  std::vector<const std::vector<uint8_t>*> file_index_;  // selector - 0x20 -> data
  std::vector<uint8_t> directory_;
  uint16_t selector_ = 0;
  uint64_t offset_ = 0;
  uint32_t dma_high_ = 0;
};

}  // namespace vireo
