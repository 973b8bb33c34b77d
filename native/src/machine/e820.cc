#include "machine/e820.h"

#include "core/layout.h"

namespace vireo {

std::vector<E820Entry> build_e820(uint64_t ram_below_4g, uint64_t ram_above_4g) {
  using namespace layout;
  std::vector<E820Entry> map;
  map.push_back({0, kEbda, E820Type::kRam});
  map.push_back({kEbda, kEbdaEnd - kEbda, E820Type::kReserved});
  map.push_back({0xf0000, 0x10000, E820Type::kReserved});  // BIOS area / MP table
  if (ram_below_4g > kHighMemory)
    map.push_back({kHighMemory, ram_below_4g - kHighMemory, E820Type::kRam});
  // Firmware flash at the top of 4 GiB (SeaBIOS reads it; Linux must not use it).
  map.push_back({0xfffc0000, 0x40000, E820Type::kReserved});
  if (ram_above_4g) map.push_back({k4GiB, ram_above_4g, E820Type::kRam});
  return map;
}

}  // namespace vireo
