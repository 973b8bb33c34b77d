// The e820 memory map shared by the Linux zero page and fw_cfg `etc/e820`.
#pragma once
#include <cstdint>
#include <vector>

namespace vireo {

enum class E820Type : uint32_t { kRam = 1, kReserved = 2 };

struct E820Entry {
  uint64_t addr;
  uint64_t size;
  E820Type type;
};

// RAM below the PCI hole (minus the EBDA and BIOS area) and above 4 GiB.
std::vector<E820Entry> build_e820(uint64_t ram_below_4g, uint64_t ram_above_4g);

}  // namespace vireo
