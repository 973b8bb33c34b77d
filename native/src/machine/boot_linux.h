// The Linux/x86 boot protocol (Documentation/arch/x86/boot.rst) for direct kernel boot:
// a bzImage's protected-mode part at 1 MiB, the zero page (struct boot_params) with the
// setup header, command line, initrd and e820 map, entered at code32_start in 32-bit
// flat protected mode with ESI pointing at the zero page.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/guest_memory.h"
#include "core/status.h"
#include "machine/e820.h"

namespace vireo {

struct LinuxBootImage {
  std::vector<uint8_t> kernel;  // the whole bzImage file
  std::vector<uint8_t> initrd;  // may be empty
  std::string cmdline;
};

// A framebuffer the kernel should use from its first line (screen_info, VIDEO_TYPE_VLFB).
struct BootFramebuffer {
  uint64_t base = 0;
  uint32_t size = 0;
  uint16_t width = 0, height = 0, pitch = 0;
};

struct LinuxEntry {
  uint32_t entry;        // code32_start
  uint32_t boot_params;  // ESI
};

// Checks the bzImage header (one clear message when it is not one).
Status check_bzimage(const std::vector<uint8_t>& kernel, const std::string& path);

// True when the header's kernel_version (0x20E, relative to 0x200) names a Linux release
// ("6.1.0-..."): such kernels get the boot framebuffer; other Linux-protocol payloads
// (project test guests drawing VGA text) keep the VGA screen.
bool announces_linux_version(const std::vector<uint8_t>& kernel);

// Writes kernel, initrd, command line and zero page into guest memory.
Status load_linux(GuestMemory& mem, const LinuxBootImage& image, const std::vector<E820Entry>& e820,
                  uint64_t ram_below_4g, const BootFramebuffer* fb, LinuxEntry* entry);

// Reads a whole file, naming it in the error (used for kernel, initrd, firmware).
Status read_file(const std::string& path, const char* what, uint64_t max_size, std::vector<uint8_t>* out);

}  // namespace vireo
