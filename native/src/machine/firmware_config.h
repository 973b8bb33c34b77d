// What the firmware reads through fw_cfg (docs/seabios-fwcfg.md (a), (b), (e)): CPU
// count, memory map, the serial console, and — for `--firmware seabios --kernel K` — the
// kernel, initrd and command line in QEMU's -kernel layout plus our linuxboot option ROM.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "devices/legacy/fw_cfg.h"
#include "machine/e820.h"

namespace vireo {

struct FirmwareConfig {
  unsigned cpus = 1;
  uint64_t ram_below_4g = 0;
  std::vector<E820Entry> e820;
  bool serial_console = true;         // etc/sercon-port = 0x3F8
  const std::vector<uint8_t>* kernel = nullptr;  // bzImage, or null
  const std::vector<uint8_t>* initrd = nullptr;
  std::string cmdline;
  std::vector<uint8_t> linuxboot_rom;  // native/firmware/build/linuxboot.bin
};

Status configure_fw_cfg(FwCfg& fw, const FirmwareConfig& config);

}  // namespace vireo
