// I8042: the PC/AT keyboard controller with a PS/2 keyboard and a PS/2 mouse behind it.
//   0x60  data: read the output buffer; write a command argument or a device byte.
//   0x64  read status; write a controller command.
// Register both ports on the same object: pio.add(0x60, 1, ...) and pio.add(0x64, 1, ...).
// Output buffer full raises IRQ 1 (controller/keyboard byte, command byte bit 0) or
// IRQ 12 (mouse byte, bit 1); both are modelled as levels that drop when 0x60 is read.
// The keyboard works in scan code set 2; with command byte bit 6 (XLATE) the controller
// translates it to set 1 on the way to the output buffer, as the 8042 does. Writing a
// byte to a device (0x60, or 0xD4 + 0x60) clears that device's command-byte disable bit.
// Not modelled: the A20 gate (output port bit 1 is stored; KVM memory has no A20 mask),
// mouse wrap mode, 2:1 scaling of reported motion (the setting is stored and reported).
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>

#include "core/bus.h"
#include "core/irq.h"
#include "core/machine_control.h"

namespace vireo {

class I8042 : public PioDevice {
 public:
  static constexpr uint16_t kDataPort = 0x60, kCommandPort = 0x64;

  I8042(IrqLine& kbd_irq, IrqLine& aux_irq, MachineControl& control);

  void pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext& vcpu) override;

  // Host: scan code set 2 bytes as a keyboard sends them ("1C" make A, "F0 1C" break,
  // "E0 74" right arrow, "E0 F0 74" its break). Returns how many were accepted: 0 while the
  // guest has disabled scanning (0xF5), fewer when the keyboard's 16-byte buffer fills.
  // Callers should queue whole key sequences; a partial acceptance drops the rest.
  size_t queue_keyboard_bytes(const uint8_t* data, size_t len);
  // Host: one key press or release. `code` is the set-2 make code, with 0xE0 in the high
  // byte for extended keys (0x001C 'A', 0xE074 right arrow). Emits [E0] [F0] code, all or
  // nothing; returns false when it did not fit or scanning is disabled. Pause and
  // Print Screen have longer sequences: send them with queue_keyboard_bytes().
  bool key_event(uint16_t code, bool pressed);
  // Host: relative motion in screen terms (dx right, dy down) and buttons (bit 0 left,
  // bit 1 right, bit 2 middle). Produces standard 3-byte packets, splitting large moves.
  // Returns false (event dropped) unless the guest enabled streaming reports (0xF4) and
  // there is buffer room.
  bool mouse_event(int dx, int dy, uint8_t buttons);

 private:
  enum class Source : uint8_t { kController, kKeyboard, kAux };
  struct Byte {
    uint8_t value;
    Source source;
  };
  // A PS/2 device's transmit buffer: command replies go before queued input.
  struct DeviceQueue {
    std::deque<uint8_t> replies, input;
    bool empty() const { return replies.empty() && input.empty(); }
    uint8_t pop();
    void clear() {
      replies.clear();
      input.clear();
    }
  };

  // All of these run with lock_ held.
  uint8_t status() const;
  uint8_t read_data();
  void controller_command(uint8_t cmd);
  void controller_argument(uint8_t cmd, uint8_t value);
  void keyboard_write(uint8_t value);
  void keyboard_reset_defaults();
  void push_scancode(uint8_t set2);
  void mouse_write(uint8_t value);
  void mouse_reset_defaults();
  void mouse_packet(int dx, int dy, uint8_t buttons);
  void reply(Source source, uint8_t value);
  void refill();
  void update_irq();
  uint8_t& command_byte() { return ram_[0]; }

  IrqLine& kbd_irq_;
  IrqLine& aux_irq_;
  MachineControl& control_;

  std::mutex lock_;
  uint8_t ram_[32] = {};  // controller RAM; byte 0 is the command byte
  uint8_t output_port_ = 0x03;  // bit 0 reset line (1 = run), bit 1 A20
  uint8_t pending_cmd_ = 0;     // controller command waiting for its data byte
  bool last_write_was_cmd_ = false;
  std::deque<Byte> controller_out_;
  uint8_t ob_ = 0;
  bool ob_full_ = false;
  Source ob_source_ = Source::kController;
  bool xlate_break_ = false;  // XLATE saw F0; the next byte gets bit 7
  bool kbd_irq_level_ = false, aux_irq_level_ = false;

  // Keyboard.
  DeviceQueue kbd_;
  uint8_t kbd_arg_cmd_ = 0;
  bool kbd_scanning_ = true;
  uint8_t kbd_set_ = 2;
  bool kbd_set1_break_ = false;  // set-1 conversion inside the keyboard (F0 01)
  uint8_t kbd_leds_ = 0, kbd_typematic_ = 0x2B;

  // Mouse.
  DeviceQueue aux_;
  uint8_t aux_arg_cmd_ = 0;
  bool aux_reporting_ = false, aux_remote_ = false, aux_scaling_2to1_ = false;
  uint8_t aux_rate_ = 100, aux_resolution_ = 2, aux_buttons_ = 0;
};

}  // namespace vireo
