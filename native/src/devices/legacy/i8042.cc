#include "devices/legacy/i8042.h"

#include <algorithm>

namespace vireo {

namespace {
// Status register (port 0x64 read).
constexpr uint8_t kStatOutputFull = 0x01, kStatSystem = 0x04, kStatCommand = 0x08,
                  kStatUnlocked = 0x10, kStatAuxData = 0x20;
// Command byte.
constexpr uint8_t kCbKbdIrq = 0x01, kCbAuxIrq = 0x02, kCbSystem = 0x04, kCbKbdOff = 0x10,
                  kCbAuxOff = 0x20, kCbXlate = 0x40;
// PS/2 device replies.
constexpr uint8_t kAck = 0xFA, kResend = 0xFE, kSelfTestOk = 0xAA, kBreakPrefix = 0xF0;
constexpr size_t kControllerQueue = 16, kReplyQueue = 16, kKbdBuffer = 16, kAuxBuffer = 255;

// Scan code set 2 -> set 1, the 8042's XLATE table for codes 0x00..0x7F (IBM PS/2
// Technical Reference; e.g. 1C 'A' -> 1E, 76 Esc -> 01, 5A Enter -> 1C).
constexpr uint8_t kSet2ToSet1[128] = {
    0xFF, 0x43, 0x41, 0x3F, 0x3D, 0x3B, 0x3C, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3E, 0x0F, 0x29, 0x59,
    0x65, 0x38, 0x2A, 0x70, 0x1D, 0x10, 0x02, 0x5A, 0x66, 0x71, 0x2C, 0x1F, 0x1E, 0x11, 0x03, 0x5B,
    0x67, 0x2E, 0x2D, 0x20, 0x12, 0x05, 0x04, 0x5C, 0x68, 0x39, 0x2F, 0x21, 0x14, 0x13, 0x06, 0x5D,
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5E, 0x6A, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5F,
    0x6B, 0x33, 0x25, 0x17, 0x18, 0x0B, 0x0A, 0x60, 0x6C, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0C, 0x61,
    0x6D, 0x73, 0x28, 0x74, 0x1A, 0x0D, 0x62, 0x6E, 0x3A, 0x36, 0x1C, 0x1B, 0x75, 0x2B, 0x63, 0x76,
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7A, 0x0E, 0x7B, 0x7C, 0x4F, 0x7D, 0x4B, 0x47, 0x7E, 0x7F, 0x6F,
    0x52, 0x53, 0x50, 0x4C, 0x4D, 0x48, 0x01, 0x45, 0x57, 0x4E, 0x51, 0x4A, 0x37, 0x49, 0x46, 0x54,
};

// One byte through the translator; F0 is swallowed and marks the next byte as a break.
// Returns false when nothing comes out (the byte was the F0 prefix).
bool translate(uint8_t in, bool* pending_break, uint8_t* out) {
  if (in == kBreakPrefix) {
    *pending_break = true;
    return false;
  }
  uint8_t v = in;
  if (in < 0x80) v = kSet2ToSet1[in];
  else if (in == 0x83) v = 0x41;  // F7 (set 2 uses a code above 0x7F)
  else if (in == 0x84) v = 0x54;  // Alt+SysRq
  if (*pending_break) v |= 0x80;
  *pending_break = false;
  *out = v;
  return true;
}
}  // namespace

uint8_t I8042::DeviceQueue::pop() {
  std::deque<uint8_t>& q = replies.empty() ? input : replies;
  uint8_t v = q.front();
  q.pop_front();
  return v;
}

I8042::I8042(IrqLine& kbd_irq, IrqLine& aux_irq, MachineControl& control)
    : kbd_irq_(kbd_irq), aux_irq_(aux_irq), control_(control) {
  command_byte() = kCbKbdIrq | kCbAuxIrq;  // as QEMU's reset value; firmware sets the rest
}

void I8042::pio_read(uint16_t port, uint8_t* data, unsigned, VcpuContext&) {
  std::lock_guard guard(lock_);
  data[0] = port == kDataPort ? read_data() : status();
  update_irq();
}

void I8042::pio_write(uint16_t port, const uint8_t* data, unsigned, VcpuContext&) {
  std::lock_guard guard(lock_);
  uint8_t v = data[0];
  if (port == kCommandPort) {
    last_write_was_cmd_ = true;
    pending_cmd_ = 0;
    controller_command(v);
  } else {
    last_write_was_cmd_ = false;
    uint8_t cmd = pending_cmd_;
    pending_cmd_ = 0;
    if (cmd) {
      controller_argument(cmd, v);
    } else {
      // Sending to a device re-enables its interface (as QEMU's pckbd does; SeaBIOS and
      // other drivers may talk to a device while its command-byte disable bit is set).
      command_byte() &= ~kCbKbdOff;
      keyboard_write(v);
    }
  }
  refill();
  update_irq();
}

uint8_t I8042::status() const {
  uint8_t s = kStatUnlocked;  // input buffer (bit 1) is never full: writes complete at once
  if (ob_full_) s |= kStatOutputFull;
  if (ob_full_ && ob_source_ == Source::kAux) s |= kStatAuxData;
  if (ram_[0] & kCbSystem) s |= kStatSystem;
  if (last_write_was_cmd_) s |= kStatCommand;
  return s;
}

uint8_t I8042::read_data() {
  // An empty output buffer reads as its last contents, as on the 8042.
  uint8_t v = ob_;
  if (!ob_full_) return v;
  ob_full_ = false;
  update_irq();  // the line drops, so a byte loaded next is a new edge
  refill();
  return v;
}

void I8042::reply(Source source, uint8_t value) {
  if (source == Source::kController) {
    if (controller_out_.size() < kControllerQueue) controller_out_.push_back({value, source});
  } else {
    DeviceQueue& q = source == Source::kKeyboard ? kbd_ : aux_;
    if (q.replies.size() < kReplyQueue) q.replies.push_back(value);
  }
}

void I8042::controller_command(uint8_t cmd) {
  if (cmd >= 0x20 && cmd <= 0x3F) {  // read controller RAM (0x20: command byte)
    reply(Source::kController, ram_[cmd & 0x1F]);
    return;
  }
  if ((cmd >= 0x60 && cmd <= 0x7F) || (cmd >= 0xD1 && cmd <= 0xD4)) {
    pending_cmd_ = cmd;  // the argument follows on port 0x60
    return;
  }
  if (cmd >= 0xF0) {
    // Pulse output port lines for 6 us; bit 0 low pulses the CPU reset line (0xFE).
    if (!(cmd & 0x01)) control_.request_reset();
    return;
  }
  switch (cmd) {
    case 0xA7: command_byte() |= kCbAuxOff; break;
    case 0xA8: command_byte() &= ~kCbAuxOff; break;
    case 0xA9: reply(Source::kController, 0x00); break;  // aux interface test: OK
    case 0xAA:                                            // controller self test
      command_byte() |= kCbSystem;
      reply(Source::kController, 0x55);
      break;
    case 0xAB: reply(Source::kController, 0x00); break;  // keyboard interface test: OK
    case 0xAD: command_byte() |= kCbKbdOff; break;
    case 0xAE: command_byte() &= ~kCbKbdOff; break;
    case 0xD0: {                                          // read output port
      uint8_t v = output_port_ & 0xCF;
      if (kbd_irq_level_) v |= 0x10;  // bit 4: IRQ 1 (keyboard OBF) output
      if (aux_irq_level_) v |= 0x20;  // bit 5: IRQ 12 (aux OBF) output
      reply(Source::kController, v);
      break;
    }
    default: break;  // other commands are not implemented by this controller: ignored
  }
}

void I8042::controller_argument(uint8_t cmd, uint8_t value) {
  if (cmd >= 0x60 && cmd <= 0x7F) {
    ram_[cmd & 0x1F] = value;
    if (cmd == 0x60 && !(value & kCbXlate)) xlate_break_ = false;
    return;
  }
  switch (cmd) {
    case 0xD1:  // write output port: bit 0 clear asserts the CPU reset line
      output_port_ = value;
      if (!(value & 0x01)) control_.request_reset();
      break;
    case 0xD2:  // the byte appears as if the keyboard sent it
      if (controller_out_.size() < kControllerQueue)
        controller_out_.push_back({value, Source::kKeyboard});
      break;
    case 0xD3:  // ... as if the mouse sent it
      if (controller_out_.size() < kControllerQueue)
        controller_out_.push_back({value, Source::kAux});
      break;
    default:  // 0xD4: the byte goes to the mouse, re-enabling its interface
      command_byte() &= ~kCbAuxOff;
      mouse_write(value);
      break;
  }
}

void I8042::keyboard_reset_defaults() {
  kbd_scanning_ = true;
  kbd_set_ = 2;
  kbd_set1_break_ = false;
  kbd_typematic_ = 0x2B;  // 10.9 characters/s, 500 ms delay
}

void I8042::keyboard_write(uint8_t value) {
  if (kbd_arg_cmd_) {
    uint8_t cmd = kbd_arg_cmd_;
    kbd_arg_cmd_ = 0;
    if (cmd == 0xED) {
      kbd_leds_ = value & 0x07;
      reply(Source::kKeyboard, kAck);
    } else if (cmd == 0xF3) {
      kbd_typematic_ = value & 0x7F;
      reply(Source::kKeyboard, kAck);
    } else if (value == 0) {  // 0xF0 0x00: report the current set
      reply(Source::kKeyboard, kAck);
      reply(Source::kKeyboard, kbd_set_);
    } else if (value <= 2) {  // sets 1 and 2; set 3 is refused
      kbd_set_ = value;
      kbd_set1_break_ = false;
      reply(Source::kKeyboard, kAck);
    } else {
      reply(Source::kKeyboard, kResend);
    }
    return;
  }
  switch (value) {
    case 0xFF:  // reset: ACK, then the self-test (BAT) result
      kbd_.clear();
      keyboard_reset_defaults();
      reply(Source::kKeyboard, kAck);
      reply(Source::kKeyboard, kSelfTestOk);
      break;
    case 0xF6:  // set defaults
      keyboard_reset_defaults();
      reply(Source::kKeyboard, kAck);
      break;
    case 0xF5:  // disable scanning (and set defaults)
      keyboard_reset_defaults();
      kbd_scanning_ = false;
      kbd_.input.clear();
      reply(Source::kKeyboard, kAck);
      break;
    case 0xF4:
      kbd_scanning_ = true;
      reply(Source::kKeyboard, kAck);
      break;
    case 0xF2:  // identify: MF2 keyboard
      reply(Source::kKeyboard, kAck);
      reply(Source::kKeyboard, 0xAB);
      reply(Source::kKeyboard, 0x83);
      break;
    case 0xED:  // LEDs, typematic, scan code set: an argument follows
    case 0xF3:
    case 0xF0:
      kbd_arg_cmd_ = value;
      reply(Source::kKeyboard, kAck);
      break;
    case 0xEE:  // echo
      reply(Source::kKeyboard, 0xEE);
      break;
    default:
      reply(Source::kKeyboard, kResend);
      break;
  }
}

void I8042::mouse_reset_defaults() {
  aux_reporting_ = false;
  aux_remote_ = false;
  aux_scaling_2to1_ = false;
  aux_rate_ = 100;
  aux_resolution_ = 2;  // 4 counts/mm
}

void I8042::mouse_write(uint8_t value) {
  if (aux_arg_cmd_) {
    if (aux_arg_cmd_ == 0xF3) aux_rate_ = value;
    else aux_resolution_ = value & 0x03;
    aux_arg_cmd_ = 0;
    reply(Source::kAux, kAck);
    return;
  }
  switch (value) {
    case 0xFF:  // reset: ACK, BAT OK, device ID 0
      aux_.clear();
      mouse_reset_defaults();
      reply(Source::kAux, kAck);
      reply(Source::kAux, kSelfTestOk);
      reply(Source::kAux, 0x00);
      break;
    case 0xF6:
      mouse_reset_defaults();
      reply(Source::kAux, kAck);
      break;
    case 0xF5:
      aux_reporting_ = false;
      aux_.input.clear();
      reply(Source::kAux, kAck);
      break;
    case 0xF4:
      aux_reporting_ = true;
      reply(Source::kAux, kAck);
      break;
    case 0xF3:  // sample rate / resolution: an argument follows
    case 0xE8:
      aux_arg_cmd_ = value;
      reply(Source::kAux, kAck);
      break;
    case 0xF2:  // get device ID: standard PS/2 mouse
      reply(Source::kAux, kAck);
      reply(Source::kAux, 0x00);
      break;
    case 0xE9: {  // status request: flags (bit 0 right, 1 middle, 2 left), resolution, rate
      uint8_t flags = (aux_remote_ ? 0x40 : 0) | (aux_reporting_ ? 0x20 : 0) |
                      (aux_scaling_2to1_ ? 0x10 : 0) | ((aux_buttons_ & 1) << 2) |
                      ((aux_buttons_ & 2) >> 1) | ((aux_buttons_ & 4) >> 1);
      reply(Source::kAux, kAck);
      reply(Source::kAux, flags);
      reply(Source::kAux, aux_resolution_);
      reply(Source::kAux, aux_rate_);
      break;
    }
    case 0xE6:
    case 0xE7:
      aux_scaling_2to1_ = value == 0xE7;
      reply(Source::kAux, kAck);
      break;
    case 0xEA:  // stream mode
    case 0xF0:  // remote mode
      aux_remote_ = value == 0xF0;
      reply(Source::kAux, kAck);
      break;
    case 0xEB:  // read data: one packet of the (zero) motion since the last report
      reply(Source::kAux, kAck);
      reply(Source::kAux, uint8_t(0x08 | (aux_buttons_ & 0x07)));
      reply(Source::kAux, 0);
      reply(Source::kAux, 0);
      break;
    default:  // wrap mode (0xEE/0xEC) and unknown commands
      reply(Source::kAux, kResend);
      break;
  }
}

void I8042::refill() {
  if (ob_full_) return;
  if (!controller_out_.empty()) {
    ob_ = controller_out_.front().value;
    ob_source_ = controller_out_.front().source;
    controller_out_.pop_front();
    ob_full_ = true;
    return;
  }
  if (!(ram_[0] & kCbKbdOff)) {
    while (!kbd_.empty()) {
      uint8_t raw = kbd_.pop();
      uint8_t v = raw;
      if ((ram_[0] & kCbXlate) && !translate(raw, &xlate_break_, &v)) continue;
      ob_ = v;
      ob_source_ = Source::kKeyboard;
      ob_full_ = true;
      return;
    }
  }
  if (!(ram_[0] & kCbAuxOff) && !aux_.empty()) {
    ob_ = aux_.pop();
    ob_source_ = Source::kAux;
    ob_full_ = true;
  }
}

void I8042::update_irq() {
  bool kbd = ob_full_ && ob_source_ != Source::kAux && (ram_[0] & kCbKbdIrq);
  bool aux = ob_full_ && ob_source_ == Source::kAux && (ram_[0] & kCbAuxIrq);
  if (kbd != kbd_irq_level_) kbd_irq_.set_level(kbd_irq_level_ = kbd);
  if (aux != aux_irq_level_) aux_irq_.set_level(aux_irq_level_ = aux);
}

void I8042::push_scancode(uint8_t set2) {
  uint8_t v = set2;
  // Scan code set 1 selected with F0 01: the keyboard converts by itself.
  if (kbd_set_ == 1 && !translate(set2, &kbd_set1_break_, &v)) return;
  kbd_.input.push_back(v);
}

size_t I8042::queue_keyboard_bytes(const uint8_t* data, size_t len) {
  std::lock_guard guard(lock_);
  if (!kbd_scanning_) return 0;
  size_t n = 0;
  for (; n < len && kbd_.input.size() < kKbdBuffer; ++n) push_scancode(data[n]);
  refill();
  update_irq();
  return n;
}

bool I8042::key_event(uint16_t code, bool pressed) {
  uint8_t seq[3];
  size_t n = 0;
  if ((code >> 8) == 0xE0) seq[n++] = 0xE0;
  if (!pressed) seq[n++] = kBreakPrefix;
  seq[n++] = uint8_t(code);
  std::lock_guard guard(lock_);
  if (!kbd_scanning_ || kbd_.input.size() + n > kKbdBuffer) return false;
  for (size_t i = 0; i < n; ++i) push_scancode(seq[i]);
  refill();
  update_irq();
  return true;
}

void I8042::mouse_packet(int dx, int dy, uint8_t buttons) {
  // Byte 0: buttons, bit 3 always 1, bit 4 X sign, bit 5 Y sign; then X and Y, 9-bit
  // two's complement with the sign in byte 0 (Y grows upwards).
  uint8_t b0 = uint8_t(0x08 | (buttons & 0x07) | (dx < 0 ? 0x10 : 0) | (dy < 0 ? 0x20 : 0));
  aux_.input.push_back(b0);
  aux_.input.push_back(uint8_t(dx));
  aux_.input.push_back(uint8_t(dy));
}

bool I8042::mouse_event(int dx, int dy, uint8_t buttons) {
  std::lock_guard guard(lock_);
  aux_buttons_ = buttons & 0x07;
  if (!aux_reporting_ || aux_remote_) return false;
  // PS/2 Y is positive upwards; the host gives screen coordinates.
  int64_t x = dx, y = -int64_t(dy);
  bool sent = false;
  do {
    if (aux_.input.size() + 3 > kAuxBuffer) break;
    int px = int(std::clamp<int64_t>(x, -255, 255));
    int py = int(std::clamp<int64_t>(y, -255, 255));
    mouse_packet(px, py, aux_buttons_);
    x -= px;
    y -= py;
    sent = true;
  } while (x != 0 || y != 0);
  refill();
  update_irq();
  return sent && x == 0 && y == 0;
}

}  // namespace vireo
