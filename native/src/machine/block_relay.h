// BlockRelay: a disk whose image format lives in the host's TypeScript (VMDK sparse,
// flat, raw: electron/vmfiles). The disk device calls read/write/flush on a vCPU thread;
// each call crosses to the host once and waits (bounded) for its completion, as RpcRelay
// does for GuestRPC messages.
#pragma once
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "core/host_calls.h"
#include "devices/storage/block_backend.h"

namespace vireo {

struct BlockRequest {
  enum class Op { kRead, kWrite, kFlush };
  uint64_t id;
  unsigned disk;
  Op op;
  uint64_t offset;
  uint64_t length;
  std::string data;  // kWrite: the bytes to write
};

class BlockRelay : public BlockBackend {
 public:
  using Notify = std::function<void(BlockRequest request)>;
  static constexpr int kTimeoutMs = 30000;

  BlockRelay(unsigned disk, uint64_t size, bool read_only) : disk_(disk), size_(size), read_only_(read_only) {}
  void set_notify(Notify notify);
  // The host's answer: ok, and for reads the bytes (exactly the requested length).
  void complete(uint64_t id, bool ok, std::string data) { calls_.complete(id, {ok, std::move(data)}); }
  // Fails the waiting requests and every later one until reopen() (stop, reset).
  void close() { calls_.close(); }
  void reopen() { calls_.reopen(); }

  uint64_t size_bytes() const override { return size_; }
  bool read_only() const override { return read_only_; }
  Status read(uint64_t offset, uint8_t* buf, size_t len) override;
  Status write(uint64_t offset, const uint8_t* buf, size_t len) override;
  Status flush() override;

 private:
  struct Reply {
    bool ok = false;
    std::string data;
  };
  Status call(BlockRequest::Op op, uint64_t offset, uint64_t length, std::string data, std::string* out);

  unsigned disk_;
  uint64_t size_;
  bool read_only_;
  HostCalls<Reply> calls_;
  std::mutex lock_;  // notify_
  Notify notify_;
};

}  // namespace vireo
