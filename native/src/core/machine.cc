#include "machine.h"

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "boot_linux.h"
#include "cpuid.h"
#include "e820.h"
#include "firmware_config.h"
#include "layout.h"
#include "mptable.h"

namespace vireo {

namespace {

constexpr uint64_t kMaxImage = 512ull << 20;


// LAPIC LVT0 = ExtINT and LVT1 = NMI (as the BIOS leaves them), so the 8259 PIC's output
// reaches the BSP (KVM kvm_apic_accept_pic_intr) before a guest programs its LAPIC.
void setup_lapic_lints(int vcpu_fd) {
  kvm_lapic_state lapic;
  if (ioctl(vcpu_fd, KVM_GET_LAPIC, &lapic) < 0) return;
  auto reg = [&](unsigned off) { return reinterpret_cast<uint32_t*>(lapic.regs + off); };
  *reg(0x350) = (*reg(0x350) & ~0x1c7ffu) | 0x700;  // LVT LINT0: ExtINT, unmasked
  *reg(0x360) = (*reg(0x360) & ~0x1c7ffu) | 0x400;  // LVT LINT1: NMI, unmasked
  ioctl(vcpu_fd, KVM_SET_LAPIC, &lapic);
}

// 32-bit flat segment for the Linux 32-bit boot protocol (boot.rst "32-bit BOOT PROTOCOL").
kvm_segment flat_segment(uint16_t selector, uint8_t type) {
  kvm_segment s{};
  s.base = 0;
  s.limit = 0xffffffff;
  s.selector = selector;
  s.type = type;
  s.present = 1;
  s.dpl = 0;
  s.db = 1;
  s.s = 1;
  s.g = 1;
  return s;
}

}  // namespace

namespace {
BoardLayout board_layout(const MachineConfig& c) {
  uint64_t below = std::min(c.memory_bytes, layout::kPciHoleStart);
  return {below, c.memory_bytes - below, c.cpus};
}
}  // namespace

Machine::Machine(const MachineConfig& config)
    : config_(config), board_(*this, vm_, board_layout(config), *this) {
  board_.events.clipboard = [this](std::string text) {
    if (sink_) sink_({MachineEvent::Type::kGuestClipboard, StopReason::kNone, 0, now_ns(), std::move(text)});
  };
  board_.events.mouse_mode = [this](bool enabled, bool absolute) {
    if (sink_) sink_({MachineEvent::Type::kMouseMode, StopReason::kNone, (enabled ? 1u : 0u) | (absolute ? 2u : 0u), now_ns(), ""});
  };
}

Machine::~Machine() {
  stop();
  teardown_kvm();
  board_.stop();
}

namespace {
template <typename Ioctl>
Status register_slot(Ioctl&& do_ioctl, uint32_t slot, uint64_t gpa, uint64_t size, uint8_t* host, uint32_t flags) {
  kvm_userspace_memory_region r{};
  r.slot = slot;
  r.flags = flags;
  r.guest_phys_addr = gpa;
  r.memory_size = size;
  r.userspace_addr = reinterpret_cast<uint64_t>(host);
  if (do_ioctl(KVM_SET_USER_MEMORY_REGION, &r) < 0)
    return Status::Error(ErrorCode::kHostLimit, "KVM_SET_USER_MEMORY_REGION failed: " + std::string(strerror(errno)), errno);
  return Status::Ok();
}
}  // namespace

Status Machine::set_slot(uint32_t slot, uint64_t gpa, uint64_t size, uint8_t* host, uint32_t flags) {
  return register_slot([this](unsigned long req, void* arg) { return vm_.ioctl(req, arg); }, slot, gpa, size, host, flags);
}

// The new VM is built on a private fd and published (vm_.replace) only when complete, under
// slots_lock_ so a BAR move cannot fall between registering the slots and publishing.
Status Machine::build_kvm() {
  int fd = ioctl(kvm_.fd(), KVM_CREATE_VM, 0);
  if (fd < 0) return Status::Error(ErrorCode::kKvmCapability, "KVM_CREATE_VM failed: " + std::string(strerror(errno)), errno);
  Fd vm(fd);
  auto vm_ioctl = [&vm](unsigned long req, void* arg) { return ioctl(vm.get(), req, arg); };
  uint64_t identity = layout::kIdentityMap;
  if (ioctl(vm.get(), KVM_SET_TSS_ADDR, layout::kTss) < 0 ||
      ioctl(vm.get(), KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0)
    return Status::Error(ErrorCode::kKvmCapability, "KVM_SET_TSS_ADDR failed", errno);
  if (ioctl(vm.get(), KVM_CREATE_IRQCHIP) < 0)
    return Status::Error(ErrorCode::kKvmCapability, "KVM_CREATE_IRQCHIP failed", errno);
  // KVM_PIT_SPEAKER_DUMMY makes KVM serve port 0x61 (PIT channel 2 gate and OUT2 in bit
  // 5): SeaBIOS and Linux calibrate the TSC by polling it (arch/x86/kvm/i8254.c).
  kvm_pit_config pit{};
  pit.flags = KVM_PIT_SPEAKER_DUMMY;
  if (ioctl(vm.get(), KVM_CREATE_PIT2, &pit) < 0)
    return Status::Error(ErrorCode::kKvmCapability, "KVM_CREATE_PIT2 failed", errno);
  int sfd = ioctl(vm.get(), KVM_GET_STATS_FD, nullptr);
  Fd stats(sfd >= 0 ? sfd : -1);

  for (const MemoryRegion& r : memory_.regions()) {
    Status s = register_slot(vm_ioctl, r.slot, r.gpa, r.size, r.host, r.read_only ? KVM_MEM_READONLY : 0);
    if (!s.ok()) return s;
  }

  std::vector<kvm_cpuid_entry2> supported;
  Status s = kvm_.supported_cpuid(&supported);
  if (!s.ok()) return s;
  retired_counters_.resize(config_.cpus * static_cast<size_t>(ExitReason::kCount), 0);
  for (unsigned i = 0; i < config_.cpus; ++i) {
    int vfd = ioctl(vm.get(), KVM_CREATE_VCPU, i);
    if (vfd < 0) return Status::Error(ErrorCode::kHostLimit, "KVM_CREATE_VCPU failed", errno);
    Fd vcpu_fd(vfd);
    void* run = mmap(nullptr, kvm_.vcpu_mmap_size(), PROT_READ | PROT_WRITE, MAP_SHARED, vfd, 0);
    if (run == MAP_FAILED) return Status::Error(ErrorCode::kHostLimit, "mmap of kvm_run failed", errno);
    CpuidOptions o;
    o.vcpu_index = i;
    o.cpus = config_.cpus;
    o.nested_virtualization = config_.nested_virtualization;
    int khz = ioctl(vfd, KVM_GET_TSC_KHZ, 0);
    o.tsc_khz = khz > 0 ? static_cast<uint32_t>(khz) : 0;
    // GETHZ answers what CPUID 0x40000010 says (Linux vmware.c reads it for tsc_khz).
    board_.backdoor.host().set_tsc_khz(o.tsc_khz);
    board_.backdoor.host().set_bus_khz(o.apic_bus_khz);
    std::vector<kvm_cpuid_entry2> entries = build_cpuid(supported, o);
    std::vector<uint8_t> buf = pack_cpuid(entries);
    if (ioctl(vfd, kKvmSetCpuid2, buf.data()) < 0) {
      munmap(run, kvm_.vcpu_mmap_size());
      return Status::Error(ErrorCode::kKvmCapability, "KVM_SET_CPUID2 failed", errno);
    }
    setup_lapic_lints(vfd);
    Vcpu::Env env{&memory_, &pio_, &mmio_, this};
    std::lock_guard<std::mutex> guard(vcpus_lock_);
    vcpus_.push_back(std::make_unique<Vcpu>(i, std::move(vcpu_fd), static_cast<kvm_run*>(run),
                                            kvm_.vcpu_mmap_size(), env));
  }
  std::lock_guard<std::mutex> guard(slots_lock_);
  for (size_t i = 0; i < device_slots_.size(); ++i) {
    const DeviceSlot& d = device_slots_[i];
    if (!d.used || !d.gpa) continue;
    Status s = register_slot(vm_ioctl, kFirstDeviceSlot + i, d.gpa, d.size, d.host, d.flags);
    if (!s.ok()) return s;
  }
  vm_.replace(std::move(vm), std::move(stats));
  return Status::Ok();
}

void Machine::teardown_kvm() {
  std::lock_guard<std::mutex> guard(vcpus_lock_);
  for (size_t i = 0; i < vcpus_.size(); ++i) {
    vcpus_[i]->stop();
    for (unsigned r = 0; r < static_cast<unsigned>(ExitReason::kCount); ++r)
      retired_counters_[i * static_cast<size_t>(ExitReason::kCount) + r] += vcpus_[i]->stats().get(static_cast<ExitReason>(r));
  }
  vcpus_.clear();
  std::lock_guard<std::mutex> slots(slots_lock_);
  vm_.replace(Fd(), Fd());
}

void Machine::close_host_calls(bool for_good) {
  std::lock_guard<std::mutex> guard(host_calls_lock_);
  if (for_good) host_calls_final_ = true;
  board_.rpc_relay.close();
  for (auto& d : disks_) d->close();
}

void Machine::reopen_host_calls() {
  std::lock_guard<std::mutex> guard(host_calls_lock_);
  if (host_calls_final_) return;  // a stop came in during the reset: stay closed
  board_.rpc_relay.reopen();
  for (auto& d : disks_) d->reopen();
}

Status Machine::load_payload() {
  std::vector<E820Entry> e820 = build_e820(ram_below_4g_, ram_above_4g_);
  if (!firmware_.empty()) {
    // Pristine flash at the top of 4 GiB (read-only slot) and the whole image preloaded
    // into writable RAM below 1 MiB (docs/seabios-fwcfg.md (c) option A); a reset
    // restores the low copy so SeaBIOS takes the cold-boot path again.
    uint64_t flash = layout::k4GiB - firmware_.size();
    std::memcpy(memory_.host_ptr(flash, firmware_.size()), firmware_.data(), firmware_.size());
    size_t low = std::min<size_t>(firmware_.size(), layout::kHighMemory - layout::kBiosArea);
    memory_.write(layout::kHighMemory - low, firmware_.data() + firmware_.size() - low, low);
    return Status::Ok();  // vCPUs start at the reset vector F000:FFF0 (KVM's initial state)
  }
  Status s = write_mptable(memory_, layout::kEbda, config_.cpus);
  if (!s.ok()) return s;
  uint16_t ebda_segment = static_cast<uint16_t>(layout::kEbda >> 4);
  memory_.write(0x40e, &ebda_segment, 2);  // BDA: EBDA segment (MP spec §4: search starts there)
  LinuxBootImage image{kernel_, initrd_, config_.cmdline};
  LinuxEntry entry;
  // A console from the first line: screen_info points at the SVGA VRAM (BAR1).
  BootFramebuffer fb;
  fb.base = board_.display.svga().bar_address(SvgaDevice::kVramBar);
  fb.width = 1024;
  fb.height = 768;
  fb.pitch = 1024 * 4;
  fb.size = static_cast<uint32_t>(board_.display.svga().vram_size());
  if (fb.base && announces_linux_version(kernel_) && board_.display.display().set_boot_framebuffer(fb.width, fb.height))
    s = load_linux(memory_, image, e820, ram_below_4g_, &fb, &entry);
  else
    s = load_linux(memory_, image, e820, ram_below_4g_, nullptr, &entry);
  if (!s.ok()) return s;
  // Boot GDT: null, null, __BOOT_CS (0x10), __BOOT_DS (0x18).
  const uint64_t gdt[4] = {0, 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull};
  memory_.write(layout::kGdt, gdt, sizeof(gdt));

  int fd = vcpus_[0]->fd();
  kvm_sregs sregs;
  if (ioctl(fd, KVM_GET_SREGS, &sregs) < 0) return Status::Error(ErrorCode::kInternal, "KVM_GET_SREGS failed", errno);
  sregs.cs = flat_segment(0x10, 0xb);
  sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = flat_segment(0x18, 0x3);
  sregs.gdt.base = layout::kGdt;
  sregs.gdt.limit = sizeof(gdt) - 1;
  sregs.cr0 = 0x11;  // PE | ET, paging off
  sregs.cr4 = 0;
  sregs.efer = 0;
  if (ioctl(fd, KVM_SET_SREGS, &sregs) < 0) return Status::Error(ErrorCode::kInternal, "KVM_SET_SREGS failed", errno);
  kvm_regs regs{};
  regs.rip = entry.entry;
  regs.rsi = entry.boot_params;
  regs.rsp = layout::kBootParams;  // not required by boot.rst, but a usable stack below the zero page
  regs.rflags = 0x2;
  if (ioctl(fd, KVM_SET_REGS, &regs) < 0) return Status::Error(ErrorCode::kInternal, "KVM_SET_REGS failed", errno);
  return Status::Ok();
}

uint64_t Machine::now_ns() const {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0_).count());
}

Status Machine::start() {
  std::lock_guard<std::mutex> guard(lock_);
  if (started_) return Status::Error(ErrorCode::kInvalidArgument, "the VM is already started");
  started_ = true;
  t0_ = std::chrono::steady_clock::now();
  board_.start();
  start_vcpus();
  supervisor_ = std::thread([this] { supervise(); });
  return Status::Ok();
}

void Machine::start_vcpus() {
  std::lock_guard<std::mutex> guard(vcpus_lock_);
  for (auto& v : vcpus_) v->start(false);
}

void Machine::supervise() {
  pthread_setname_np(pthread_self(), "supervisor");
  for (;;) {
    std::unique_lock<std::mutex> guard(lock_);
    cv_.wait(guard, [this] { return stop_reason_ != StopReason::kNone || reset_pending_; });
    if (stop_reason_ != StopReason::kNone) {
      StopReason reason = stop_reason_;
      uint32_t code = stop_code_;
      guard.unlock();
      close_host_calls(true);  // a vCPU waiting on the host must not hold up its join
      std::string detail;
      {
        std::lock_guard<std::mutex> vguard(vcpus_lock_);
        for (auto& v : vcpus_) {
          v->stop();
          if (detail.empty()) detail = v->error_detail();
          if (getenv("VIREO_DUMP")) detail += v->dump_registers();
        }
      }
      guard.lock();
      stopped_ = true;
      guard.unlock();
      if (sink_) sink_({MachineEvent::Type::kStopped, reason, code, now_ns(), detail});
      return;
    }
    reset_pending_ = false;
    guard.unlock();
    // Requests in flight fail (the guest that issued them is gone); the host's late
    // answers are ignored. Served again once the new VM is built.
    close_host_calls(false);
    board_.pause_io();  // the NIC I/O thread holds still (no DMA) while its device is reset
    teardown_kvm();
    board_.backdoor.rpc().fail_all();  // the guest's tools re-open their channels
    board_.reset();
    Status s = build_kvm();
    if (s.ok()) s = load_payload();
    board_.resume_io();
    if (!s.ok()) {
      request_stop(StopReason::kError, 0);
      if (sink_) sink_({MachineEvent::Type::kReset, StopReason::kError, 0, now_ns(), s.message});
      continue;
    }
    reopen_host_calls();
    if (sink_) sink_({MachineEvent::Type::kReset, StopReason::kNone, 0, now_ns(), ""});
    start_vcpus();
  }
}

void Machine::halt_guest() {
  // No vCPU may run guest code past a reset or power-off request (the guest must not see
  // the instruction after its `out`). try_lock: when the supervisor already holds the
  // lock it is tearing the vCPUs down, which stops them anyway.
  std::unique_lock<std::mutex> guard(vcpus_lock_, std::try_to_lock);
  if (!guard) return;
  for (auto& v : vcpus_) v->set_paused(true);
}

void Machine::request_reset() {
  if (config_.no_reboot) {
    request_stop(StopReason::kReset, 0);
    return;
  }
  halt_guest();
  std::lock_guard<std::mutex> guard(lock_);
  reset_pending_ = true;
  cv_.notify_all();
}

void Machine::request_stop(StopReason reason, uint32_t code) {
  {
    std::lock_guard<std::mutex> guard(lock_);
    if (stop_reason_ != StopReason::kNone) return;  // the first reason wins
    stop_reason_ = reason;
    stop_code_ = code;
    cv_.notify_all();
  }
  halt_guest();
}

void Machine::milestone(uint32_t value) {
  if (sink_) sink_({MachineEvent::Type::kMilestone, StopReason::kNone, value, now_ns(), ""});
}

// Returns once no vCPU runs guest code. A vCPU that is serving an exit (a disk request
// the host answers on the thread that called pause(), a tools message) is not waited
// for: it parks before it would enter the guest again, so the guest makes no progress
// either way and the caller's thread is never blocked on its own work.
void Machine::pause() {
  std::lock_guard<std::mutex> guard(vcpus_lock_);
  for (auto& v : vcpus_) v->set_paused(true);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kPauseWaitMs);
  for (auto& v : vcpus_) v->wait_out_of_guest(deadline);
}

void Machine::resume() {
  std::lock_guard<std::mutex> guard(vcpus_lock_);
  for (auto& v : vcpus_) v->set_paused(false);
}

void Machine::stop() {
  {
    std::lock_guard<std::mutex> guard(lock_);
    if (!started_) return;
  }
  close_host_calls(true);
  request_stop(StopReason::kHost, 0);
  if (supervisor_.joinable()) supervisor_.join();
  board_.stop();
}

void Machine::reset() { request_reset(); }

bool Machine::running() const {
  std::lock_guard<std::mutex> guard(lock_);
  return started_ && !stopped_;
}

}  // namespace vireo
