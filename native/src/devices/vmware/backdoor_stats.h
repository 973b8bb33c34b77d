// BackdoorStats: per-command counters of the backdoor device, bumped on the vCPU thread
// with relaxed atomics and read by the host at any rate (the vCPU thread counts, it
// never talks). Cumulative; the reader computes rates.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "devices/vmware/backdoor_defs.h"

namespace vireo {

struct BackdoorCounter {
  std::string name;  // "GETVERSION", "MESSAGE.open", "hb-send", ...
  uint64_t count = 0;
};

class BackdoorStats {
 public:
  void count_command(unsigned cmd) { bump(cmd < bdoor::kCmdCount ? &cmds_[cmd] : &cmd_over_); }
  void count_message(unsigned type) { bump(type <= bdoor::kMsgClose ? &msgs_[type] : &msg_bad_); }
  void count_bad_magic() { bump(&bad_magic_); }
  void count_unsupported() { bump(&unsupported_); }
  void count_hb(bool send) { bump(send ? &hb_send_ : &hb_recv_); }
  void count_hb_bytes(uint64_t n) { hb_bytes_.fetch_add(n, std::memory_order_relaxed); }
  void count_rpc_failure() { bump(&rpc_fail_); }
  void count_mouse_drop() { bump(&mouse_drop_); }

  uint64_t command(unsigned cmd) const {
    return cmd < bdoor::kCmdCount ? cmds_[cmd].load(std::memory_order_relaxed) : 0;
  }
  uint64_t unsupported() const { return unsupported_.load(std::memory_order_relaxed); }
  uint64_t rpc_failures() const { return rpc_fail_.load(std::memory_order_relaxed); }
  uint64_t mouse_drops() const { return mouse_drop_.load(std::memory_order_relaxed); }

  // Every non-zero counter, commands first (by number), then message types and events.
  std::vector<BackdoorCounter> snapshot() const;

 private:
  static void bump(std::atomic<uint64_t>* c) { c->fetch_add(1, std::memory_order_relaxed); }

  std::atomic<uint64_t> cmds_[bdoor::kCmdCount] = {};
  std::atomic<uint64_t> cmd_over_{0};  // ECX[15:0] >= kCmdCount
  std::atomic<uint64_t> msgs_[bdoor::kMsgClose + 1] = {};
  std::atomic<uint64_t> msg_bad_{0};
  std::atomic<uint64_t> bad_magic_{0}, unsupported_{0};
  std::atomic<uint64_t> hb_send_{0}, hb_recv_{0}, hb_bytes_{0};
  std::atomic<uint64_t> rpc_fail_{0}, mouse_drop_{0};
};

}  // namespace vireo
