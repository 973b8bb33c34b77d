// GuestSgList: a scatter/gather list of guest-physical regions that a storage command
// names (an AHCI PRDT, NVMe PRPs), built from a copy of the guest's descriptors and then
// walked in order. Data moves between a host buffer and the regions; a region outside
// guest RAM ends the transfer (the caller fails the command), and no more than the list
// describes ever moves.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/guest_memory.h"

namespace vireo {

class GuestSgList {
 public:
  void clear();
  void add(uint64_t gpa, uint32_t len);
  uint64_t total_bytes() const { return total_; }
  // Bytes moved so far (AHCI PRDBC).
  uint64_t moved() const { return moved_; }
  // The next `len` bytes of the regions from/to `buf`. False when the regions are
  // exhausted or one lies outside guest RAM.
  bool to_guest(const GuestMemory& mem, const uint8_t* buf, size_t len);
  bool from_guest(const GuestMemory& mem, uint8_t* buf, size_t len);

 private:
  struct Region {
    uint64_t gpa;
    uint32_t len;
  };
  template <typename Copy>
  bool walk(size_t len, Copy copy);

  std::vector<Region> regions_;
  uint64_t total_ = 0, moved_ = 0;
  size_t index_ = 0;
  uint32_t offset_ = 0;  // inside regions_[index_]
};

// The AHCI physical region descriptor table (AHCI 1.3.1 4.2.3.3): `entries` 16-byte
// descriptors at `table`, copied once. False when the table is not in guest RAM.
bool load_ahci_prdt(const GuestMemory& mem, uint64_t table, unsigned entries, GuestSgList* out);

}  // namespace vireo
