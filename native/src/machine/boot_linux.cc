#include "machine/boot_linux.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

#include "core/layout.h"

namespace vireo {

namespace {

// Offsets in struct boot_params / setup_header (boot.rst "THE REAL-MODE KERNEL HEADER").
constexpr size_t kSetupSects = 0x1f1;
constexpr size_t kBootFlag = 0x1fe;     // 0xAA55
constexpr size_t kJump = 0x200;         // the header's length is 0x202 + byte at 0x201
constexpr size_t kHeaderMagic = 0x202;  // "HdrS"
constexpr size_t kVersion = 0x206;
constexpr size_t kTypeOfLoader = 0x210;
constexpr size_t kLoadFlags = 0x211;
constexpr size_t kCode32Start = 0x214;
constexpr size_t kRamdiskImage = 0x218;
constexpr size_t kRamdiskSize = 0x21c;
constexpr size_t kHeapEndPtr = 0x224;
constexpr size_t kCmdLinePtr = 0x228;
constexpr size_t kInitrdAddrMax = 0x22c;
constexpr size_t kCmdlineSize = 0x238;
constexpr size_t kInitSize = 0x260;
constexpr size_t kE820Entries = 0x1e8;
constexpr size_t kE820Table = 0x2d0;
constexpr size_t kE820Max = 128;
constexpr uint8_t kLoadedHigh = 0x01;
constexpr uint8_t kCanUseHeap = 0x80;

// screen_info at offset 0 of boot_params (include/uapi/linux/screen_info.h).
constexpr size_t kOrigVideoIsVga = 0x0f;  // VIDEO_TYPE_VLFB = 0x23
constexpr size_t kLfbWidth = 0x12, kLfbHeight = 0x14, kLfbDepth = 0x16, kLfbBase = 0x18,
                 kLfbSize = 0x1c, kLfbLineLength = 0x24, kRedSize = 0x26, kRedPos = 0x27,
                 kGreenSize = 0x28, kGreenPos = 0x29, kBlueSize = 0x2a, kBluePos = 0x2b,
                 kRsvdSize = 0x2c, kRsvdPos = 0x2d, kExtLfbBase = 0x3a, kCapabilities = 0x36;

template <typename T>
T get(const std::vector<uint8_t>& v, size_t off) {
  T x;
  std::memcpy(&x, v.data() + off, sizeof(T));
  return x;
}

template <typename T>
void put(uint8_t* p, size_t off, T x) {
  std::memcpy(p + off, &x, sizeof(T));
}

}  // namespace

Status read_file(const std::string& path, const char* what, uint64_t max_size, std::vector<uint8_t>* out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return Status::Error(ErrorCode::kIo,
                         std::string("cannot read ") + what + " " + path + ": " + strerror(err) +
                             (err == ENOENT ? " (check the path)" : err == EACCES ? " (check its permissions)" : ""),
                         err);
  }
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Status::Error(ErrorCode::kIo, std::string(what) + " " + path + " is not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > max_size) {
    close(fd);
    return Status::Error(ErrorCode::kImageFormat, std::string(what) + " " + path + " is too large (" +
                                                      std::to_string(st.st_size >> 20) + " MiB)");
  }
  out->resize(st.st_size);
  size_t done = 0;
  while (done < out->size()) {
    ssize_t n = read(fd, out->data() + done, out->size() - done);
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      close(fd);
      return Status::Error(ErrorCode::kIo, std::string("cannot read ") + what + " " + path + ": " + strerror(err), err);
    }
    done += n;
  }
  close(fd);
  return Status::Ok();
}

Status check_bzimage(const std::vector<uint8_t>& k, const std::string& path) {
  auto bad = [&](const std::string& why) {
    return Status::Error(ErrorCode::kImageFormat,
                         "kernel " + path + " is not a bzImage (" + why + "): pass a Linux bzImage such as /boot/vmlinuz-*");
  };
  if (k.size() < 0x400) return bad("file too small");
  if (get<uint32_t>(k, kHeaderMagic) != 0x53726448) return bad("no \"HdrS\" signature at 0x202");
  if (get<uint16_t>(k, kBootFlag) != 0xaa55) return bad("no 0xAA55 boot flag at 0x1FE");
  if (get<uint16_t>(k, kVersion) < 0x0206) return bad("boot protocol older than 2.06");
  if (!(k[kLoadFlags] & kLoadedHigh)) return bad("zImage loaded low is not supported");
  unsigned setup_sects = k[kSetupSects] ? k[kSetupSects] : 4;
  if ((setup_sects + 1) * 512ull >= k.size()) return bad("setup larger than the file");
  return Status::Ok();
}

bool announces_linux_version(const std::vector<uint8_t>& k) {
  uint16_t ptr = get<uint16_t>(k, 0x20e);
  size_t at = static_cast<size_t>(ptr) + 0x200;
  return ptr != 0 && at < k.size() && k[at] >= '0' && k[at] <= '9';
}

Status load_linux(GuestMemory& mem, const LinuxBootImage& image, const std::vector<E820Entry>& e820,
                  uint64_t ram_below_4g, const BootFramebuffer* fb, LinuxEntry* entry) {
  const std::vector<uint8_t>& k = image.kernel;
  unsigned setup_sects = k[kSetupSects] ? k[kSetupSects] : 4;
  size_t setup_size = (setup_sects + 1) * 512ull;
  size_t pm_size = k.size() - setup_size;
  if (layout::kHighMemory + pm_size > ram_below_4g)
    return Status::Error(ErrorCode::kHostLimit, "the kernel does not fit in guest memory: add memory (--memory)");
  if (!mem.write(layout::kHighMemory, k.data() + setup_size, pm_size))
    return Status::Error(ErrorCode::kInternal, "cannot place the kernel at 1 MiB");

  // Zero page: zeroed, then the setup header copied at its own offsets.
  uint8_t* zp = mem.host_ptr(layout::kBootParams, 4096);
  if (!zp) return Status::Error(ErrorCode::kInternal, "zero page outside guest memory");
  std::memset(zp, 0, 4096);
  size_t header_end = 0x202 + k[kJump + 1];
  if (header_end > 0x280 || header_end > k.size()) header_end = 0x280;
  std::memcpy(zp + kSetupSects, k.data() + kSetupSects, header_end - kSetupSects);
  zp[kTypeOfLoader] = 0xff;  // undefined boot loader
  zp[kLoadFlags] = static_cast<uint8_t>(k[kLoadFlags] | kCanUseHeap);
  put<uint16_t>(zp, kHeapEndPtr, 0xfe00 - 0x200);

  uint32_t cmdline_max = get<uint32_t>(k, kCmdlineSize);
  if (cmdline_max == 0 || cmdline_max > layout::kCmdlineMax - 1) cmdline_max = layout::kCmdlineMax - 1;
  if (image.cmdline.size() > cmdline_max)
    return Status::Error(ErrorCode::kInvalidArgument,
                         "kernel command line is longer than the kernel accepts (" + std::to_string(cmdline_max) + " bytes)");
  if (!mem.write(layout::kCmdline, image.cmdline.c_str(), image.cmdline.size() + 1))
    return Status::Error(ErrorCode::kInternal, "cannot place the command line");
  put<uint32_t>(zp, kCmdLinePtr, static_cast<uint32_t>(layout::kCmdline));

  if (!image.initrd.empty()) {
    uint64_t max = get<uint32_t>(k, kInitrdAddrMax);
    if (max == 0) max = 0x37ffffff;
    uint64_t top = std::min<uint64_t>(max + 1, ram_below_4g);
    // The kernel decompresses within [1 MiB, 1 MiB + init_size) (header 0x260, 2.10+).
    uint64_t init_size = get<uint16_t>(k, kVersion) >= 0x020a ? get<uint32_t>(k, kInitSize) : pm_size * 4;
    uint64_t kernel_end = layout::kHighMemory + std::max<uint64_t>(init_size, pm_size);
    if (image.initrd.size() > top || ((top - image.initrd.size()) & ~0xfffull) < kernel_end)
      return Status::Error(ErrorCode::kHostLimit, "the initrd does not fit below the kernel's limit: add memory (--memory)");
    uint64_t addr = (top - image.initrd.size()) & ~0xfffull;
    if (!mem.write(addr, image.initrd.data(), image.initrd.size()))
      return Status::Error(ErrorCode::kInternal, "cannot place the initrd");
    put<uint32_t>(zp, kRamdiskImage, static_cast<uint32_t>(addr));
    put<uint32_t>(zp, kRamdiskSize, static_cast<uint32_t>(image.initrd.size()));
  }

  size_t n = std::min(e820.size(), kE820Max);
  for (size_t i = 0; i < n; ++i) {
    uint8_t* e = zp + kE820Table + i * 20;
    put<uint64_t>(e, 0, e820[i].addr);
    put<uint64_t>(e, 8, e820[i].size);
    put<uint32_t>(e, 16, static_cast<uint32_t>(e820[i].type));
  }
  zp[kE820Entries] = static_cast<uint8_t>(n);

  if (fb && fb->base) {
    zp[kOrigVideoIsVga] = 0x23;  // VIDEO_TYPE_VLFB
    put<uint16_t>(zp, kLfbWidth, fb->width);
    put<uint16_t>(zp, kLfbHeight, fb->height);
    put<uint16_t>(zp, kLfbDepth, 32);
    put<uint32_t>(zp, kLfbBase, static_cast<uint32_t>(fb->base));
    put<uint32_t>(zp, kExtLfbBase, static_cast<uint32_t>(fb->base >> 32));
    put<uint32_t>(zp, kCapabilities, fb->base >> 32 ? 2 : 0);  // VIDEO_CAPABILITY_64BIT_BASE
    put<uint32_t>(zp, kLfbSize, fb->size >> 16);                 // in 64 KiB units
    put<uint16_t>(zp, kLfbLineLength, fb->pitch);
    // x8r8g8b8: blue at bit 0.
    zp[kRedSize] = 8, zp[kRedPos] = 16, zp[kGreenSize] = 8, zp[kGreenPos] = 8;
    zp[kBlueSize] = 8, zp[kBluePos] = 0, zp[kRsvdSize] = 8, zp[kRsvdPos] = 24;
  }

  entry->entry = get<uint32_t>(k, kCode32Start);
  if (entry->entry == 0) entry->entry = static_cast<uint32_t>(layout::kHighMemory);
  entry->boot_params = static_cast<uint32_t>(layout::kBootParams);
  return Status::Ok();
}

}  // namespace vireo
