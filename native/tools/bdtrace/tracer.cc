#include "tracer.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cpuid_emul.h"
#include "insn_decode.h"
#include "port_io.h"
#include "tracee_memory.h"
#include "tracee_vcpu.h"

namespace bdtrace {

namespace {

constexpr uint64_t kUserCs64 = 0x33;   // __USER_CS: 64-bit user code (arch/x86/include/asm/segment.h)
constexpr int kSyscallStop = SIGTRAP | 0x80;  // PTRACE_O_TRACESYSGOOD
constexpr unsigned kSyscallInsnLength = 2;    // 0F 05

bool get_regs(pid_t tid, user_regs_struct* u) { return ptrace(PTRACE_GETREGS, tid, nullptr, u) == 0; }
void set_regs(pid_t tid, const user_regs_struct& u) { ptrace(PTRACE_SETREGS, tid, nullptr, &u); }

}  // namespace

Tracer::Tracer(std::vector<std::string> argv, SyscallPolicy& policy, vireo::PioBus& bus,
               vireo::Backdoor& backdoor, HostLink& link)
    : argv_(std::move(argv)), policy_(policy), bus_(bus), backdoor_(backdoor), link_(link) {}

pid_t Tracer::spawn() {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    raise(SIGSTOP);  // the tracer seizes us here
    if (!restrict_child()) {
      std::fprintf(stderr, "bdtrace: cannot install the system call filter: %s\n", strerror(errno));
      _exit(126);
    }
    std::vector<char*> args;
    for (std::string& a : argv_) args.push_back(&a[0]);
    args.push_back(nullptr);
    execvp(args[0], args.data());
    std::fprintf(stderr, "bdtrace: cannot run %s: %s\n", args[0], strerror(errno));
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status)) return -1;
  const long options = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
                       PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP |
                       PTRACE_O_EXITKILL;
  if (ptrace(PTRACE_SEIZE, pid, nullptr, reinterpret_cast<void*>(options)) != 0) {
    std::fprintf(stderr, "bdtrace: ptrace(PTRACE_SEIZE): %s\n", strerror(errno));
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
  }
  kill(pid, SIGCONT);
  return pid;
}

Tracer::Thread& Tracer::thread(pid_t tid) {
  auto it = threads_.find(tid);
  if (it != threads_.end()) return it->second;
  Thread t;
  while (t.slot < slots_.size() && slots_[t.slot]) ++t.slot;
  if (t.slot == slots_.size()) slots_.push_back(false);
  slots_[t.slot] = true;
  return threads_.emplace(tid, t).first->second;
}

void Tracer::forget(pid_t tid) {
  auto it = threads_.find(tid);
  if (it == threads_.end()) return;
  slots_[it->second.slot] = false;
  threads_.erase(it);
}

void Tracer::terminate(int sig) {
  const pid_t root = root_.load();
  if (root > 0) kill(root, sig);
}

void Tracer::resume(pid_t tid, int sig, bool syscall_stops) {
  ptrace(syscall_stops ? PTRACE_SYSCALL : PTRACE_CONT, tid, nullptr, reinterpret_cast<void*>(long(sig)));
}

int Tracer::run() {
  const pid_t root = spawn();
  if (root < 0) return -1;
  root_.store(root);
  thread(root);
  while (!threads_.empty()) {
    int status = 0;
    const pid_t tid = waitpid(-1, &status, __WALL);
    if (tid < 0) {
      if (errno == EINTR) continue;
      break;  // ECHILD: nothing left
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      if (tid == root) {
        root_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        root_.store(0);
        // The program is over: what it started goes with it (a VM would power off).
        for (const auto& entry : threads_)
          if (entry.first != tid) kill(entry.first, SIGKILL);
      }
      forget(tid);
      continue;
    }
    if (WIFSTOPPED(status)) on_stop(tid, status);
  }
  event("{\"kind\":\"exit\",\"status\":" + std::to_string(root_status_) + "}");
  return root_status_;
}

void Tracer::on_stop(pid_t tid, int status) {
  Thread& t = thread(tid);
  const int sig = WSTOPSIG(status);
  const int ev = status >> 16;
  const bool stops = t.phase != Phase::kRunning;
  if (sig == kSyscallStop) {
    on_syscall_stop(tid, t);
    return;
  }
  if (ev == PTRACE_EVENT_SECCOMP) {
    user_regs_struct u;
    if (get_regs(tid, &u)) {
      const bool program = !program_started_ && tid == root_.load();
      if (policy_.on_seccomp(tid, u, program)) set_regs(tid, u);
    }
    resume(tid, 0, stops);
    return;
  }
  if (ev == PTRACE_EVENT_EXEC) {
    unsigned long former = 0;
    // A non-leader thread that execs takes over the leader's id (ptrace(2) "execve(2)
    // under ptrace"): its old entry goes.
    if (ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &former) == 0 && pid_t(former) != tid) forget(pid_t(former));
    Thread& now = thread(tid);
    if (tid == root_.load()) program_started_ = true;
    now.cpuid_faulting = false;  // execve resets it
    now.phase = Phase::kExecReturn;
    resume(tid, 0, true);
    return;
  }
  if (ev == PTRACE_EVENT_CLONE || ev == PTRACE_EVENT_FORK || ev == PTRACE_EVENT_VFORK) {
    unsigned long child = 0;
    if (ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &child) == 0) {
      Thread& c = thread(pid_t(child));
      c.cpuid_faulting = t.cpuid_faulting;  // inherited by clone and fork
    }
    resume(tid, 0, stops);
    return;
  }
  if (ev != 0) {
    // PTRACE_EVENT_STOP (a new child's first stop, or a group-stop) and others: go on.
    resume(tid, 0, stops);
    return;
  }
  if (sig == SIGSEGV && serve_fault(tid, t)) {
    resume(tid, 0, stops);
    return;
  }
  resume(tid, sig, stops);
}

void Tracer::on_syscall_stop(pid_t tid, Thread& t) {
  __ptrace_syscall_info info{};  // glibc <sys/ptrace.h> (struct ptrace_syscall_info)
  if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, reinterpret_cast<void*>(sizeof info), &info) <= 0) {
    t.phase = Phase::kRunning;
    resume(tid, 0);
    return;
  }
  switch (t.phase) {
    case Phase::kExecReturn:
      if (info.op == PTRACE_SYSCALL_INFO_EXIT) t.phase = Phase::kFirstCall;
      resume(tid, 0, true);
      return;
    case Phase::kFirstCall: {
      user_regs_struct u;
      if (info.op != PTRACE_SYSCALL_INFO_ENTRY || !get_regs(tid, &u)) {
        resume(tid, 0, true);
        return;
      }
      if (u.cs != kUserCs64) {  // not 64-bit code: left alone
        t.phase = Phase::kRunning;
        resume(tid, 0);
        return;
      }
      t.saved = u;
      u.orig_rax = SYS_arch_prctl;
      u.rdi = kArchSetCpuid;
      u.rsi = 0;  // 0 = CPUID faults (SIGSEGV)
      set_regs(tid, u);
      t.phase = Phase::kInjected;
      resume(tid, 0, true);
      return;
    }
    case Phase::kInjected: {
      user_regs_struct u;
      if (info.op != PTRACE_SYSCALL_INFO_EXIT || !get_regs(tid, &u)) {
        resume(tid, 0, true);
        return;
      }
      const long result = long(u.rax);
      t.cpuid_faulting = result == 0;
      // Re-run the call the image made: RIP back onto its `syscall`, RAX = its number.
      user_regs_struct r = t.saved;
      r.rip -= kSyscallInsnLength;
      r.rax = t.saved.orig_rax;
      set_regs(tid, r);
      t.phase = Phase::kRunning;
      event("{\"kind\":\"cpuid-faulting\",\"pid\":" + std::to_string(tid) + ",\"result\":" + std::to_string(result) + "}");
      resume(tid, 0);
      return;
    }
    case Phase::kRunning:
      resume(tid, 0);
      return;
  }
}

bool Tracer::serve_fault(pid_t tid, Thread& t) {
  siginfo_t si;
  if (ptrace(PTRACE_GETSIGINFO, tid, nullptr, &si) != 0 || si.si_code != SI_KERNEL) return false;
  user_regs_struct u;
  if (!get_regs(tid, &u) || u.cs != kUserCs64) return false;
  TraceeMemory mem(tid);
  uint8_t bytes[15];
  const size_t n = mem.read(u.rip, bytes, sizeof bytes);
  const Insn insn = decode(bytes, n);
  if (insn.kind == InsnKind::kNone) return false;
  if (insn.kind == InsnKind::kCpuid) {
    if (!t.cpuid_faulting) return false;
    const uint32_t leaf = uint32_t(u.rax), subleaf = uint32_t(u.rcx);
    const CpuidResult r = vireo_cpuid(leaf, host_cpuid(leaf, subleaf), uint32_t(backdoor_.host().tsc_khz()));
    u.rax = r.eax;
    u.rbx = r.ebx;
    u.rcx = r.ecx;
    u.rdx = r.edx;
    u.rip += insn.length;
    set_regs(tid, u);
    return true;
  }
  TraceeVcpu vcpu(t.slot, u);
  const uint64_t seg_base = insn.seg == SegOverride::kFs ? u.fs_base : insn.seg == SegOverride::kGs ? u.gs_base : 0;
  const IoResult result = run_port_io(insn, bus_, vcpu, mem, seg_base);
  if (result == IoResult::kNotOurs) return false;
  to_user_regs(vcpu.regs(), u);
  set_regs(tid, u);
  // kPartial: the thread re-runs the `rep` with what is left. kFault: the progress stays
  // and the SIGSEGV is delivered.
  return result != IoResult::kFault;
}

}  // namespace bdtrace
