#include "machine/firmware_config.h"

#include <algorithm>
#include <cstring>

#include "core/le_bytes.h"

namespace vireo {

namespace {

// Fixed fw_cfg keys (QEMU include/hw/nvram/fw_cfg_keys.h).
enum : uint16_t {
  kRamSize = 0x03,
  kNbCpus = 0x05,
  kKernelAddr = 0x07,
  kKernelSize = 0x08,
  kInitrdAddr = 0x0a,
  kInitrdSize = 0x0b,
  kMaxCpus = 0x0f,
  kKernelData = 0x11,
  kInitrdData = 0x12,
  kCmdlineAddr = 0x13,
  kCmdlineSize = 0x14,
  kCmdlineData = 0x15,
  kSetupAddr = 0x16,
  kSetupSize = 0x17,
  kSetupData = 0x18,
};

// QEMU's -kernel layout for protocol >= 2.02 with LOADED_HIGH (docs/seabios-fwcfg.md (e)).
constexpr uint32_t kSetupLoad = 0x10000;
constexpr uint32_t kCmdlineLoad = 0x20000;
constexpr uint32_t kKernelLoad = 0x100000;
constexpr uint64_t kFirmwareTables = 0x28000;

std::vector<uint8_t> le(uint64_t v, size_t n) {
  std::vector<uint8_t> out(n);
  le_store(out.data(), v, static_cast<unsigned>(n));
  return out;
}

template <typename T>
void put(std::vector<uint8_t>& v, size_t off, T x) {
  std::memcpy(v.data() + off, &x, sizeof(T));
}

template <typename T>
T get(const std::vector<uint8_t>& v, size_t off) {
  T x;
  std::memcpy(&x, v.data() + off, sizeof(T));
  return x;
}

// The kernel was checked by check_bzimage() (HdrS, protocol >= 2.06, LOADED_HIGH, setup
// inside the file), so the header fields read here exist and 0x22C is valid.
Status add_kernel(FwCfg& fw, const FirmwareConfig& c) {
  const std::vector<uint8_t>& k = *c.kernel;
  unsigned setup_sects = k[0x1f1] ? k[0x1f1] : 4;
  size_t setup_size = (setup_sects + 1) * 512ull;
  std::vector<uint8_t> setup(k.begin(), k.begin() + setup_size);
  // Patch the setup header as a boot loader does (boot.rst): type_of_loader, heap, command line.
  setup[0x210] = 0xb0;  // QEMU's loader id
  setup[0x211] |= 0x80;  // CAN_USE_HEAP
  put<uint16_t>(setup, 0x224, static_cast<uint16_t>(kCmdlineLoad - kSetupLoad - 0x200));
  put<uint32_t>(setup, 0x228, kCmdlineLoad);
  if (c.initrd && !c.initrd->empty()) {
    uint64_t max = get<uint32_t>(k, 0x22c);
    if (max == 0) max = 0x37ffffff;
    // Stay clear of the tables SeaBIOS keeps at the top of RAM (QEMU leaves 0x28000 too).
    uint64_t top = std::min<uint64_t>(max, c.ram_below_4g - kFirmwareTables - 1);
    if (c.initrd->size() >= top - kKernelLoad)
      return Status::Error(ErrorCode::kHostLimit, "the initrd does not fit in guest memory: add memory (--memory)");
    uint32_t addr = static_cast<uint32_t>((top - c.initrd->size()) & ~0xfffull);
    put<uint32_t>(setup, 0x218, addr);
    put<uint32_t>(setup, 0x21c, static_cast<uint32_t>(c.initrd->size()));
    fw.add_u32(kInitrdAddr, addr);
    fw.add_u32(kInitrdSize, static_cast<uint32_t>(c.initrd->size()));
    fw.add_item(kInitrdData, *c.initrd);
  }
  std::vector<uint8_t> cmdline(c.cmdline.begin(), c.cmdline.end());
  cmdline.push_back(0);
  fw.add_u32(kSetupAddr, kSetupLoad);
  fw.add_u32(kSetupSize, static_cast<uint32_t>(setup.size()));
  fw.add_item(kSetupData, std::move(setup));
  fw.add_u32(kKernelAddr, kKernelLoad);
  fw.add_u32(kKernelSize, static_cast<uint32_t>(k.size() - setup_size));
  fw.add_item(kKernelData, std::vector<uint8_t>(k.begin() + setup_size, k.end()));
  fw.add_u32(kCmdlineAddr, kCmdlineLoad);
  fw.add_u32(kCmdlineSize, static_cast<uint32_t>(cmdline.size()));
  fw.add_item(kCmdlineData, std::move(cmdline));
  // Our BEV option ROM fetches the above at INT 19h; bootorder puts it first.
  fw.add_file("genroms/linuxboot.bin", c.linuxboot_rom);
  const std::string order = "/rom@genroms/linuxboot.bin\n";
  return fw.add_file("bootorder", std::vector<uint8_t>(order.begin(), order.end()));
}

}  // namespace

Status configure_fw_cfg(FwCfg& fw, const FirmwareConfig& c) {
  Status s = fw.add_u16(kNbCpus, static_cast<uint16_t>(c.cpus));
  if (s.ok()) s = fw.add_u16(kMaxCpus, static_cast<uint16_t>(c.cpus));
  if (s.ok()) s = fw.add_u64(kRamSize, c.ram_below_4g);
  if (!s.ok()) return s;
  std::vector<uint8_t> e820;
  for (const E820Entry& e : c.e820) {
    for (uint8_t b : le(e.addr, 8)) e820.push_back(b);
    for (uint8_t b : le(e.size, 8)) e820.push_back(b);
    for (uint8_t b : le(static_cast<uint32_t>(e.type), 4)) e820.push_back(b);
  }
  s = fw.add_file("etc/e820", std::move(e820));
  if (s.ok() && c.serial_console) s = fw.add_file("etc/sercon-port", le(0x3f8, 2));
  // Without a bootable device, halt instead of rebooting every 60 s (QEMU sends -1 too).
  if (s.ok()) s = fw.add_file("etc/boot-fail-wait", le(0xffffffffu, 4));
  if (s.ok() && c.kernel) s = add_kernel(fw, c);
  return s;
}

}  // namespace vireo
