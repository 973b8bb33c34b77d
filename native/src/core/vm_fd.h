// VmFd: the KVM VM file descriptor as every thread sees it. vCPU and device threads raise
// IRQ lines on it, the display thread reads the dirty log, PCI BAR writes move slots, and
// a guest reset closes it and creates a new VM. Without a lock, a thread could issue its
// ioctl on a closed fd number, or on one the process already reused for another file.
// ioctl() holds the shared side of a reader/writer lock; replace() the exclusive side.
#pragma once
#include <sys/ioctl.h>

#include <cerrno>
#include <mutex>
#include <shared_mutex>

#include "core/kvm.h"

namespace vireo {

class VmFd {
 public:
  // The ioctl on the current VM; -1 with errno EBADF while there is none (mid-reset).
  template <typename Arg>
  int ioctl(unsigned long request, Arg arg) const {
    std::shared_lock<std::shared_mutex> guard(mu_);
    if (!vm_.valid()) {
      errno = EBADF;
      return -1;
    }
    return ::ioctl(vm_.get(), request, arg);
  }
  // The same on the VM's binary stats fd (KVM_GET_STATS_FD); f(fd) runs under the lock.
  template <typename F>
  void with_stats(F&& f) const {
    std::shared_lock<std::shared_mutex> guard(mu_);
    if (stats_.valid()) f(stats_.get());
  }
  bool valid() const {
    std::shared_lock<std::shared_mutex> guard(mu_);
    return vm_.valid();
  }
  // Installs a new VM (or none), closing the old fds once no ioctl is using them.
  void replace(Fd vm, Fd stats) {
    std::unique_lock<std::shared_mutex> guard(mu_);
    vm_ = std::move(vm);
    stats_ = std::move(stats);
  }

 private:
  mutable std::shared_mutex mu_;
  Fd vm_, stats_;
};

}  // namespace vireo
