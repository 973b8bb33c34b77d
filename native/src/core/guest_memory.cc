#include "core/guest_memory.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>

namespace vireo {

GuestMemory::~GuestMemory() {
  for (const MemoryRegion& r : regions_) munmap(r.host, r.size);
}

Status GuestMemory::add_region(uint64_t gpa, uint64_t size, bool read_only, MemoryRegion** out) {
  if (size == 0 || (size & 0xfff) || (gpa & 0xfff) || gpa + size < gpa)
    return Status::Error(ErrorCode::kInvalidArgument, "memory region must be page aligned and non-empty");
  for (const MemoryRegion& r : regions_) {
    if (gpa < r.gpa + r.size && r.gpa < gpa + size)
      return Status::Error(ErrorCode::kInvalidArgument, "memory regions overlap");
  }
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return Status::Error(ErrorCode::kHostLimit,
                         "cannot reserve " + std::to_string(size >> 20) + " MiB of guest memory", errno);
  madvise(p, size, MADV_MERGEABLE);
  MemoryRegion region;
  region.gpa = gpa;
  region.size = size;
  region.host = static_cast<uint8_t*>(p);
  region.read_only = read_only;
  region.slot = static_cast<uint32_t>(regions_.size());
  regions_.push_back(region);
  if (out) *out = &regions_.back();
  return Status::Ok();
}

uint8_t* GuestMemory::host_ptr(uint64_t gpa, uint64_t len) const {
  for (const MemoryRegion& r : regions_) {
    // Overflow-safe containment: gpa in [r.gpa, r.gpa+size) and len fits in the rest.
    if (gpa >= r.gpa && gpa - r.gpa < r.size && len <= r.size - (gpa - r.gpa))
      return r.host + (gpa - r.gpa);
  }
  return nullptr;
}

uint8_t* GuestMemory::writable_ptr(uint64_t gpa, uint64_t len) const {
  for (const MemoryRegion& r : regions_) {
    if (gpa >= r.gpa && gpa - r.gpa < r.size && len <= r.size - (gpa - r.gpa))
      return r.read_only ? nullptr : r.host + (gpa - r.gpa);
  }
  return nullptr;
}

bool GuestMemory::read(uint64_t gpa, void* dst, size_t len) const {
  const uint8_t* p = host_ptr(gpa, len);
  if (!p) return false;
  std::memcpy(dst, p, len);
  return true;
}

bool GuestMemory::write(uint64_t gpa, const void* src, size_t len) const {
  uint8_t* p = writable_ptr(gpa, len);
  if (!p) return false;
  std::memcpy(p, src, len);
  return true;
}

uint64_t GuestMemory::ram_bytes() const {
  uint64_t total = 0;
  for (const MemoryRegion& r : regions_)
    if (!r.read_only) total += r.size;
  return total;
}

}  // namespace vireo
