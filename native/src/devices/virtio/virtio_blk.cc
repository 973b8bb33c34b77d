#include "devices/virtio/virtio_blk.h"

#include <cstring>

#include "core/le_bytes.h"

namespace vireo {

namespace {
constexpr uint32_t kBounce = 64 * 1024;
constexpr unsigned kHeader = 16, kIdBytes = 20;
constexpr uint32_t kMaxPerNotify = 65536;  // bounds one notify even if other vCPUs keep adding
}  // namespace

VirtioBlk::VirtioBlk(BlockBackend& backend, std::string serial)
    : backend_(backend), serial_(std::move(serial)), bounce_(kBounce) {
  if (serial_.size() > kIdBytes) serial_.resize(kIdBytes);
}

uint64_t VirtioBlk::features() const {
  return VirtioPci::kFeatureVersion1 | kFeatureSegMax | kFeatureBlkSize | kFeatureFlush |
         (backend_.read_only() ? kFeatureRo : 0);
}

void VirtioBlk::config_read(uint64_t offset, uint8_t* data, unsigned size) {
  uint8_t cfg[24] = {};
  uint64_t capacity = backend_.size_bytes() / 512;
  put_le64(cfg, capacity);
  put_le32(cfg + 12, kQueueSize - 2);  // seg_max: header and status take two descriptors
  put_le32(cfg + 20, 512);             // blk_size
  for (unsigned i = 0; i < size; ++i) data[i] = offset + i < sizeof cfg ? cfg[offset + i] : 0;
}

bool VirtioBlk::process(unsigned, VirtQueue& queue, const GuestMemory& mem) {
  bool used = false;
  VirtChain chain;
  for (uint32_t n = 0; n < kMaxPerNotify && queue.pop(mem, &chain); ++n) {
    uint32_t written = serve(chain, mem);
    if (!queue.push_used(mem, chain.head, written)) break;
    used = true;
  }
  return used;
}

uint32_t VirtioBlk::serve(const VirtChain& chain, const GuestMemory& mem) {
  ++requests_;
  // The status byte is the last writable byte; without one there is nothing to report.
  if (!chain.writable_bytes) {
    ++errors_;
    return 0;
  }
  uint64_t status_at = chain.writable_bytes - 1;
  uint8_t header[kHeader];
  uint8_t status = kStatusIoErr;
  uint32_t written = 1;
  if (chain.read(mem, 0, header, kHeader)) {
    uint32_t type = le32(header);
    uint64_t sector = le64(header + 8);
    switch (type) {
      case kTypeIn:
        status = transfer(chain, mem, true, sector, status_at);
        if (status == kStatusOk) written += static_cast<uint32_t>(status_at);
        break;
      case kTypeOut:
        status = backend_.read_only() ? kStatusIoErr
                                      : transfer(chain, mem, false, sector, chain.readable_bytes - kHeader);
        break;
      case kTypeFlush:
        status = backend_.flush().ok() ? kStatusOk : kStatusIoErr;
        break;
      case kTypeGetId: {
        uint8_t id[kIdBytes] = {};
        memcpy(id, serial_.data(), serial_.size());
        uint64_t n = status_at < kIdBytes ? status_at : kIdBytes;
        status = chain.write(mem, 0, id, n) ? kStatusOk : kStatusIoErr;
        if (status == kStatusOk) written += static_cast<uint32_t>(n);
        break;
      }
      default:
        status = kStatusUnsupp;
        break;
    }
  }
  if (status != kStatusOk) ++errors_;
  if (!chain.write(mem, status_at, &status, 1)) return 0;
  return written;
}

// Moves `bytes` between the image at `sector` and the chain's data area (writable from
// offset 0 for IN, readable after the header for OUT) through the bounce buffer.
uint8_t VirtioBlk::transfer(const VirtChain& chain, const GuestMemory& mem, bool in,
                            uint64_t sector, uint64_t bytes) {
  uint64_t size = backend_.size_bytes();
  if (bytes % 512 || sector > size / 512 || !block_range_ok(size, sector * 512, bytes))
    return kStatusIoErr;
  uint64_t offset = sector * 512;
  for (uint64_t done = 0; done < bytes;) {
    uint64_t n = bytes - done < kBounce ? bytes - done : kBounce;
    if (in) {
      if (!backend_.read(offset + done, bounce_.data(), n).ok() || !chain.write(mem, done, bounce_.data(), n))
        return kStatusIoErr;
    } else {
      if (!chain.read(mem, kHeader + done, bounce_.data(), n) ||
          !backend_.write(offset + done, bounce_.data(), n).ok())
        return kStatusIoErr;
    }
    done += n;
  }
  return kStatusOk;
}

}  // namespace vireo
