#include "rpc_relay.h"

#include <chrono>

namespace vireo {

void RpcRelay::set_notify(Notify notify) {
  std::lock_guard<std::mutex> guard(lock_);
  notify_ = std::move(notify);
}

void RpcRelay::reply(uint64_t id, std::string text) {
  std::lock_guard<std::mutex> guard(lock_);
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  it->second.done = true;
  it->second.reply = std::move(text);
  cv_.notify_all();
}

void RpcRelay::cancel_all() {
  std::lock_guard<std::mutex> guard(lock_);
  ++cancel_epoch_;
  cv_.notify_all();
}

std::string RpcRelay::on_message(unsigned channel, bool tclo, uint32_t session, const std::string& msg) {
  // RPCI answers "0 <error>" on failure; TCLO's "no command" is the empty string.
  const std::string failure = tclo ? std::string() : std::string("0 Tools service unavailable");
  std::unique_lock<std::mutex> guard(lock_);
  if (!notify_) return failure;
  uint64_t id = ++next_id_;
  uint64_t epoch = cancel_epoch_;
  pending_[id];
  Notify notify = notify_;
  guard.unlock();
  notify({id, channel, tclo, session, msg});
  guard.lock();
  bool answered = cv_.wait_for(guard, std::chrono::milliseconds(kReplyTimeoutMs), [&] {
    return pending_[id].done || cancel_epoch_ != epoch;
  });
  std::string out = answered && pending_[id].done ? std::move(pending_[id].reply) : failure;
  pending_.erase(id);
  return out;
}

void RpcRelay::on_close(unsigned channel, bool tclo, uint32_t session) {
  Notify notify;
  {
    std::lock_guard<std::mutex> guard(lock_);
    notify = notify_;
  }
  if (notify) notify({0, channel, tclo, session, std::string()});
}

}  // namespace vireo
