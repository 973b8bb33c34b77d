#include "devices/vmware/backdoor_clipboard.h"

#include <initializer_list>

#include "devices/vmware/backdoor_defs.h"

namespace vireo {

void LegacyClipboard::register_commands(BackdoorCommands& port) {
  for (unsigned cmd : {bdoor::kGetSelLength, bdoor::kGetNextPiece, bdoor::kSetSelLength, bdoor::kSetNextPiece})
    port.register_command(cmd, this);
}

bool LegacyClipboard::on_command(unsigned cmd, BdoorRegs& r, VcpuContext&) {
  switch (cmd) {
    case bdoor::kGetSelLength: r.eax = uint32_t(get_length()); break;
    case bdoor::kGetNextPiece: r.eax = next_piece(); break;
    case bdoor::kSetSelLength: set_length(r.ebx); break;
    case bdoor::kSetNextPiece: set_piece(r.ebx); break;
    default: return false;
  }
  return true;
}

std::string LegacyClipboard::clip_utf8(std::string text) {
  if (text.size() <= bdoor::kMaxSelection) return text;
  size_t n = bdoor::kMaxSelection;
  // Back up over UTF-8 continuation bytes (10xxxxxx) so no character is split.
  while (n > 0 && (static_cast<uint8_t>(text[n]) & 0xC0) == 0x80) --n;
  text.resize(n);
  return text;
}

void LegacyClipboard::set_host_text(std::string text) {
  auto snap = std::make_shared<const std::string>(clip_utf8(std::move(text)));
  std::lock_guard<std::mutex> g(lock_);
  host_ = std::move(snap);
}

void LegacyClipboard::set_policy(bool copy_allowed, bool paste_allowed) {
  std::lock_guard<std::mutex> g(lock_);
  copy_allowed_ = copy_allowed;
  paste_allowed_ = paste_allowed;
  if (!copy_allowed) {
    in_.clear();
    in_len_ = 0;
  }
}

int32_t LegacyClipboard::get_length() {
  std::lock_guard<std::mutex> g(lock_);
  out_pos_ = 0;
  if (!paste_allowed_) {
    out_.reset();
    return bdoor::kSelDontExchange;
  }
  out_ = host_;
  return out_ ? static_cast<int32_t>(out_->size()) : 0;
}

uint32_t LegacyClipboard::next_piece() {
  std::lock_guard<std::mutex> g(lock_);
  if (!out_) return 0;
  uint32_t word = 0;
  for (unsigned i = 0; i < 4 && out_pos_ < out_->size(); ++i, ++out_pos_)
    word |= uint32_t(static_cast<uint8_t>((*out_)[out_pos_])) << (8 * i);
  return word;
}

void LegacyClipboard::set_length(uint32_t len) {
  std::lock_guard<std::mutex> g(lock_);
  in_.clear();
  in_len_ = (copy_allowed_ && len <= bdoor::kMaxSelection) ? len : 0;
  if (in_len_) in_.reserve(in_len_);
}

void LegacyClipboard::set_piece(uint32_t word) {
  std::string done;
  {
    std::lock_guard<std::mutex> g(lock_);
    if (in_len_ == 0) return;
    for (unsigned i = 0; i < 4 && in_.size() < in_len_; ++i)
      in_.push_back(static_cast<char>(word >> (8 * i)));
    if (in_.size() < in_len_) return;
    done.swap(in_);
    in_len_ = 0;
  }
  if (sink_) sink_->on_guest_clipboard(std::move(done));
}

}  // namespace vireo
