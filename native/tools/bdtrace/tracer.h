// Tracer: runs one program under ptrace as if it were a process inside a Vireo VM whose
// KVM had kvm.enable_vmware_backdoor=1. Every thread and child is traced
// (PTRACE_O_TRACECLONE/FORK/VFORK). A backdoor `in`/`out`/`ins`/`outs` faults outside a
// VM (SIGSEGV, si_code SI_KERNEL: the #GP of a denied port, measured on this host); the
// tracer decodes it, runs it on the real PioBus (port_io.h), writes the registers back
// and lets the thread go on past it, without the signal. Other signals are delivered.
//
// After every exec the tracer asks for CPUID faulting in the new image: it turns the
// first system call into arch_prctl(ARCH_SET_CPUID, 0) and then re-runs the original
// call (rewinding RIP over the 2-byte `syscall`). Where the CPU offers faulting, CPUID
// traps too and gets Vireo's answer (cpuid_emul.h); where it does not, the result
// (-ENODEV) is reported and the program sees the host's CPUID.
#pragma once
#include <sys/types.h>
#include <sys/user.h>

#include <atomic>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/bus.h"
#include "devices/vmware/backdoor.h"
#include "host_link.h"
#include "syscall_policy.h"

namespace bdtrace {

class Tracer {
 public:
  Tracer(std::vector<std::string> argv, SyscallPolicy& policy, vireo::PioBus& bus,
         vireo::Backdoor& backdoor, HostLink& link);

  // Runs the program to its end. Returns its exit status as a shell reports it (the
  // code, or 128 + the signal), or -1 if it could not be started (message on stderr).
  int run();
  // Any thread or signal handler: ends the program (SIGTERM first; the run loop sends
  // SIGKILL to whatever is left once the program itself has exited).
  void terminate(int sig);

 private:
  enum class Phase {
    kRunning,
    kExecReturn,  // after PTRACE_EVENT_EXEC: waiting for execve's syscall-exit stop
    kFirstCall,   // waiting for the new image's first syscall-entry stop
    kInjected,    // arch_prctl(ARCH_SET_CPUID, 0) runs in place of that call
  };
  struct Thread {
    unsigned slot = 0;  // vCPU index the device sees (HB streams are per index)
    Phase phase = Phase::kRunning;
    user_regs_struct saved{};
    bool cpuid_faulting = false;
  };

  pid_t spawn();
  Thread& thread(pid_t tid);
  void forget(pid_t tid);
  void on_stop(pid_t tid, int status);
  void on_syscall_stop(pid_t tid, Thread& t);
  // SIGSEGV at a backdoor instruction: true when it was served (no signal to deliver).
  bool serve_fault(pid_t tid, Thread& t);
  void resume(pid_t tid, int sig, bool syscall_stops = false);
  void event(const std::string& json) { link_.send_event(json); }

  std::vector<std::string> argv_;
  SyscallPolicy& policy_;
  vireo::PioBus& bus_;
  vireo::Backdoor& backdoor_;
  HostLink& link_;
  std::unordered_map<pid_t, Thread> threads_;
  std::vector<bool> slots_;
  std::atomic<pid_t> root_{0};
  bool program_started_ = false;  // the program itself has been executed
  int root_status_ = -1;
};

}  // namespace bdtrace
