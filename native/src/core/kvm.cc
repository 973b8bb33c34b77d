#include "core/kvm.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <memory>

namespace vireo {

Fd::~Fd() {
  if (fd_ >= 0) close(fd_);
}

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

Status KvmSystem::open(KvmSystem* out, const char* path) {
  int fd = ::open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT)
      return Status::Error(ErrorCode::kNoKvm,
                           std::string(path) + " does not exist: enable VT-x/AMD-V in the firmware "
                           "and load the kvm_intel or kvm_amd module (modprobe kvm_intel)", err);
    if (err == EACCES || err == EPERM)
      return Status::Error(ErrorCode::kKvmPermission,
                           std::string("permission denied opening ") + path +
                           ": add yourself to the kvm group (sudo usermod -aG kvm $USER) and log in again",
                           err);
    return Status::Error(ErrorCode::kNoKvm, std::string("cannot open ") + path + ": " + strerror(err), err);
  }
  out->fd_ = Fd(fd);
  int version = ioctl(fd, KVM_GET_API_VERSION, 0);
  if (version != KVM_API_VERSION)
    return Status::Error(ErrorCode::kKvmCapability,
                         "KVM API version " + std::to_string(version) + " is not 12: update the host kernel");
  struct Need {
    long cap;
    const char* name;
  };
  static const Need kNeeded[] = {
      {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},           {KVM_CAP_PIT2, "KVM_CAP_PIT2"},
      {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},   {KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR"},
      {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},       {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
      {KVM_CAP_SYNC_REGS, "KVM_CAP_SYNC_REGS"},       {KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING"},
  };
  for (const Need& n : kNeeded) {
    if (out->check_extension(n.cap) <= 0)
      return Status::Error(ErrorCode::kKvmCapability,
                           std::string("this host's KVM lacks ") + n.name + ": update the host kernel");
  }
  out->mmap_size_ = ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0);
  if (out->mmap_size_ <= 0)
    return Status::Error(ErrorCode::kKvmCapability, "KVM_GET_VCPU_MMAP_SIZE failed", errno);
  return Status::Ok();
}

int KvmSystem::check_extension(long cap) const { return ioctl(fd_.get(), KVM_CHECK_EXTENSION, cap); }

int KvmSystem::max_vcpus() const {
  int n = check_extension(KVM_CAP_MAX_VCPUS);
  if (n <= 0) n = check_extension(KVM_CAP_NR_VCPUS);
  return n > 0 ? n : 4;
}

Status KvmSystem::supported_cpuid(std::vector<kvm_cpuid_entry2>* out) const {
  // KVM_MAX_CPUID_ENTRIES is 256 in current kernels; E2BIG means "more room".
  for (unsigned n = 64; n <= 256; n *= 2) {
    std::vector<uint8_t> buf(sizeof(KvmCpuidHeader) + n * sizeof(kvm_cpuid_entry2), 0);
    auto* header = reinterpret_cast<KvmCpuidHeader*>(buf.data());
    header->nent = n;
    if (ioctl(fd_.get(), kKvmGetSupportedCpuid, buf.data()) == 0) {
      out->resize(std::min(header->nent, n));
      std::memcpy(out->data(), buf.data() + sizeof(KvmCpuidHeader), out->size() * sizeof(kvm_cpuid_entry2));
      return Status::Ok();
    }
    if (errno != E2BIG) break;
  }
  return Status::Error(ErrorCode::kKvmCapability, "KVM_GET_SUPPORTED_CPUID failed", errno);
}

std::vector<uint8_t> pack_cpuid(const std::vector<kvm_cpuid_entry2>& entries) {
  std::vector<uint8_t> buf(sizeof(KvmCpuidHeader) + entries.size() * sizeof(kvm_cpuid_entry2), 0);
  KvmCpuidHeader header{static_cast<uint32_t>(entries.size()), 0};
  std::memcpy(buf.data(), &header, sizeof(header));
  std::memcpy(buf.data() + sizeof(header), entries.data(), entries.size() * sizeof(kvm_cpuid_entry2));
  return buf;
}

Status read_kvm_stats(int stats_fd, std::vector<KvmStat>* out) {
  kvm_stats_header header;
  if (pread(stats_fd, &header, sizeof(header), 0) != sizeof(header))
    return Status::Error(ErrorCode::kInternal, "cannot read KVM stats header", errno);
  if (header.num_desc > 4096 || header.name_size > 256)
    return Status::Error(ErrorCode::kInternal, "implausible KVM stats header");
  // struct kvm_stats_desc is 16 bytes in C; g++ mis-sizes its flexible name[] member (the
  // same __DECLARE_FLEX_ARRAY issue as kvm_cpuid2), so the layout is spelled out here.
  constexpr size_t kDescHeader = 16;
  size_t desc_size = kDescHeader + header.name_size;
  std::vector<uint8_t> descs(desc_size * header.num_desc);
  if (pread(stats_fd, descs.data(), descs.size(), header.desc_offset) != static_cast<ssize_t>(descs.size()))
    return Status::Error(ErrorCode::kInternal, "cannot read KVM stats descriptors", errno);
  out->clear();
  for (uint32_t i = 0; i < header.num_desc; ++i) {
    const auto* d = reinterpret_cast<const kvm_stats_desc*>(descs.data() + i * desc_size);
    // Cumulative or instant scalar counters only; histograms (size > 1) are skipped.
    if (d->size != 1) continue;
    uint64_t value = 0;
    if (pread(stats_fd, &value, sizeof(value), header.data_offset + d->offset) != sizeof(value)) continue;
    const char* raw = reinterpret_cast<const char*>(d) + kDescHeader;
    std::string name(raw, strnlen(raw, header.name_size));
    out->push_back({std::move(name), value});
  }
  return Status::Ok();
}

}  // namespace vireo
