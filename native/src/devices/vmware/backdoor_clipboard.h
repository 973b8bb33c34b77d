// Legacy (v1) clipboard of the backdoor: commands 6-9 (docs/vmware-backdoor.md §8.1, open-vm-tools
// services/plugins/dndcp/copyPasteCompat.c). Text is UTF-8, at most 65436 bytes, moved
// in 4-byte little-endian pieces. The guest starts every transfer.
//
// Threads: the host sets its text and the policy (JS thread); the vCPU thread runs the
// commands. One small mutex guards both; it is held only to copy a pointer or a word.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "devices/vmware/backdoor_command.h"

namespace vireo {

// Delivers a complete guest -> host selection (SETSELLENGTH + SETNEXTPIECE...). Called on
// the vCPU thread; the implementation must not block (queue it to the host thread).
class ClipboardSink {
 public:
  virtual ~ClipboardSink() = default;
  virtual void on_guest_clipboard(std::string text) = 0;
};

class LegacyClipboard : public BackdoorCommandHandler {
 public:
  explicit LegacyClipboard(ClipboardSink* sink) : sink_(sink) {}

  // Commands 6-9 on the port; on_command runs them on the vCPU thread.
  void register_commands(BackdoorCommands& port);
  bool on_command(unsigned cmd, BdoorRegs& r, VcpuContext& vcpu) override;

  // Host -> guest text. Longer text is cut to 65436 bytes at a UTF-8 character boundary.
  void set_host_text(std::string text);
  // isolation.tools.copy.disable (guest -> host) and isolation.tools.paste.disable
  // (host -> guest), inverted: true = allowed.
  void set_policy(bool copy_allowed, bool paste_allowed);

  // Command 6 GETSELLENGTH: length of the host text, -2 if pasting is not allowed.
  // Takes a snapshot of the text and rewinds the GETNEXTPIECE cursor.
  int32_t get_length();
  // Command 7 GETNEXTPIECE: next 4 bytes (LE, zero-padded; 0 past the end).
  uint32_t next_piece();
  // Command 8 SETSELLENGTH: starts a guest -> host transfer of `len` bytes. A length over
  // the limit, or copy not allowed, makes the following pieces be ignored; 0 = no selection.
  void set_length(uint32_t len);
  // Command 9 SETNEXTPIECE: 4 more bytes; the last one delivers the text to the sink.
  void set_piece(uint32_t word);

 private:
  static std::string clip_utf8(std::string text);

  ClipboardSink* sink_;
  std::mutex lock_;
  bool copy_allowed_ = true;
  bool paste_allowed_ = true;
  std::shared_ptr<const std::string> host_;  // host text as set
  std::shared_ptr<const std::string> out_;   // snapshot being read by GETNEXTPIECE
  size_t out_pos_ = 0;
  std::string in_;        // guest text being received
  uint32_t in_len_ = 0;   // announced length; 0 = no transfer in progress
};

}  // namespace vireo
