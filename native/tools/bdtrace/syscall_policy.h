// What a traced process may do to the host. The tools run as host processes (often as
// root), so the tracer keeps them from changing what a guest's tools would change in
// their own VM: the clock, the power state, which programs run.
//
// Child side, before the traced program is executed (both survive execve and fork):
//   - the bounding set loses CAP_SYS_TIME, CAP_SYS_BOOT and CAP_SYS_MODULE, so even a
//     syscall that got through could not set the clock, reboot or load modules;
//   - a seccomp filter (Documentation/userspace-api/seccomp_filter.rst): execve,
//     execveat, settimeofday, clock_settime, adjtimex and clock_adjtime stop in the tracer
//     (SECCOMP_RET_TRACE; without a tracer they fail with ENOSYS); reboot fails with
//     EPERM; socket(AF_VSOCK) fails with EAFNOSUPPORT (a Vireo VM has no vsock device,
//     so open-vm-tools fall back to the backdoor at once, docs/vmware-backdoor.md §5.1);
//     32-bit and x32 system calls fail with ENOSYS (they would bypass the filter's numbers).
// Tracer side, at each seccomp stop: an exec is allowed only for the program itself and
// the paths the caller allowed (anything else fails with EACCES); clock changes are
// skipped (they return 0) and reported; adjtimex/clock_adjtime that only read (modes 0)
// run. Every decision is reported to the host as an event.
#pragma once
#include <sys/types.h>
#include <sys/user.h>

#include <string>
#include <vector>

#include "host_link.h"
#include "tracee_memory.h"

namespace bdtrace {

// Child side; returns false (errno set) if the filter could not be installed.
bool restrict_child();

class SyscallPolicy {
 public:
  // `allowed` holds exact paths, or directory prefixes ending in '/'.
  SyscallPolicy(std::vector<std::string> allowed, HostLink& link) : allowed_(std::move(allowed)), link_(link) {}

  // One PTRACE_EVENT_SECCOMP stop of `tid` (system call number in orig_rax). `program`
  // is true while the traced program itself has not been executed yet. Returns true when
  // `regs` were changed to skip the call (the caller writes them back).
  bool on_seccomp(pid_t tid, user_regs_struct& regs, bool program);

 private:
  bool exec_allowed(const std::string& path) const;
  void on_exec(pid_t tid, user_regs_struct& regs, bool at, bool program, bool* skip);

  std::vector<std::string> allowed_;
  HostLink& link_;
};

}  // namespace bdtrace
