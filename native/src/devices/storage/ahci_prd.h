// PrdList: the physical region descriptor table of one AHCI command (AHCI 1.3.1 4.2.3.3),
// copied out of guest memory once and then walked as a scatter/gather list. Data moves
// between a host buffer and the regions in order; a region outside guest RAM ends the
// transfer (the caller fails the command), and no more than the table describes moves.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../../core/guest_memory.h"

namespace vireo {

class PrdList {
 public:
  // Reads `entries` descriptors at `table` (guest-physical). False when the table is not
  // in guest RAM.
  bool load(const GuestMemory& mem, uint64_t table, unsigned entries);
  uint64_t total_bytes() const { return total_; }
  // Bytes moved so far (the command header's PRDBC).
  uint64_t moved() const { return moved_; }
  // Next `len` bytes of the regions from/to `buf`. False when the regions are exhausted
  // or one lies outside guest RAM.
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

}  // namespace vireo
