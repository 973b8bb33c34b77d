// HostLink: the tracer's connection to the host side (a Node process running the VM
// host's TypeScript tools service), on one stream fd. Frames are
//   u32 length (of what follows, little-endian) | u8 type | payload
// Tracer -> host:
//   'M' u64 id | u32 channel | u8 tclo | u32 session | bytes   one complete GuestRPC
//        message (RpcRelay notify); id 0 is a close notice with no bytes
//   'E' UTF-8 JSON object                                       an event (exec, clock, …)
// Host -> tracer:
//   'R' u64 id | bytes             the reply to message `id` (RpcRelay::reply)
//   'G' u32 keylen | key | value   a guestinfo value to mirror (RpcRelay::mirror_guest_info)
//   'S' u8 has (1 screen, 2 mouse, 4 gui) | u32 width | u32 height | u8 mouse_absolute |
//       u32 gui_options            backdoor host state (setBackdoorState)
//   'C' bytes                      host clipboard text (LegacyClipboard::set_host_text)
//   'P' u8 copy_allowed | u8 paste_allowed             clipboard policy
// The same calls the addon makes on a running VM (native/src/addon/vm_wrap_devices.cc),
// so the device and the relay are driven exactly as in a VM. Host frames are bounded
// (kMaxFrame); a malformed frame closes the link.
#pragma once
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "devices/vmware/backdoor.h"
#include "machine/rpc_relay.h"

namespace bdtrace {

class HostLink : public vireo::ClipboardSink {
 public:
  static constexpr uint32_t kMaxFrame = 1u << 20;

  // `on_lost` runs on the reader thread when the host closes the link.
  HostLink(int fd, std::function<void()> on_lost);
  ~HostLink() override;

  // Starts reading host frames into `relay` and `backdoor`.
  void start(vireo::RpcRelay& relay, vireo::Backdoor& backdoor);
  void send_message(const vireo::RpcMessage& m);
  void send_event(const std::string& json);
  bool lost() const { return lost_.load(); }

  void on_guest_clipboard(std::string text) override;

 private:
  void send_frame(char type, const std::string& payload);
  void read_loop(vireo::RpcRelay& relay, vireo::Backdoor& backdoor);
  bool read_exact(void* buf, size_t n);

  int fd_;
  std::function<void()> on_lost_;
  std::mutex write_lock_;
  std::atomic<bool> lost_{false};
  std::thread reader_;
};

// JSON string literal of raw bytes (bytes >= 0x80 are kept: paths and argv are UTF-8).
std::string json_string(const std::string& s);

}  // namespace bdtrace
