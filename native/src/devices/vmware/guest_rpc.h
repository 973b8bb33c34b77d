// GuestRpc: the message channels of backdoor command 30 ("GuestMsg", docs/vmware-backdoor.md §4) —
// open, send size/payload, receive size/payload/status, close — for the RPCI (guest -> host
// requests) and TCLO (host -> guest commands) protocols. Transport-neutral: the backdoor
// device feeds it LB register calls (4 bytes per `in`) and HB string transfers.
//
// Hostile-guest bounds: at most kMaxChannels channels, a guest message of at most 64 KiB
// (GUESTMSG_MAX_IN_SIZE; larger SENDSIZE fails), a host reply of at most 64 KiB; so the
// host memory of the whole table is bounded by kMaxChannels * 128 KiB. Every call checks
// the channel index, that it is open, and its cookies (if opened with the cookie flag).
// A failed call returns a status without MESSAGE_STATUS_SUCCESS.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>

#include "devices/vmware/backdoor_defs.h"

namespace vireo {

// The VMware Tools services, implemented by the host (the lead crosses to JS once per
// call). Both calls run on a vCPU thread with the channel table locked: the handler must
// not call back into GuestRpc.
class GuestRpcHandler {
 public:
  virtual ~GuestRpcHandler() = default;
  // One complete guest message. RPCI: `msg` is the request ("info-get guestinfo.x"),
  // the return value is the reply ("1 <value>" / "0 <error>"). TCLO: `msg` is the guest's
  // reply to the previous command ("OK ATR toolbox"; empty when the guest only polls),
  // the return value is the next command for the guest ("" = nothing to do).
  // `session` names one open..close lifetime of the channel (never 0, unique per device):
  // a new session on a known channel number means the guest re-opened it.
  // `msg` is raw bytes: vmtoolsd often appends a NUL, some messages are binary.
  virtual std::string on_message(unsigned channel, bool tclo, uint32_t session,
                                 const std::string& msg) = 0;
  // The channel was closed by the guest or failed by the host (fail_all). No reply.
  virtual void on_close(unsigned channel, bool tclo, uint32_t session) = 0;
};

// Guest side of an HB transfer: moves n bytes between `host` and the guest buffer.
// Returns false (nothing usable moved) when the guest buffer is not in guest memory.
class HbBuffer {
 public:
  virtual ~HbBuffer() = default;
  virtual bool transfer(uint8_t* host, size_t n) = 0;
};

// Registers of one LB command-30 call; message() updates the outputs in place, so
// registers a sub-command does not define come back unchanged.
struct MsgRegs {
  uint32_t ebx, ecx, edx, esi, edi;
};

class GuestRpc {
 public:
  static constexpr unsigned kMaxChannels = 32;

  GuestRpc(GuestRpcHandler* handler, uint64_t cookie_seed, bool advertise_hb);

  // LB command 30; sub-command in ECX[31:16], channel in EDX[31:16], cookies ESI/EDI.
  void message(MsgRegs& r);
  // HB (BDOORHB_CMD_MESSAGE) as whole-payload copies: the host moves `n` bytes itself
  // (hypercall transport, §1.3). `n` must equal the bytes still expected (send) or
  // still unread (receive). Returns the status word for EBX[31:16].
  uint16_t hb_send(unsigned channel, uint32_t cookie_hi, uint32_t cookie_lo, size_t n,
                   HbBuffer& guest);
  uint16_t hb_recv(unsigned channel, uint32_t cookie_hi, uint32_t cookie_lo, size_t n,
                   HbBuffer& guest);
  // HB streamed through port 0x5659: KVM hands a `rep outsb`/`rep insb` to userspace in
  // pieces through the I/O data area. `first` opens a transfer of `total` bytes, which
  // must be exactly what is still expected (send) or unread (receive); later pieces
  // continue it. A failure aborts the message being sent (the guest restarts at SENDSIZE).
  uint16_t hb_send_bytes(unsigned channel, uint32_t cookie_hi, uint32_t cookie_lo, bool first,
                         uint64_t total, const uint8_t* data, size_t n);
  uint16_t hb_recv_bytes(unsigned channel, uint32_t cookie_hi, uint32_t cookie_lo, bool first,
                         uint64_t total, uint8_t* data, size_t n);

  // Host (any thread): a checkpoint or restore happened. Transfers in flight get
  // MESSAGE_STATUS_CPT on their next call and the guest restarts them (§4.2).
  void checkpoint() { cpt_gen_.fetch_add(1, std::memory_order_release); }
  // Host (any thread): forget every channel (machine reset, or a restore that could not
  // keep channel state). The guest's next call on an old channel fails; tools re-open.
  void fail_all() { reset_gen_.fetch_add(1, std::memory_order_release); }

  // Bytes held by message buffers now (fuzz harness bound check).
  size_t buffered_bytes();
  unsigned open_channels();

 private:
  struct Channel {
    bool open = false;
    bool tclo = false;
    bool cookie = false;
    bool cpt = false;          // next payload/status call reports MESSAGE_STATUS_CPT
    uint32_t cookie_hi = 0, cookie_lo = 0;
    uint32_t session = 0;
    bool in_active = false;    // a guest message is being received
    uint32_t in_expected = 0;
    std::string in;
    bool out_ready = false;    // a reply (RPCI) or command (TCLO) waits for the guest
    std::string out;
    size_t out_pos = 0;
  };

  void sync_host_requests();  // applies checkpoint() / fail_all(); lock held
  Channel* find(unsigned id, uint32_t hi, uint32_t lo, bool check_cookie);
  void open(MsgRegs& r);
  uint16_t send_size(Channel& c, unsigned id, uint32_t n);
  uint16_t send_payload(Channel& c, unsigned id, uint32_t word);
  void complete(Channel& c, unsigned id);
  void release(Channel& c, unsigned id, bool notify);
  uint32_t next_cookie();

  GuestRpcHandler* handler_;
  bool advertise_hb_;
  std::mutex lock_;
  Channel ch_[kMaxChannels];
  uint64_t rng_;
  uint32_t next_session_ = 1;
  std::atomic<uint32_t> cpt_gen_{0}, reset_gen_{0};
  uint32_t cpt_seen_ = 0, reset_seen_ = 0;
};

}  // namespace vireo
