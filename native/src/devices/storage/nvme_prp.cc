#include "devices/storage/nvme_prp.h"

#include <vector>

#include "core/le_bytes.h"
#include "devices/storage/nvme_regs.h"

namespace vireo {

using namespace nvme;

uint16_t load_nvme_prps(const GuestMemory& mem, uint64_t prp1, uint64_t prp2, uint64_t bytes,
                        GuestSgList* out) {
  out->clear();
  if (bytes == 0) return kSuccess;
  if (prp1 & 3) return kInvalidPrpOffset;
  uint64_t first = kPage - (prp1 & (kPage - 1));
  if (first > bytes) first = bytes;
  out->add(prp1, static_cast<uint32_t>(first));
  uint64_t rest = bytes - first;
  if (rest == 0) return kSuccess;
  if (rest <= kPage) {
    if (prp2 & (kPage - 1)) return kInvalidPrpOffset;
    out->add(prp2, static_cast<uint32_t>(rest));
    return kSuccess;
  }
  // A PRP list. Each list page holds entries up to its end; when more pages are needed
  // than the page has room for, its last entry points at the next list page.
  if (prp2 & 7) return kInvalidPrpOffset;
  uint64_t pages = (rest + kPage - 1) / kPage;
  uint64_t list = prp2;
  std::vector<uint8_t> raw;
  while (pages) {
    uint64_t room = (kPage - (list & (kPage - 1))) / 8;
    bool chained = pages > room;
    uint64_t n = chained ? room : pages;
    if (chained && room < 2) return kInvalidPrpOffset;  // a page of pointers only: no progress
    raw.resize(n * 8);
    if (!mem.read(list, raw.data(), raw.size())) return kDataTransferError;
    uint64_t data_entries = chained ? n - 1 : n;
    for (uint64_t i = 0; i < data_entries; ++i) {
      uint64_t page = le64(raw.data() + i * 8);
      if (page & (kPage - 1)) return kInvalidPrpOffset;
      uint64_t len = rest < kPage ? rest : kPage;
      out->add(page, static_cast<uint32_t>(len));
      rest -= len;
    }
    pages -= data_entries;
    if (chained) {
      list = le64(raw.data() + (n - 1) * 8);
      if (list & 7) return kInvalidPrpOffset;
    }
  }
  return kSuccess;
}

}  // namespace vireo
