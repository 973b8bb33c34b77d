#include "tracee_memory.h"

#include <sys/uio.h>

#include <cstring>

namespace bdtrace {

namespace {
constexpr uint64_t kPage = 4096;

// process_vm_readv/writev stop at the first page that fails; loop over short transfers
// that still made progress (each call moves whole pages after the first).
template <typename Call>
size_t transfer(Call call, uint64_t addr, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t got = call(addr + done, n - done, done);
    if (got <= 0) break;
    done += size_t(got);
  }
  return done;
}
}  // namespace

size_t TraceeMemory::read(uint64_t addr, void* dst, size_t n) {
  return transfer(
      [&](uint64_t a, size_t len, size_t off) {
        iovec local{static_cast<uint8_t*>(dst) + off, len};
        iovec remote{reinterpret_cast<void*>(a), len};
        return process_vm_readv(pid_, &local, 1, &remote, 1, 0);
      },
      addr, n);
}

size_t TraceeMemory::write(uint64_t addr, const void* src, size_t n) {
  return transfer(
      [&](uint64_t a, size_t len, size_t off) {
        iovec local{const_cast<uint8_t*>(static_cast<const uint8_t*>(src)) + off, len};
        iovec remote{reinterpret_cast<void*>(a), len};
        return process_vm_writev(pid_, &local, 1, &remote, 1, 0);
      },
      addr, n);
}

bool TraceeMemory::read_string(uint64_t addr, size_t max, std::string* out) {
  out->clear();
  char buf[kPage];
  while (out->size() < max) {
    // Up to the end of the page, so an unmapped next page does not fail this read.
    size_t want = kPage - ((addr + out->size()) & (kPage - 1));
    size_t got = read(addr + out->size(), buf, want);
    if (got == 0) return false;
    const void* nul = std::memchr(buf, 0, got);
    if (nul) {
      out->append(buf, static_cast<const char*>(nul) - buf);
      return out->size() <= max;
    }
    out->append(buf, got);
  }
  return false;
}

}  // namespace bdtrace
