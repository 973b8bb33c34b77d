// bdtrace: runs a program (open-vm-tools' vmware-rpctool, vmware-checkvm, vmtoolsd…) as
// a host process whose VMware backdoor accesses are served by Vireo's real backdoor
// device and GuestRPC code, with the host side of every GuestRPC message answered over a
// link fd (host_link.h) — in the tests, by the VM host's TypeScript tools service.
//
//   bdtrace [--link FD] [--allow-exec PATH]... [--clock-offset-s N] [--tsc-khz N] -- PROGRAM ARGS...
//
//   --link FD          the host link (default 3); messages are answered as RPCI
//                      "0 Tools service unavailable" if the host never replies
//   --allow-exec PATH  a program the traced tree may execute (a directory if it ends in
//                      '/'); every other exec after PROGRAM's own fails with EACCES
//   --clock-offset-s N the backdoor's host clock runs N seconds ahead of this host's: the
//                      traced program shares the host's clock, so only an offset makes a
//                      time sync step visible (the step itself is intercepted)
//   --tsc-khz N        the TSC frequency GETMHZ/GETHZ report (a VM's comes from
//                      KVM_GET_TSC_KHZ); without it they answer "unsupported"
// The exit status is PROGRAM's (128 + signal if it was killed); 2 for bad arguments.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/bus.h"
#include "cpuid_emul.h"
#include "devices/vmware/backdoor.h"
#include "host_link.h"
#include "machine/rpc_relay.h"
#include "syscall_policy.h"
#include "tracer.h"

namespace {

class OffsetClock : public vireo::HostClock {
 public:
  explicit OffsetClock(int64_t offset_us) : offset_us_(offset_us) {}
  int64_t utc_us() override { return system_.utc_us() + offset_us_; }

 private:
  vireo::SystemClock system_;
  int64_t offset_us_;
};

bdtrace::Tracer* g_tracer = nullptr;

void on_terminate(int sig) {
  if (g_tracer) g_tracer->terminate(sig);
}

int usage(const char* why) {
  std::fprintf(stderr, "bdtrace: %s\nusage: bdtrace [--link FD] [--allow-exec PATH]... [--clock-offset-s N] [--tsc-khz N] -- PROGRAM ARGS...\n", why);
  return 2;
}

bool parse_int(const char* s, long long lo, long long hi, long long* out) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi) return false;
  *out = v;
  return true;
}

std::string stats_event(const vireo::Backdoor& backdoor) {
  std::string json = "{\"kind\":\"stats\",\"counters\":{";
  bool first = true;
  for (const vireo::BackdoorCounter& c : backdoor.stats().snapshot()) {
    json += (first ? "" : ",") + bdtrace::json_string(c.name) + ":" + std::to_string(c.count);
    first = false;
  }
  return json + "}}";
}

}  // namespace

int main(int argc, char** argv) {
  long long link_fd = 3, offset_s = 0, tsc_khz = 0;
  std::vector<std::string> allowed, program;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--") {
      program.assign(argv + i + 1, argv + argc);
      break;
    } else if (a == "--link" && has_value) {
      if (!parse_int(argv[++i], 0, 1 << 20, &link_fd)) return usage("--link needs a file descriptor number");
    } else if (a == "--allow-exec" && has_value) {
      allowed.push_back(argv[++i]);
      if (allowed.back().empty() || allowed.back()[0] != '/') return usage("--allow-exec needs an absolute path");
    } else if (a == "--tsc-khz" && has_value) {
      if (!parse_int(argv[++i], 1, 1LL << 32, &tsc_khz)) return usage("--tsc-khz needs a frequency in kHz");
    } else if (a == "--clock-offset-s" && has_value) {
      if (!parse_int(argv[++i], -(1LL << 40), 1LL << 40, &offset_s)) return usage("--clock-offset-s needs a whole number of seconds");
    } else {
      return usage(("unknown argument " + a).c_str());
    }
  }
  if (program.empty()) return usage("no program to run (put it after --)");

  // The link is the tracer's own: the traced program must not inherit it.
  const int fd = int(link_fd);
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) return usage("--link: not an open file descriptor");
  signal(SIGPIPE, SIG_IGN);

  OffsetClock clock(offset_s * 1000000);
  vireo::BackdoorConfig config;
  config.clock = &clock;
  vireo::RpcRelay relay;
  bdtrace::Tracer* tracer = nullptr;
  bdtrace::HostLink link(fd, [&tracer] {
    if (tracer) tracer->terminate(SIGKILL);  // the host is gone: so is the "VM"
  });
  vireo::Backdoor backdoor(config, &relay, &link, nullptr);
  backdoor.host().set_tsc_khz(uint64_t(tsc_khz));
  vireo::PioBus bus;
  if (!bus.add(vireo::bdoor::kPortLb, 2, &backdoor, "vmware-backdoor").ok()) return usage("internal: port bus");
  relay.set_notify([&link](vireo::RpcMessage m) { link.send_message(m); });

  // The reader thread must not take SIGTERM/SIGINT: they end the traced program.
  sigset_t term, old;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigaddset(&term, SIGINT);
  pthread_sigmask(SIG_BLOCK, &term, &old);
  link.start(relay, backdoor);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);

  bdtrace::SyscallPolicy policy(allowed, link);
  bdtrace::Tracer t(program, policy, bus, backdoor, link);
  tracer = &t;
  g_tracer = &t;
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_terminate;  // no SA_RESTART: waitpid returns EINTR, the loop goes on
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  // Which CPUID the program sees when CPUID does not fault: the host's own (the tests
  // name it; open-vm-tools refuse a "KVMKVMKVM" or Xen signature, vmcheck.c).
  const bdtrace::CpuidResult l1 = bdtrace::host_cpuid(1, 0), hv = bdtrace::host_cpuid(0x40000000, 0);
  std::string sig;
  for (uint32_t w : {hv.ebx, hv.ecx, hv.edx})
    for (int i = 0; i < 4; ++i) sig.push_back(char(w >> (8 * i)));
  const bool present = (l1.ecx >> 31) & 1;
  link.send_event(std::string("{\"kind\":\"host-cpuid\",\"hypervisor\":") + (present ? "true" : "false") +
                  ",\"signature\":" + bdtrace::json_string(present ? sig.c_str() : "") + "}");

  const int status = t.run();
  link.send_event(stats_event(backdoor));
  g_tracer = nullptr;
  tracer = nullptr;
  // Leave without unwinding: the reader thread may sit in read() on a link that is not a
  // socket (no shutdown(2) to wake it), and must not outlive the device it feeds.
  std::fflush(stderr);
  _exit(status < 0 ? 2 : status);
}
