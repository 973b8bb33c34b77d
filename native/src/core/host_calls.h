// HostCalls: the calls a vCPU thread makes to the host and waits for, bounded (a complete
// GuestRPC message, a disk request). The vCPU opens a call, hands its id to the host,
// and waits; the host completes it from any thread; cancel_all() (pause, stop, reset)
// wakes every waiter, which then gives its device-defined failure answer. Late or unknown
// completions are ignored.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace vireo {

template <typename Reply>
class HostCalls {
 public:
  uint64_t open() {
    std::lock_guard<std::mutex> guard(lock_);
    uint64_t id = ++next_id_;
    pending_[id].epoch = epoch_;
    return id;
  }

  void complete(uint64_t id, Reply reply) {
    std::lock_guard<std::mutex> guard(lock_);
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    it->second.done = true;
    it->second.reply = std::move(reply);
    cv_.notify_all();
  }

  void cancel_all() {
    std::lock_guard<std::mutex> guard(lock_);
    ++epoch_;
    cv_.notify_all();
  }

  // Waits for call `id` and forgets it; false on timeout or cancel.
  bool wait(uint64_t id, int timeout_ms, Reply* out) {
    std::unique_lock<std::mutex> guard(lock_);
    Pending& p = pending_[id];
    cv_.wait_for(guard, std::chrono::milliseconds(timeout_ms), [&] { return p.done || epoch_ != p.epoch; });
    bool done = p.done;
    if (done) *out = std::move(p.reply);
    pending_.erase(id);
    return done;
  }

 private:
  struct Pending {
    bool done = false;
    uint64_t epoch = 0;
    Reply reply{};
  };
  std::mutex lock_;
  std::condition_variable cv_;
  uint64_t next_id_ = 0;
  uint64_t epoch_ = 0;
  std::unordered_map<uint64_t, Pending> pending_;
};

}  // namespace vireo
