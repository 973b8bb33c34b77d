// The firmware's ACPI "linker/loader" script (fw_cfg file `etc/table-loader`): how QEMU
// hands SeaBIOS and OVMF tables that still need their final addresses. Each command is
// 128 bytes: ALLOCATE a fw_cfg file in a memory zone, ADD_POINTER (add the address where
// file B landed to a pointer field inside file A), ADD_CHECKSUM (make a byte range sum to
// zero). Layout from SeaBIOS src/fw/romfile_loader.h and QEMU hw/acpi/bios-linker-loader.c;
// notes in docs/acpi.md.
//
// The same script also places the tables for a direct kernel boot (no firmware): execute()
// does what the firmware would, at addresses the VMM chose.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "../../core/status.h"

namespace vireo {

class TableLoader {
 public:
  enum class Zone : uint8_t { kHigh = 1, kFseg = 2 };  // FSEG: 0xE0000-0xFFFFF (the RSDP)
  static constexpr size_t kCommandSize = 128;
  static constexpr size_t kFileNameMax = 56;  // fw_cfg file names (FW_CFG_MAX_FILE_PATH)

  void allocate(const std::string& file, uint32_t align, Zone zone);
  // At dest+offset, a little-endian `size`-byte offset into src becomes an address.
  void add_pointer(const std::string& dest, uint32_t offset, uint8_t size, const std::string& src);
  // The byte at file+offset is set so that file[start, start+length) sums to zero.
  void add_checksum(const std::string& file, uint32_t offset, uint32_t start, uint32_t length);

  // The script as the firmware reads it.
  std::vector<uint8_t> script() const;

  // What the firmware does: `files` maps each allocated name to its contents (patched in
  // place) and `base` to where it is put. Fails on a file, offset or size the script
  // names that does not exist or does not fit.
  Status execute(std::map<std::string, std::vector<uint8_t>>& files, const std::map<std::string, uint64_t>& base) const;

 private:
  struct Command {
    uint32_t kind;
    std::string file, src;
    uint32_t a = 0, b = 0, c = 0;  // align | offset,start | length
    uint8_t zone_or_size = 0;
  };
  std::vector<Command> commands_;
};

}  // namespace vireo
