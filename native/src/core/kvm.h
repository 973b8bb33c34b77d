// Thin RAII wrappers over the KVM API (Documentation/virt/kvm/api.rst): the system fd,
// one VM fd and its vCPU fds. Only core/ includes this; devices never see a KVM fd.
#pragma once
#include <linux/kvm.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace vireo {

// struct kvm_cpuid2 ends in __DECLARE_FLEX_ARRAY, which g++ lays out with an extra empty
// member (sizeof 12, entries at offset 12 instead of 8): that changes both the ioctl
// numbers and the layout. Use this C layout instead.
struct KvmCpuidHeader {
  uint32_t nent;
  uint32_t padding;
};
static_assert(sizeof(KvmCpuidHeader) == 8, "kvm_cpuid2 header is 8 bytes in C");
constexpr unsigned long kKvmGetSupportedCpuid = _IOWR(KVMIO, 0x05, KvmCpuidHeader);
constexpr unsigned long kKvmSetCpuid2 = _IOW(KVMIO, 0x90, KvmCpuidHeader);

// Serializes CPUID entries as the kernel's struct kvm_cpuid2.
std::vector<uint8_t> pack_cpuid(const std::vector<kvm_cpuid_entry2>& entries);

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd();
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_ = -1;
};

class KvmSystem {
 public:
  // Opens /dev/kvm and checks the API version and every capability Vireo needs; the
  // Status names the missing piece and the remedy.
  static Status open(KvmSystem* out, const char* path = "/dev/kvm");
  int fd() const { return fd_.get(); }
  int check_extension(long cap) const;
  int vcpu_mmap_size() const { return mmap_size_; }
  int max_vcpus() const;
  // KVM_GET_SUPPORTED_CPUID entries.
  Status supported_cpuid(std::vector<kvm_cpuid_entry2>* out) const;

 private:
  Fd fd_;
  int mmap_size_ = 0;
};

// KVM's binary statistics (KVM_GET_STATS_FD): names and cumulative values.
struct KvmStat {
  std::string name;
  uint64_t value;
};
Status read_kvm_stats(int stats_fd, std::vector<KvmStat>* out);

}  // namespace vireo
