// Passt: the real passt (Debian package `passt`) for native tests, started as the VM
// host starts it: `--fd 3` on one end of a socket pair, foreground, quiet, MTU 1500, plus
// extra arguments (port forwards). Killed and reaped when the fixture goes.
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace vireo_test {

struct Passt {
  pid_t pid = -1;
  bool start(int fd, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"passt", "--foreground", "--quiet", "--fd", "3", "--mtu", "1500"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid = fork();
    if (pid == 0) {
      dup2(fd, 3);
      int null = open("/dev/null", O_WRONLY);
      if (null >= 0) dup2(null, 2);  // passt's "Failed to send ... to syslog" lines
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execvp("passt", argv.data());
      _exit(127);
    }
    return pid > 0;
  }
  ~Passt() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  }
};

inline bool have_passt() {
  for (const char* d : {"/usr/bin/passt", "/usr/sbin/passt", "/usr/local/bin/passt"})
    if (access(d, X_OK) == 0) return true;
  return false;
}

}  // namespace vireo_test
