#include "machine/rpc_relay.h"

#include <cctype>

namespace vireo {

void RpcRelay::set_notify(Notify notify) {
  std::lock_guard<std::mutex> guard(lock_);
  notify_ = std::move(notify);
}

void RpcRelay::mirror_guest_info(const std::string& key, const std::string& value) {
  std::lock_guard<std::mutex> guard(lock_);
  if (guest_info_.size() < kMaxMirrored || guest_info_.count(key)) guest_info_[key] = value;
}

namespace {

// "info-get guestinfo.Key\0" -> "guestinfo.key" (as the service normalises it), or "".
std::string info_get_key(const std::string& msg) {
  static const char kCommand[] = "info-get ";
  size_t end = msg.size();
  while (end > 0 && msg[end - 1] == '\0') --end;
  if (end < sizeof(kCommand) - 1 || msg.compare(0, sizeof(kCommand) - 1, kCommand) != 0) return std::string();
  size_t b = sizeof(kCommand) - 1;
  while (b < end && (msg[b] == ' ' || msg[b] == '\t')) ++b;
  while (end > b && (msg[end - 1] == ' ' || msg[end - 1] == '\t')) --end;
  std::string key = msg.substr(b, end - b);
  for (char& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return key.rfind("guestinfo.", 0) == 0 ? key : std::string();
}

}  // namespace

std::string RpcRelay::on_message(unsigned channel, bool tclo, uint32_t session, const std::string& msg) {
  // RPCI answers "0 <error>" on failure; TCLO's "no command" is the empty string.
  const std::string failure = tclo ? std::string() : std::string("0 Tools service unavailable");
  std::unique_lock<std::mutex> guard(lock_);
  if (!tclo) {
    std::string key = info_get_key(msg);
    auto hit = key.empty() ? guest_info_.end() : guest_info_.find(key);
    if (hit != guest_info_.end()) return "1 " + hit->second;
  }
  if (!notify_) return failure;
  Notify notify = notify_;
  guard.unlock();
  uint64_t id = calls_.open();
  if (id == 0) return failure;  // closed: the VM is stopping or resetting
  notify({id, channel, tclo, session, msg});
  std::string reply;
  return calls_.wait(id, kReplyTimeoutMs, &reply) ? reply : failure;
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
