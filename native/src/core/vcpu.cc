#include "core/vcpu.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "core/le_bytes.h"

namespace vireo {

namespace {

// A real-time signal: Node uses SIGUSR1 (inspector) and libuv may use others.
int kick_signal() { return SIGRTMIN + 3; }

void kick_handler(int) {}

// The kick signal must interrupt KVM_RUN (no SA_RESTART) and do nothing else.
void install_kick_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof(sa));
    sa.sa_handler = kick_handler;
    sigemptyset(&sa.sa_mask);
    sigaction(kick_signal(), &sa, nullptr);
  });
}

std::string to_hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%llx", (unsigned long long)v);
  return buf;
}

static_assert(sizeof(Regs) == sizeof(kvm_regs), "Regs mirrors struct kvm_regs");

}  // namespace

Vcpu::Vcpu(unsigned index, Fd fd, kvm_run* run, size_t run_size, Env env)
    : index_(index), fd_(std::move(fd)), run_(run), run_size_(run_size), env_(env) {
  install_kick_handler();
  // Registers come out with every exit through kvm_run->s.regs (KVM_CAP_SYNC_REGS).
  run_->kvm_valid_regs = KVM_SYNC_X86_REGS;
  int sfd = ioctl(fd_.get(), KVM_GET_STATS_FD, nullptr);
  if (sfd >= 0) stats_fd_ = Fd(sfd);
}

Vcpu::~Vcpu() {
  stop();
  munmap(run_, run_size_);
}

void Vcpu::start(bool paused) {
  pause_.store(paused);
  thread_ = std::thread([this] { thread_main(); });
}

void Vcpu::kick() {
  // SAFETY: run_ stays mapped for the lifetime of this object; immediate_exit is the one
  // field KVM documents as writable by other threads to abort the next KVM_RUN.
  __atomic_store_n(&run_->immediate_exit, 1, __ATOMIC_RELEASE);
  pthread_t t = native_;
  if (t) pthread_kill(t, kick_signal());
}

void Vcpu::set_paused(bool paused) {
  pause_.store(paused);
  if (paused) {
    kick();
  } else {
    std::lock_guard<std::mutex> guard(park_lock_);
    park_cv_.notify_all();
  }
}

bool Vcpu::wait_out_of_guest(std::chrono::steady_clock::time_point deadline) {
  while (in_guest_.load() && !parked_.load() && thread_.joinable()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    kick();
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return true;
}

void Vcpu::stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  {
    std::lock_guard<std::mutex> guard(park_lock_);
    park_cv_.notify_all();
  }
  if (std::this_thread::get_id() == thread_.get_id()) {
    thread_.detach();
    return;
  }
  // Kick until the thread leaves its loop; a guest spinning without exits still leaves
  // KVM_RUN on the signal.
  while (!stop_done_.load()) {
    kick();
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  thread_.join();
}

void Vcpu::thread_main() {
  native_ = pthread_self();
  char name[16];
  std::snprintf(name, sizeof(name), "vcpu%u", index_);
  pthread_setname_np(native_, name);
  // The kick signal must be deliverable on this thread whatever mask it inherited.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, kick_signal());
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);

  while (!stop_.load()) {
    in_guest_.store(true);
    if (pause_.load()) {
      in_guest_.store(false);
      std::unique_lock<std::mutex> guard(park_lock_);
      parked_.store(true);
      park_cv_.wait(guard, [this] { return !pause_.load() || stop_.load(); });
      parked_.store(false);
      continue;
    }
    int ret = ioctl(fd_.get(), KVM_RUN, 0);
    in_guest_.store(false);
    if (ret < 0) {
      int err = errno;
      __atomic_store_n(&run_->immediate_exit, 0, __ATOMIC_RELEASE);
      if (err == EINTR || err == EAGAIN) {
        stats_.count(ExitReason::kInterrupted);
        continue;
      }
      stats_.count(ExitReason::kInternalError);
      error_detail_ = std::string("KVM_RUN failed on vcpu") + std::to_string(index_) + ": " + strerror(err);
      env_.control->request_stop(StopReason::kError, static_cast<uint32_t>(err));
      break;
    }
    if (!handle_exit()) break;
  }
  parked_.store(true);
  stop_done_.store(true);
}

Regs& Vcpu::regs() {
  // SAFETY: kvm_regs and Regs have identical layout (static_assert above); s.regs is
  // valid after every exit because kvm_valid_regs includes KVM_SYNC_X86_REGS.
  return *reinterpret_cast<Regs*>(&run_->s.regs.regs);
}

void Vcpu::mark_regs_dirty() { run_->kvm_dirty_regs |= KVM_SYNC_X86_REGS; }

unsigned Vcpu::cpl() {
  kvm_sregs sregs;
  if (ioctl(fd_.get(), KVM_GET_SREGS, &sregs) < 0) return 3;
  if (!(sregs.cr0 & 1)) return 0;                   // real mode
  if (regs().rflags & (1u << 17)) return 3;         // virtual-8086 mode (EFLAGS.VM)
  return sregs.ss.dpl;                              // CPL = SS.DPL (AMD APM vol. 2 §4.9)
}

bool Vcpu::translate(uint64_t gva, bool write, uint64_t* gpa) {
  kvm_translation t;
  std::memset(&t, 0, sizeof(t));
  t.linear_address = gva;
  if (ioctl(fd_.get(), KVM_TRANSLATE, &t) < 0 || !t.valid) return false;
  if (write && !t.writeable) return false;
  *gpa = t.physical_address;
  return true;
}

bool Vcpu::handle_exit() {
  switch (run_->exit_reason) {
    case KVM_EXIT_IO:
      stats_.count(run_->io.direction == KVM_EXIT_IO_IN ? ExitReason::kIoIn : ExitReason::kIoOut);
      handle_io();
      return true;
    case KVM_EXIT_MMIO:
      stats_.count(run_->mmio.is_write ? ExitReason::kMmioWrite : ExitReason::kMmioRead);
      handle_mmio();
      return true;
    case KVM_EXIT_HLT:
      // Only reached without the in-kernel LAPIC; with it KVM halts in the kernel.
      stats_.count(ExitReason::kHlt);
      return true;
    case KVM_EXIT_IRQ_WINDOW_OPEN:
      stats_.count(ExitReason::kIrqWindow);
      return true;
    case KVM_EXIT_INTR:
      stats_.count(ExitReason::kInterrupted);
      return true;
    case KVM_EXIT_SHUTDOWN:
      stats_.count(ExitReason::kShutdown);
      error_detail_ = "triple fault on vcpu" + std::to_string(index_) + "\n" + dump_registers();
      env_.control->request_stop(StopReason::kTripleFault, 0);
      return false;
    case KVM_EXIT_SYSTEM_EVENT:
      stats_.count(ExitReason::kSystemEvent);
      if (run_->system_event.type == KVM_SYSTEM_EVENT_RESET) {
        env_.control->request_reset();
      } else {
        env_.control->request_stop(StopReason::kPoweroff, 0);
      }
      return false;
    case KVM_EXIT_FAIL_ENTRY:
      stats_.count(ExitReason::kFailEntry);
      error_detail_ = "VM entry failed on vcpu" + std::to_string(index_) + " (hardware reason 0x" +
                      to_hex(run_->fail_entry.hardware_entry_failure_reason) + ")\n" + dump_registers();
      env_.control->request_stop(StopReason::kError, 0);
      return false;
    case KVM_EXIT_INTERNAL_ERROR:
      stats_.count(ExitReason::kInternalError);
      error_detail_ = std::string(run_->internal.suberror == KVM_INTERNAL_ERROR_EMULATION
                                      ? "instruction emulation failed"
                                      : "KVM internal error " + std::to_string(run_->internal.suberror)) +
                      " on vcpu" + std::to_string(index_) + "\n" + dump_registers();
      env_.control->request_stop(StopReason::kError, 0);
      return false;
    default:
      stats_.count(ExitReason::kOther);
      error_detail_ = "unhandled KVM exit reason " + std::to_string(run_->exit_reason) + " on vcpu" +
                      std::to_string(index_) + "\n" + dump_registers();
      env_.control->request_stop(StopReason::kError, 0);
      return false;
  }
}

void Vcpu::handle_io() {
  auto& io = run_->io;
  // SAFETY: KVM guarantees data_offset + size * count lies inside the kvm_run mapping.
  uint8_t* data = reinterpret_cast<uint8_t*>(run_) + io.data_offset;
  unsigned size = io.size;
  for (uint32_t i = 0; i < io.count; ++i) {
    uint8_t* elem = data + i * size;
    if (io.direction == KVM_EXIT_IO_IN)
      env_.pio->read(io.port, elem, size, *this);
    else
      env_.pio->write(io.port, elem, size, *this);
  }
  // A device that wrote registers on an `in` must also see its result in RAX: KVM's
  // completion would otherwise be overridden by the register write (seen on the build hosts' KVM).
  if (io.direction == KVM_EXIT_IO_IN && (run_->kvm_dirty_regs & KVM_SYNC_X86_REGS) && io.count == 1) {
    uint64_t& rax = regs().rax;
    switch (size) {
      case 1: rax = (rax & ~0xffull) | data[0]; break;
      case 2: rax = (rax & ~0xffffull) | le16(data); break;
      default: rax = le32(data); break;  // a 32-bit destination zero-extends into RAX
    }
  }
}

void Vcpu::handle_mmio() {
  auto& m = run_->mmio;
  unsigned len = m.len;
  if (len == 0 || len > 8) return;
  if (m.is_write)
    env_.mmio->write(m.phys_addr, m.data, len, *this);
  else
    env_.mmio->read(m.phys_addr, m.data, len, *this);
}

std::string Vcpu::dump_registers() {
  kvm_regs r;
  kvm_sregs s;
  if (ioctl(fd_.get(), KVM_GET_REGS, &r) < 0 || ioctl(fd_.get(), KVM_GET_SREGS, &s) < 0)
    return "  (registers unavailable)";
  char buf[1024];
  std::snprintf(buf, sizeof(buf),
                "  rip %016llx rflags %08llx rsp %016llx\n"
                "  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
                "  rsi %016llx rdi %016llx rbp %016llx\n"
                "  cs %04x base %llx dpl %u  ss %04x  cr0 %llx cr3 %llx cr4 %llx efer %llx",
                (unsigned long long)r.rip, (unsigned long long)r.rflags, (unsigned long long)r.rsp,
                (unsigned long long)r.rax, (unsigned long long)r.rbx, (unsigned long long)r.rcx,
                (unsigned long long)r.rdx, (unsigned long long)r.rsi, (unsigned long long)r.rdi,
                (unsigned long long)r.rbp, s.cs.selector, (unsigned long long)s.cs.base, s.cs.dpl,
                s.ss.selector, (unsigned long long)s.cr0, (unsigned long long)s.cr3,
                (unsigned long long)s.cr4, (unsigned long long)s.efer);
  return buf;
}

}  // namespace vireo
