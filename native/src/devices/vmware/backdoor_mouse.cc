#include "devices/vmware/backdoor_mouse.h"

#include "devices/vmware/backdoor_defs.h"

namespace vireo {

bool VmMouse::push(const uint32_t packet[4]) {
  std::lock_guard<std::mutex> g(lock_);
  if (!enabled_ || count_ + 4 > kQueueDwords) return false;
  for (unsigned i = 0; i < 4; ++i) queue_[(head_ + count_ + i) % kQueueDwords] = packet[i];
  count_ += 4;
  return true;
}

bool VmMouse::push_absolute(uint32_t buttons, uint16_t x, uint16_t y, int8_t wheel) {
  const uint32_t p[4] = {buttons & 0x38, x, y, uint32_t(uint8_t(-wheel))};
  return push(p);
}

bool VmMouse::push_relative(uint32_t buttons, int32_t dx, int32_t dy, int8_t wheel) {
  // Linux negates y of relative packets (up = positive on the wire). Negated as an
  // unsigned word: -dy overflows (UB) for dy = INT32_MIN; the wire value is the same.
  const uint32_t p[4] = {bdoor::kMouseRelativePacket | (buttons & 0x38), uint32_t(dx),
                         0u - uint32_t(dy), uint32_t(uint8_t(-wheel))};
  return push(p);
}

bool VmMouse::enabled() {
  std::lock_guard<std::mutex> g(lock_);
  return enabled_;
}

bool VmMouse::absolute() {
  std::lock_guard<std::mutex> g(lock_);
  return enabled_ && absolute_;
}

uint32_t VmMouse::status() {
  std::lock_guard<std::mutex> g(lock_);
  if (!enabled_) return uint32_t(bdoor::kMouseStatusError) << 16;
  return count_;
}

bool VmMouse::data(uint32_t n, uint32_t out[6]) {
  bool disabled_now = false;
  {
    std::lock_guard<std::mutex> g(lock_);
    if (enabled_ && n >= 1 && n <= 6 && n <= count_) {
      for (uint32_t i = 0; i < n; ++i) {
        out[i] = queue_[head_];
        head_ = (head_ + 1) % kQueueDwords;
      }
      count_ -= n;
      return true;
    }
    disabled_now = enabled_;
    enabled_ = false;
    clear();
  }
  if (disabled_now && sink_) sink_->on_vmmouse_mode(false, false);
  return false;
}

void VmMouse::command(uint32_t sub) {
  bool changed = false, en = false, abs = false;
  {
    std::lock_guard<std::mutex> g(lock_);
    const bool was_en = enabled_, was_abs = absolute_;
    switch (sub) {
      case bdoor::kMouseCmdEnable:  // READ_ID: queue the version word, status 0
        clear();
        enabled_ = true;
        queue_[0] = bdoor::kMouseVersion;
        count_ = 1;
        break;
      case bdoor::kMouseCmdDisable:
        enabled_ = false;
        clear();
        break;
      case bdoor::kMouseCmdAbsolute: absolute_ = true; break;
      case bdoor::kMouseCmdRelative: absolute_ = false; break;
      default: break;  // unknown sub-command: ignored
    }
    en = enabled_;
    abs = absolute_;
    changed = en != was_en || abs != was_abs;
  }
  if (changed && sink_) sink_->on_vmmouse_mode(en, en && abs);
}

void VmMouse::restrict_to(uint32_t mode) {
  std::lock_guard<std::mutex> g(lock_);
  restrict_ = mode;
}

uint32_t VmMouse::restriction() {
  std::lock_guard<std::mutex> g(lock_);
  return restrict_;
}

}  // namespace vireo
