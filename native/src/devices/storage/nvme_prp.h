// NVMe physical region pages (NVM Express 1.4c section 4.3): the data pointer of a
// command as PRP entry 1 (dword-aligned, may start inside a page), PRP entry 2 (the
// second page when the transfer spans exactly two), or PRP entry 2 pointing at a PRP
// list (qword-aligned entries, the last entry of a full list page chaining to the next).
// Every list page is copied out of guest memory once; entries after the first must be
// page-aligned. Returns an NVMe status (nvme::kSuccess or kInvalidPrpOffset /
// kDataTransferError) and the regions in `out`.
#pragma once
#include <cstdint>

#include "core/guest_memory.h"
#include "devices/storage/guest_sg.h"

namespace vireo {

uint16_t load_nvme_prps(const GuestMemory& mem, uint64_t prp1, uint64_t prp2, uint64_t bytes,
                        GuestSgList* out);

}  // namespace vireo
