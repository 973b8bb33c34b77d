// Machine statistics: cumulative exit counters per vCPU and reason (kept across the vCPU
// replacement a guest reset does) and KVM's binary statistics, VM-wide plus summed vCPUs.
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "machine/machine.h"

namespace vireo {

void Machine::read_exit_counters(uint64_t* out, size_t count) const {
  const size_t n = static_cast<size_t>(ExitReason::kCount);
  std::lock_guard<std::mutex> guard(vcpus_lock_);
  for (size_t i = 0; i < config_.cpus && (i + 1) * n <= count; ++i) {
    for (size_t r = 0; r < n; ++r) {
      uint64_t live = i < vcpus_.size() ? vcpus_[i]->stats().get(static_cast<ExitReason>(r)) : 0;
      out[i * n + r] = retired_counters_[i * n + r] + live;
    }
  }
}

std::vector<KvmStat> Machine::kvm_stats() const {
  std::vector<KvmStat> all;
  vm_.with_stats([&](int fd) { read_kvm_stats(fd, &all); });
  std::vector<KvmStat> per;
  std::lock_guard<std::mutex> guard(vcpus_lock_);
  for (const auto& v : vcpus_) {
    if (v->stats_fd() < 0 || !read_kvm_stats(v->stats_fd(), &per).ok()) continue;
    for (const KvmStat& st : per) {
      auto it = std::find_if(all.begin(), all.end(), [&](const KvmStat& a) { return a.name == st.name; });
      if (it == all.end())
        all.push_back(st);
      else
        it->value += st.value;
    }
  }
  return all;
}

}  // namespace vireo
