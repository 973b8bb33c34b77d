#include "devices/storage/guest_sg.h"

#include "core/le_bytes.h"
#include "devices/storage/ahci_regs.h"

namespace vireo {

void GuestSgList::clear() {
  regions_.clear();
  total_ = moved_ = 0;
  index_ = offset_ = 0;
}

void GuestSgList::add(uint64_t gpa, uint32_t len) {
  if (!len) return;
  regions_.push_back({gpa, len});
  total_ += len;
}

template <typename Copy>
bool GuestSgList::walk(size_t len, Copy copy) {
  size_t done = 0;
  while (done < len) {
    if (index_ == regions_.size()) return false;
    const Region& r = regions_[index_];
    size_t n = r.len - offset_;
    if (n > len - done) n = len - done;
    if (!copy(r.gpa + offset_, done, n)) return false;
    done += n;
    moved_ += n;
    offset_ += static_cast<uint32_t>(n);
    if (offset_ == r.len) {
      ++index_;
      offset_ = 0;
    }
  }
  return true;
}

bool GuestSgList::to_guest(const GuestMemory& mem, const uint8_t* buf, size_t len) {
  return walk(len, [&](uint64_t gpa, size_t at, size_t n) { return mem.write(gpa, buf + at, n); });
}

bool GuestSgList::from_guest(const GuestMemory& mem, uint8_t* buf, size_t len) {
  return walk(len, [&](uint64_t gpa, size_t at, size_t n) { return mem.read(gpa, buf + at, n); });
}

bool load_ahci_prdt(const GuestMemory& mem, uint64_t table, unsigned entries, GuestSgList* out) {
  out->clear();
  if (entries == 0) return true;
  std::vector<uint8_t> raw(size_t{entries} * ahci::kPrdBytes);
  if (!mem.read(table, raw.data(), raw.size())) return false;
  for (unsigned i = 0; i < entries; ++i) {
    const uint8_t* e = raw.data() + size_t{i} * ahci::kPrdBytes;
    // DBA bit 0 is reserved (word alignment); DBC is the byte count minus one.
    uint64_t gpa = (uint64_t{le32(e + 4)} << 32 | le32(e)) & ~uint64_t{1};
    out->add(gpa, (le32(e + 12) & ahci::kPrdDbcMask) + 1);
  }
  return true;
}

}  // namespace vireo
