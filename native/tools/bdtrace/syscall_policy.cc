#include "syscall_policy.h"

#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace bdtrace {

namespace {

constexpr uint32_t kX32Bit = 0x40000000;  // __X32_SYSCALL_BIT
constexpr size_t kMaxPath = 4096;
constexpr size_t kMaxArgs = 32;

std::vector<sock_filter> build_filter() {
  std::vector<sock_filter> f;
  auto stmt = [&](uint16_t code, uint32_t k) { f.push_back(BPF_STMT(code, k)); };
  auto jeq = [&](uint32_t k, uint8_t jt, uint8_t jf) { f.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, jt, jf)); };
  stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch));
  jeq(AUDIT_ARCH_X86_64, 1, 0);
  stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
  stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr));
  f.push_back(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, kX32Bit, 0, 1));
  stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
  const uint32_t traced[] = {SYS_execve, SYS_execveat, SYS_settimeofday, SYS_clock_settime,
                             SYS_adjtimex, SYS_clock_adjtime};
  // Layout after the list of n tests (jump offsets count from the next instruction):
  //   n: reboot?  n+1: socket?  n+2: load args[0]  n+3: AF_VSOCK?
  //   n+4: ret EPERM  n+5: ret TRACE  n+6: ret EAFNOSUPPORT  n+7: ret ALLOW
  const uint8_t n = sizeof traced / sizeof traced[0];
  for (uint8_t i = 0; i < n; ++i) jeq(traced[i], uint8_t(n + 4 - i), 0);
  jeq(SYS_reboot, 3, 0);
  jeq(SYS_socket, 0, 5);
  stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0]));
  jeq(AF_VSOCK, 2, 3);
  stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
  stmt(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
  stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAFNOSUPPORT);
  stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  return f;
}

std::string json_args(const std::vector<std::string>& args) {
  std::string out = "[";
  for (size_t i = 0; i < args.size(); ++i) out += (i ? "," : "") + json_string(args[i]);
  return out + "]";
}

void skip_with(user_regs_struct& regs, long ret) {
  regs.orig_rax = uint64_t(-1);  // seccomp_filter.rst: syscall number -1 skips the call
  regs.rax = uint64_t(ret);
}

}  // namespace

bool restrict_child() {
  const int caps[] = {CAP_SYS_TIME, CAP_SYS_BOOT, CAP_SYS_MODULE};
  for (int cap : caps) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);  // EPERM when not root: nothing to drop
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return false;
  std::vector<sock_filter> f = build_filter();
  sock_fprog prog{static_cast<unsigned short>(f.size()), f.data()};
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0;
}

bool SyscallPolicy::exec_allowed(const std::string& path) const {
  for (const std::string& a : allowed_) {
    if (a == path) return true;
    if (!a.empty() && a.back() == '/' && path.compare(0, a.size(), a) == 0 &&
        path.find("/../", a.size() - 1) == std::string::npos)
      return true;
  }
  return false;
}

void SyscallPolicy::on_exec(pid_t tid, user_regs_struct& regs, bool at, bool program, bool* skip) {
  TraceeMemory mem(tid);
  std::string path;
  const bool path_ok = mem.read_string(at ? regs.rsi : regs.rdi, kMaxPath, &path);
  std::vector<std::string> args;
  const uint64_t argv = at ? regs.rdx : regs.rsi;
  for (size_t i = 0; argv && i < kMaxArgs; ++i) {
    uint64_t p = 0;
    if (mem.read(argv + 8 * i, &p, 8) < 8 || p == 0) break;
    std::string a;
    if (!mem.read_string(p, kMaxPath, &a)) break;
    args.push_back(a);
  }
  // execveat runs relative to a directory fd (or the fd itself): only the program's own
  // exec may use it.
  const bool allowed = program || (path_ok && !at && exec_allowed(path));
  link_.send_event("{\"kind\":\"exec\",\"pid\":" + std::to_string(tid) + ",\"path\":" + json_string(path) +
                   ",\"argv\":" + json_args(args) + ",\"allowed\":" + (allowed ? "true" : "false") + "}");
  if (!allowed) {
    skip_with(regs, -EACCES);
    *skip = true;
  }
}

bool SyscallPolicy::on_seccomp(pid_t tid, user_regs_struct& regs, bool program) {
  const long nr = long(regs.orig_rax);
  const std::string pid = std::to_string(tid);
  TraceeMemory mem(tid);
  bool skip = false;
  switch (nr) {
    case SYS_execve:
    case SYS_execveat:
      on_exec(tid, regs, nr == SYS_execveat, program, &skip);
      break;
    case SYS_settimeofday: {
      int64_t tv[2] = {0, 0};
      const bool read = regs.rdi && mem.read(regs.rdi, tv, sizeof tv) == sizeof tv;
      link_.send_event("{\"kind\":\"settime\",\"pid\":" + pid + ",\"call\":\"settimeofday\",\"sec\":" +
                       (read ? std::to_string(tv[0]) : "null") + ",\"usec\":" + (read ? std::to_string(tv[1]) : "null") + "}");
      skip_with(regs, 0);
      skip = true;
      break;
    }
    case SYS_clock_settime: {
      int64_t ts[2] = {0, 0};
      const bool read = regs.rsi && mem.read(regs.rsi, ts, sizeof ts) == sizeof ts;
      link_.send_event("{\"kind\":\"settime\",\"pid\":" + pid + ",\"call\":\"clock_settime\",\"clock\":" +
                       std::to_string(long(regs.rdi)) + ",\"sec\":" + (read ? std::to_string(ts[0]) : "null") +
                       ",\"nsec\":" + (read ? std::to_string(ts[1]) : "null") + "}");
      skip_with(regs, 0);
      skip = true;
      break;
    }
    case SYS_adjtimex:
    case SYS_clock_adjtime: {
      // struct timex starts with `unsigned int modes`; 0 = read the kernel's state only.
      const uint64_t buf = nr == SYS_adjtimex ? regs.rdi : regs.rsi;
      uint32_t modes = 0;
      if (buf && mem.read(buf, &modes, 4) == 4 && modes == 0) break;
      link_.send_event("{\"kind\":\"adjtime\",\"pid\":" + pid + ",\"call\":\"" +
                       (nr == SYS_adjtimex ? "adjtimex" : "clock_adjtime") + "\",\"modes\":" + std::to_string(modes) + "}");
      skip_with(regs, 0);  // TIME_OK
      skip = true;
      break;
    }
    default:
      break;
  }
  return skip;
}

}  // namespace bdtrace
