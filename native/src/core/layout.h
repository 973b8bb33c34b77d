// Guest-physical layout of a Vireo PC (no ACPI; MP table and e820 describe it).
#pragma once
#include <cstdint>

namespace vireo::layout {

constexpr uint64_t kGdt = 0x500;             // boot GDT for the 32-bit Linux entry
constexpr uint64_t kResetCounter = 0x600;    // free low memory (test guests use it)
constexpr uint64_t kBootParams = 0x7000;     // Linux zero page (struct boot_params)
constexpr uint64_t kCmdline = 0x20000;       // kernel command line
constexpr uint64_t kCmdlineMax = 0x10000;
constexpr uint64_t kEbda = 0x9fc00;          // extended BIOS data area: MP table lives here
constexpr uint64_t kEbdaEnd = 0xa0000;
constexpr uint64_t kVgaWindow = 0xa0000;
constexpr uint64_t kBiosArea = 0xc0000;      // option ROMs and the BIOS image copy
constexpr uint64_t kHighMemory = 0x100000;   // protected-mode kernel load address
constexpr uint64_t kPciHoleStart = 0xc0000000;  // RAM above this moves above 4 GiB
constexpr uint64_t kIoApic = 0xfec00000;
constexpr uint64_t kLapic = 0xfee00000;
constexpr uint64_t kTss = 0xfeffd000;        // KVM_SET_TSS_ADDR (3 pages)
constexpr uint64_t kIdentityMap = 0xfeffc000;  // KVM_SET_IDENTITY_MAP_ADDR (1 page)
constexpr uint64_t k4GiB = 0x100000000ull;

}  // namespace vireo::layout
