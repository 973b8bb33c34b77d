// RpcRelay: carries one complete GuestRPC message from the vCPU thread to the host's tools
// services and its reply back (docs/architecture.md, "Hot path": a complete message crosses
// once, its reply comes back once). The vCPU thread waits, bounded; the host answers with reply().
#pragma once
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/host_calls.h"
#include "devices/vmware/guest_rpc.h"

namespace vireo {

struct RpcMessage {
  uint64_t id;  // 0 for a close notice (no reply expected)
  unsigned channel;
  bool tclo;
  uint32_t session;
  std::string bytes;
};

class RpcRelay : public GuestRpcHandler {
 public:
  using Notify = std::function<void(RpcMessage message)>;
  static constexpr int kReplyTimeoutMs = 2000;

  // Set before the guest starts; without it RPCI gets "0 Tools service unavailable" and
  // TCLO polls get no command.
  void set_notify(Notify notify);
  // The host's reply to message `id` (any thread). Late or unknown ids are ignored.
  void reply(uint64_t id, std::string text) { calls_.complete(id, std::move(text)); }
  // Wakes every waiting vCPU with a timeout answer, and answers later messages so until
  // reopen() (stop, reset).
  void close() { calls_.close(); }
  void reopen() { calls_.reopen(); }
  // The guestinfo.* values the host's tools service holds, mirrored here so the most
  // frequent RPCI, `info-get guestinfo.<key>`, is answered on the vCPU thread without a
  // crossing (the service pushes every change; keys arrive normalised, lower case).
  // A key not in the mirror still goes to the service, which owns the answer.
  void mirror_guest_info(const std::string& key, const std::string& value);

  // GuestRpcHandler (vCPU thread).
  std::string on_message(unsigned channel, bool tclo, uint32_t session, const std::string& msg) override;
  void on_close(unsigned channel, bool tclo, uint32_t session) override;

 private:
  HostCalls<std::string> calls_;
  std::mutex lock_;  // notify_ and guest_info_
  Notify notify_;
  static constexpr size_t kMaxMirrored = 1024;  // the service's own MAX_KEYS bound
  std::unordered_map<std::string, std::string> guest_info_;
};

}  // namespace vireo
