// Machine's host API: what the VM host does to a running VM (tools, input, display,
// network), each call forwarded to the one device that serves it.
#include "machine/machine.h"

namespace vireo {

void Machine::set_guest_rpc_notify(RpcRelay::Notify notify) { board_.rpc_relay.set_notify(std::move(notify)); }

void Machine::reply_guest_rpc(uint64_t id, std::string text) { board_.rpc_relay.reply(id, std::move(text)); }

void Machine::mirror_guest_info(const std::string& key, const std::string& value) {
  board_.rpc_relay.mirror_guest_info(key, value);
}

void Machine::set_host_screen_size(uint32_t width, uint32_t height) {
  board_.backdoor.host().set_screen_size(width, height);
}

void Machine::offer_absolute_pointer(bool on) { board_.backdoor.host().set_mouse_absolute(on); }

void Machine::set_gui_options(uint32_t mask) { board_.backdoor.host().set_gui_options(mask); }

void Machine::set_host_pointer(bool grabbed, int16_t x, int16_t y) {
  board_.backdoor.host().set_pointer(grabbed, x, y);
}

void Machine::set_host_clipboard(std::string text) { board_.backdoor.clipboard().set_host_text(std::move(text)); }

void Machine::set_clipboard_policy(bool copy_allowed, bool paste_allowed) {
  board_.backdoor.clipboard().set_policy(copy_allowed, paste_allowed);
}

std::vector<BackdoorCounter> Machine::backdoor_counters() const { return board_.backdoor.stats().snapshot(); }

bool Machine::key_event(uint16_t set2_code, bool pressed) { return board_.i8042.key_event(set2_code, pressed); }

bool Machine::pointer_event(const PointerEvent& event) {
  VmMouse& vmmouse = board_.backdoor.mouse();
  if (vmmouse.enabled() && vmmouse.absolute() && event.has_position) {
    // vmmouse absolute coordinates are 0..0xFFFF across the screen (QEMU vmmouse.c).
    bool ok = vmmouse.push_absolute(event.buttons, event.x, event.y, 0);
    if (ok) board_.i8042.mouse_event(0, 0, static_cast<uint8_t>(event.buttons));
    return ok;
  }
  return board_.i8042.mouse_event(event.dx, event.dy, static_cast<uint8_t>(event.buttons));
}

DisplayMode Machine::display_mode() { return board_.display.display().mode(); }

bool Machine::take_frame(bool full, DisplayMode* mode, std::vector<DisplayRect>* rects, std::vector<uint8_t>* pixels) {
  Display& display = board_.display.display();
  // The rectangles belong to the mode take_dirty_rects() saw; a guest may switch modes
  // concurrently, so record that mode (the listener fires inside the call on a change)
  // rather than asking again afterwards.
  *mode = display.mode();
  display.set_mode_listener([mode](const DisplayMode& m) { *mode = m; });
  bool changed = display.take_dirty_rects(PixelFormat::kRgba, rects, pixels, full);
  display.set_mode_listener(nullptr);
  return changed;
}

bool Machine::write_vram(uint64_t offset, const uint8_t* data, size_t len) {
  return board_.display.svga().host_write_vram(offset, data, len);
}

bool Machine::nic_status(unsigned index, NicTraffic* traffic, bool* link) {
  NetPort* nic = board_.nic(index);
  if (!nic) return false;
  *traffic = nic->traffic();
  *link = nic->link();
  return true;
}

bool Machine::set_nic_link(unsigned index, bool up) {
  NetPort* nic = board_.nic(index);
  if (!nic) return false;
  nic->set_link(up);
  return true;
}

}  // namespace vireo
