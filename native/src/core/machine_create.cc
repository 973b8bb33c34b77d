// Machine::create: the configuration checked against the host (vCPUs, memory, images),
// each problem one message with the remedy; then memory, board, KVM and payload, in order.
#include <fstream>

#include "boot_linux.h"
#include "firmware_config.h"
#include "layout.h"
#include "machine.h"

namespace vireo {

namespace {

constexpr uint64_t kMaxImage = 512ull << 20;

uint64_t host_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  while (in >> key >> kib) {
    if (key == "MemTotal:") return kib << 10;
    in.ignore(256, '\n');
  }
  return 0;
}

}  // namespace

Status Machine::create(const MachineConfig& config, std::unique_ptr<Machine>* out) {
  if (config.cpus < 1 || config.cpus > kMaxCpus)
    return Status::Error(ErrorCode::kInvalidArgument,
                         "--cpus " + std::to_string(config.cpus) + " is out of range: use 1 to " + std::to_string(kMaxCpus));
  if (config.memory_bytes < (16ull << 20) || (config.memory_bytes & 0xfffff))
    return Status::Error(ErrorCode::kInvalidArgument, "--memory must be at least 16M and a whole number of MiB");
  if (config.kernel.empty() && config.firmware.empty())
    return Status::Error(ErrorCode::kInvalidArgument, "nothing to boot: pass --kernel or --firmware");
  uint64_t host = host_memory_bytes();
  if (host && config.memory_bytes > host)
    return Status::Error(ErrorCode::kHostLimit, "--memory " + std::to_string(config.memory_bytes >> 20) +
                                                    "M is more than this host has (" + std::to_string(host >> 20) +
                                                    " MiB): use a smaller --memory");
  std::unique_ptr<Machine> m(new Machine(config));
  Status s = KvmSystem::open(&m->kvm_, config.kvm_path.c_str());
  if (!s.ok()) return s;
  int max = m->kvm_.max_vcpus();
  if (static_cast<int>(config.cpus) > max)
    return Status::Error(ErrorCode::kHostLimit, "--cpus " + std::to_string(config.cpus) +
                                                    " is more than this host's KVM allows (" + std::to_string(max) + ")");
  s = m->load_images();
  if (!s.ok()) return s;

  m->ram_below_4g_ = std::min(config.memory_bytes, layout::kPciHoleStart);
  m->ram_above_4g_ = config.memory_bytes - m->ram_below_4g_;
  // The legacy VGA window 0xA0000-0xBFFFF is the display card's own slot: a hole in RAM.
  s = m->memory_.add_region(0, layout::kVgaWindow, false);
  if (s.ok()) s = m->memory_.add_region(layout::kBiosArea, m->ram_below_4g_ - layout::kBiosArea, false);
  if (s.ok() && m->ram_above_4g_) s = m->memory_.add_region(layout::k4GiB, m->ram_above_4g_, false);
  if (s.ok() && !m->firmware_.empty())
    s = m->memory_.add_region(layout::k4GiB - m->firmware_.size(), m->firmware_.size(), true);
  if (!s.ok()) return s;

  if (!m->firmware_.empty()) {
    FirmwareConfig fc;
    fc.cpus = config.cpus;
    fc.ram_below_4g = m->ram_below_4g_;
    // SeaBIOS adds its own reservations; QEMU's map is RAM plus the KVM TSS pages.
    fc.e820 = {{0, m->ram_below_4g_, E820Type::kRam}, {layout::kIdentityMap, 0x4000, E820Type::kReserved}};
    if (m->ram_above_4g_) fc.e820.push_back({layout::k4GiB, m->ram_above_4g_, E820Type::kRam});
    fc.serial_console = config.serial_console;
    if (!m->kernel_.empty()) {
      fc.kernel = &m->kernel_;
      fc.initrd = &m->initrd_;
      fc.cmdline = config.cmdline;
      s = read_file(config.linuxboot_rom, "linuxboot option ROM", 1 << 20, &fc.linuxboot_rom);
      if (!s.ok()) return s;
    }
    s = configure_fw_cfg(m->board_.fw_cfg, fc);
    if (!s.ok()) return s;
  }
  BoardOptions options;
  if (const char* dc = getenv("VIREO_DEBUGCON")) options.debugcon_path = dc;
  options.firmware = !m->firmware_.empty();
  options.svga.max_width = config.display_max_width;
  options.svga.max_height = config.display_max_height;
  for (size_t i = 0; i < config.disks.size(); ++i) {
    const DiskConfig& d = config.disks[i];
    m->disks_.push_back(std::make_unique<BlockRelay>(static_cast<unsigned>(i), d.size_bytes, d.read_only || d.cdrom));
    options.disks.push_back({m->disks_.back().get(), d.cdrom ? IdeDriveKind::kCdrom : IdeDriveKind::kDisk,
                             d.bus, d.unit});
  }
  for (const NicConfig& n : config.nics) {
    NicAttachment a;
    a.identity.mac = n.mac;
    a.model = n.vmxnet3 ? NicModel::kVmxnet3 : NicModel::kE1000;
    a.connected = n.connected;
    options.nics.push_back(a);
  }
  options.memory = &m->memory_;
  if (options.firmware && !config.vga_rom.empty()) {
    s = read_file(config.vga_rom, "VGA BIOS", 1 << 20, &options.svga.option_rom);
    if (!s.ok()) return s;
  }
  s = m->board_.init(options, m->pio_, m->mmio_);
  if (!s.ok()) return s;
  s = m->build_kvm();
  if (!s.ok()) return s;
  s = m->load_payload();
  if (!s.ok()) return s;
  *out = std::move(m);
  return Status::Ok();
}

Status Machine::load_images() {
  if (!config_.kernel.empty()) {
    Status s = read_file(config_.kernel, "kernel", kMaxImage, &kernel_);
    if (!s.ok()) return s;
    s = check_bzimage(kernel_, config_.kernel);
    if (!s.ok()) return s;
  }
  if (!config_.initrd.empty()) {
    Status s = read_file(config_.initrd, "initrd", kMaxImage, &initrd_);
    if (!s.ok()) return s;
  }
  if (!config_.firmware.empty()) {
    Status s = read_file(config_.firmware, "firmware", 16ull << 20, &firmware_);
    if (!s.ok()) return s;
    if (firmware_.size() < 0x10000 || (firmware_.size() & 0xffff))
      return Status::Error(ErrorCode::kImageFormat,
                           "firmware " + config_.firmware + " is not a BIOS image (size must be a multiple of 64 KiB): "
                           "use /usr/share/seabios/bios-256k.bin");
  }
  return Status::Ok();
}

}  // namespace vireo
