#include "devices/legacy/fw_cfg.h"

#include <algorithm>
#include <cstring>

#include "core/guest_memory.h"
#include "core/le_bytes.h"

namespace vireo {

namespace {
constexpr uint16_t kPortSelector = 0x510, kPortData = 0x511, kPortDmaHigh = 0x514,
                   kPortDmaLow = 0x518, kPortDmaEnd = 0x51B;
// Selector bit 14 asks for the (removed) write channel; bit 15 marks arch-local keys.
constexpr uint16_t kWriteChannel = 0x4000;
constexpr uint32_t kIdTraditional = 1, kIdDma = 2;
// DMA descriptor control bits (fw_cfg.rst "FWCfgDmaAccess").
constexpr uint32_t kDmaError = 0x01, kDmaRead = 0x02, kDmaSkip = 0x04, kDmaSelect = 0x08,
                   kDmaWrite = 0x10;
constexpr char kDmaSignature[9] = "QEMU CFG";
constexpr uint64_t kPage = 4096;

uint32_t be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
void put_be32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}
std::vector<uint8_t> le_bytes(uint64_t v, unsigned n) {
  std::vector<uint8_t> out(n);
  le_store(out.data(), v, n);
  return out;
}
}  // namespace

FwCfg::FwCfg() {
  items_[kSignature] = {'Q', 'E', 'M', 'U'};
  items_[kId] = le_bytes(kIdTraditional | kIdDma, 4);
  rebuild_directory();
}

Status FwCfg::add_item(uint16_t selector, std::vector<uint8_t> data) {
  if (selector == kSignature || selector == kId || selector == kFileDir ||
      (selector & kWriteChannel) || (selector >= kFirstFile && selector < 0x8000))
    return Status::Error(ErrorCode::kInvalidArgument,
                         "fw_cfg selector " + std::to_string(selector) + " is reserved");
  std::lock_guard guard(lock_);
  items_[selector] = std::move(data);
  return Status::Ok();
}

Status FwCfg::add_u16(uint16_t selector, uint16_t value) {
  return add_item(selector, le_bytes(value, 2));
}
Status FwCfg::add_u32(uint16_t selector, uint32_t value) {
  return add_item(selector, le_bytes(value, 4));
}
Status FwCfg::add_u64(uint16_t selector, uint64_t value) {
  return add_item(selector, le_bytes(value, 8));
}

Status FwCfg::add_file(const std::string& name, std::vector<uint8_t> data) {
  if (name.empty() || name.size() > kMaxFileName || name.find('\0') != std::string::npos)
    return Status::Error(ErrorCode::kInvalidArgument, "fw_cfg file name '" + name +
                                                          "' is empty or longer than 55 bytes");
  if (data.size() > UINT32_MAX)
    return Status::Error(ErrorCode::kInvalidArgument, "fw_cfg file " + name + " exceeds 4 GiB");
  std::lock_guard guard(lock_);
  if (files_.size() >= kMaxFiles && files_.find(name) == files_.end())
    return Status::Error(ErrorCode::kInvalidArgument, "too many fw_cfg files");
  files_[name] = std::move(data);
  rebuild_directory();
  return Status::Ok();
}

uint16_t FwCfg::file_selector(const std::string& name) {
  std::lock_guard guard(lock_);
  auto it = files_.find(name);
  if (it == files_.end()) return 0;
  return static_cast<uint16_t>(kFirstFile + std::distance(files_.begin(), it));
}

void FwCfg::rebuild_directory() {
  // FILE_DIR: u32 count BE, then per file {u32 size BE, u16 select BE, u16 reserved,
  // char name[56]} (fw_cfg.rst "FWCfgFile").
  directory_.assign(4 + 64 * files_.size(), 0);
  put_be32(directory_.data(), static_cast<uint32_t>(files_.size()));
  file_index_.clear();
  uint16_t select = kFirstFile;
  uint8_t* entry = directory_.data() + 4;
  for (const auto& [name, data] : files_) {
    put_be32(entry, static_cast<uint32_t>(data.size()));
    entry[4] = uint8_t(select >> 8);
    entry[5] = uint8_t(select);
    std::memcpy(entry + 8, name.data(), name.size());  // name.size() <= 55: NUL stays
    file_index_.push_back(&data);
    ++select;
    entry += 64;
  }
}

const std::vector<uint8_t>* FwCfg::item(uint16_t selector) const {
  uint16_t key = selector & static_cast<uint16_t>(~kWriteChannel);
  if (key == kFileDir) return &directory_;
  if (key >= kFirstFile && key < 0x8000) {
    size_t index = key - kFirstFile;
    return index < file_index_.size() ? file_index_[index] : nullptr;
  }
  auto it = items_.find(key);
  return it == items_.end() ? nullptr : &it->second;
}

void FwCfg::select(uint16_t selector) {
  selector_ = selector;
  offset_ = 0;
}

uint8_t FwCfg::next_byte() {
  const std::vector<uint8_t>* data = item(selector_);
  if (!data || offset_ >= data->size()) return 0;  // unknown or past the end: 0
  return (*data)[offset_++];
}

void FwCfg::pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext&) {
  std::lock_guard guard(lock_);
  if (port == kPortSelector || port == kPortData) {
    for (unsigned i = 0; i < size; ++i) data[i] = next_byte();
  } else if (port >= kPortDmaHigh && port <= kPortDmaEnd) {
    for (unsigned i = 0; i < size && port + i <= kPortDmaEnd; ++i)
      data[i] = static_cast<uint8_t>(kDmaSignature[port - kPortDmaHigh + i]);
  }
  // 0x512/0x513 are not decoded: all-ones.
}

void FwCfg::pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext& vcpu) {
  std::lock_guard guard(lock_);
  if (port == kPortSelector) {
    // Only a 16-bit access selects (QEMU's port accepts no other width there).
    if (size == 2) select(le16(data));
  } else if (port == kPortDmaHigh && size == 4) {
    dma_high_ = be32(data);
  } else if (port == kPortDmaHigh && size == 8) {
    dma_high_ = 0;
    dma(uint64_t(be32(data)) << 32 | be32(data + 4), vcpu);
  } else if (port == kPortDmaLow && size == 4) {
    uint64_t addr = uint64_t(dma_high_) << 32 | be32(data);
    dma_high_ = 0;
    dma(addr, vcpu);
  }
  // Data-port writes are ignored: the write channel is gone since QEMU 2.4.
}

void FwCfg::dma(uint64_t desc_addr, VcpuContext& vcpu) {
  GuestMemory& mem = vcpu.memory();
  // FWCfgDmaAccess, big-endian: u32 control, u32 length, u64 address.
  uint8_t desc[16];
  if (!mem.read(desc_addr, desc, sizeof desc)) return;  // nowhere to report an error
  uint32_t control = be32(desc);
  uint32_t length = be32(desc + 4);
  uint64_t address = uint64_t(be32(desc + 8)) << 32 | be32(desc + 12);

  if (control & kDmaSelect) select(static_cast<uint16_t>(control >> 16));
  bool ok = true;
  if (control & kDmaRead) {
    ok = dma_read(address, length, vcpu);
  } else if (control & kDmaWrite) {
    ok = false;  // items are read-only for the guest
  } else if (control & kDmaSkip) {
    const std::vector<uint8_t>* data = item(selector_);
    uint64_t size = data ? data->size() : 0;
    offset_ = std::min<uint64_t>(offset_ + length, size);
  }
  uint8_t status[4];
  put_be32(status, ok ? 0 : kDmaError);
  mem.write(desc_addr, status, sizeof status);
}

bool FwCfg::dma_read(uint64_t gpa, uint32_t len, VcpuContext& vcpu) {
  if (gpa + len < gpa) return false;  // wraps around the address space
  GuestMemory& mem = vcpu.memory();
  const std::vector<uint8_t>* data = item(selector_);
  uint64_t avail = (data && offset_ < data->size()) ? data->size() - offset_ : 0;
  static const uint8_t kZeros[kPage] = {};
  // Page-sized pieces, so a transfer may span adjacent (page-aligned) memory regions.
  uint64_t done = 0;
  while (done < len) {
    uint64_t piece = std::min<uint64_t>(len - done, kPage - ((gpa + done) & (kPage - 1)));
    const uint8_t* src = kZeros;  // past the end of the item: zeros
    if (done < avail) {
      piece = std::min(piece, avail - done);
      src = data->data() + offset_ + done;
    }
    if (!mem.write(gpa + done, src, piece)) {
      offset_ += std::min(done, avail);
      return false;
    }
    done += piece;
  }
  offset_ += std::min<uint64_t>(len, avail);
  return true;
}

}  // namespace vireo
