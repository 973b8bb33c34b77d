// Memory of a stopped traced thread through process_vm_readv/process_vm_writev (no
// PTRACE_PEEKDATA word loops). Both honour the page protections of the process, as the
// CPU would for its own accesses.
#pragma once
#include <sys/types.h>

#include <string>

#include "port_io.h"

namespace bdtrace {

class TraceeMemory : public ProcessMemory {
 public:
  explicit TraceeMemory(pid_t pid) : pid_(pid) {}
  size_t read(uint64_t addr, void* dst, size_t n) override;
  size_t write(uint64_t addr, const void* src, size_t n) override;
  // A NUL-terminated string of at most `max` bytes; false if unreadable or longer.
  bool read_string(uint64_t addr, size_t max, std::string* out);

 private:
  pid_t pid_;
};

}  // namespace bdtrace
