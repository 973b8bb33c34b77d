// Status: the error value every core and device function returns. Exceptions never
// cross a thread; the addon turns a Status into a JS VmmError with the same code.
#pragma once
#include <string>

namespace vireo {

// Mirrors VmmErrorCode in electron/common/errors.ts (same names, same order).
enum class ErrorCode : int {
  kOk = 0,
  kNoKvm,          // /dev/kvm missing
  kKvmPermission,  // /dev/kvm not accessible (kvm group)
  kKvmCapability,  // a required KVM_CAP_* is missing
  kHostLimit,      // more memory or vCPUs than the host allows
  kInvalidArgument,
  kImageFormat,    // malformed kernel/initrd/firmware
  kIo,             // reading a file failed
  kInternal,
};

struct Status {
  ErrorCode code = ErrorCode::kOk;
  int sys_errno = 0;
  std::string message;

  bool ok() const { return code == ErrorCode::kOk; }
  static Status Ok() { return {}; }
  static Status Error(ErrorCode c, std::string msg, int err = 0) {
    return Status{c, err, std::move(msg)};
  }
};

}  // namespace vireo
