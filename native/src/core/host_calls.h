// HostCalls: the calls a vCPU thread makes to the host and waits for, bounded (a complete
// GuestRPC message, a disk request). The vCPU opens a call, hands its id to the host,
// and waits; the host completes it from any thread. close() (stop, reset) wakes every
// waiter and makes every later call fail at once until reopen(), so a vCPU that reaches a
// device after the close cannot start a new bounded wait (which made stop() wait the whole
// disk timeout). Each failed call gives its device-defined failure answer. Late or unknown
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
  // A new call's id, or 0 while closed (the caller then fails the call without asking).
  uint64_t open() {
    std::lock_guard<std::mutex> guard(lock_);
    if (closed_) return 0;
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

  // Fails every waiting call and every call opened before reopen().
  void close() {
    std::lock_guard<std::mutex> guard(lock_);
    closed_ = true;
    ++epoch_;
    cv_.notify_all();
  }
  void reopen() {
    std::lock_guard<std::mutex> guard(lock_);
    closed_ = false;
  }

  // Waits for call `id` and forgets it; false on timeout or close.
  bool wait(uint64_t id, int timeout_ms, Reply* out) {
    if (id == 0) return false;
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
  bool closed_ = false;
  std::unordered_map<uint64_t, Pending> pending_;
};

}  // namespace vireo
