// SlotMapper: how a device that owns guest-visible memory (SVGA VRAM and FIFO, option
// ROMs) maps it into the guest, moves it when a PCI BAR is reprogrammed, and reads which
// pages the guest dirtied. Implemented by the machine on KVM memory slots; devices never
// see the KVM fd.
#pragma once
#include <cstdint>
#include <vector>

#include "core/status.h"

namespace vireo {

class SlotMapper {
 public:
  virtual ~SlotMapper() = default;
  // Maps `size` bytes at `host` (page aligned, owned by the caller, alive until unmap) at
  // guest-physical `gpa`. With log_dirty, KVM tracks guest writes per 4 KiB page.
  virtual Status map(uint8_t* host, uint64_t size, uint64_t gpa, bool read_only, bool log_dirty,
                     int* slot) = 0;
  // Moves a mapped slot to a new guest-physical address; gpa == 0 hides it.
  virtual Status move(int slot, uint64_t gpa) = 0;
  virtual void unmap(int slot) = 0;
  // Fetches and clears the dirty bitmap (one bit per 4 KiB page, LSB first).
  virtual Status take_dirty(int slot, std::vector<uint64_t>* bitmap) = 0;
};

}  // namespace vireo
