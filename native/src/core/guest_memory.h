// GuestMemory: the guest-physical address space as host mappings. Pure: no KVM fd.
// Every accessor bounds-checks against the regions, so a guest-supplied address can
// never reach outside guest RAM (every guest-supplied value is hostile).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/status.h"

namespace vireo {

struct MemoryRegion {
  uint64_t gpa = 0;
  uint64_t size = 0;
  uint8_t* host = nullptr;  // mmap'ed, owned by GuestMemory
  bool read_only = false;   // guest writes exit as MMIO (ROM)
  uint32_t slot = 0;
};

class GuestMemory {
 public:
  GuestMemory() = default;
  ~GuestMemory();
  GuestMemory(const GuestMemory&) = delete;
  GuestMemory& operator=(const GuestMemory&) = delete;

  // Maps anonymous memory for [gpa, gpa+size). Regions must not overlap.
  Status add_region(uint64_t gpa, uint64_t size, bool read_only, MemoryRegion** out = nullptr);

  // Host pointer for [gpa, gpa+len) when it lies inside one region, else nullptr.
  uint8_t* host_ptr(uint64_t gpa, uint64_t len) const;
  // The same for a guest-driven store: nullptr also when the region is read-only (ROM),
  // so a device writing on the guest's behalf obeys what KVM_MEM_READONLY enforces.
  uint8_t* writable_ptr(uint64_t gpa, uint64_t len) const;
  // Copies that fail (return false) when any byte is outside guest memory.
  bool read(uint64_t gpa, void* dst, size_t len) const;
  bool write(uint64_t gpa, const void* src, size_t len) const;

  const std::vector<MemoryRegion>& regions() const { return regions_; }
  // Guest RAM (writable regions) in bytes.
  uint64_t ram_bytes() const;

 private:
  std::vector<MemoryRegion> regions_;
};

}  // namespace vireo
