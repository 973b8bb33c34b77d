#include "devices/display/vga.h"

namespace vireo {

namespace {
// Port ranges claimed on the PioBus.
constexpr uint16_t kMainPorts = 0x3C0, kMainCount = 0x20;  // 0x3C0-0x3DF
constexpr uint16_t kMonoCrtc = 0x3B4, kMonoStatus = 0x3BA;

// Mode 3 (80x25, 16 colors, 9x16 cell) register values from the IBM VGA reference
// tables, so the screen is right before (or without) any BIOS mode set.
constexpr uint8_t kMode3Crtc[25] = {0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00,
                                     0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e,
                                     0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff};
constexpr uint8_t kMode3Seq[5] = {0x03, 0x00, 0x03, 0x00, 0x02};
constexpr uint8_t kMode3Gc[9] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff};
constexpr uint8_t kMode3Attr[21] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a,
                                     0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00};
}  // namespace

VgaDevice::VgaDevice() { reset(); }

void VgaDevice::reset() {
  std::lock_guard guard(mu_);
  r_ = VgaRegisters{};
  seq_index_ = gc_index_ = crtc_index_ = attr_index_ = 0;
  attr_flip_ = false;
  dac_read_ = dac_write_ = dac_component_ = 0;
  dac_reading_ = false;
  status_toggle_ = feature_ = 0;
  ++generation_;
  r_.misc = 0x67;
  for (unsigned i = 0; i < sizeof kMode3Crtc; ++i) r_.crtc[i] = kMode3Crtc[i];
  for (unsigned i = 0; i < sizeof kMode3Seq; ++i) r_.seq[i] = kMode3Seq[i];
  for (unsigned i = 0; i < sizeof kMode3Gc; ++i) r_.gc[i] = kMode3Gc[i];
  for (unsigned i = 0; i < sizeof kMode3Attr; ++i) r_.attr[i] = kMode3Attr[i];
  // The 64-color EGA palette in DAC entries 0-63: bit 0/1/2 = blue/green/red at 2/3
  // intensity, bits 3/4/5 add 1/3 intensity of blue/green/red.
  for (int i = 0; i < 64; ++i) {
    r_.dac[i * 3 + 0] = static_cast<uint8_t>(((i >> 2) & 1) * 0x2a + ((i >> 5) & 1) * 0x15);
    r_.dac[i * 3 + 1] = static_cast<uint8_t>(((i >> 1) & 1) * 0x2a + ((i >> 4) & 1) * 0x15);
    r_.dac[i * 3 + 2] = static_cast<uint8_t>((i & 1) * 0x2a + ((i >> 3) & 1) * 0x15);
  }
}

VgaDevice::~VgaDevice() {
  if (slots_ && slot_ >= 0) slots_->unmap(slot_);
}

Status VgaDevice::attach(PioBus& pio, SlotMapper& slots) {
  Status s = window_.allocate(kWindowSize);
  if (s.ok()) s = pio.add(kMainPorts, kMainCount, this, "vga");
  if (s.ok()) s = pio.add(kMonoCrtc, 2, this, "vga-mono-crtc");
  if (s.ok()) s = pio.add(kMonoStatus, 1, this, "vga-mono-status");
  if (s.ok()) s = slots.map(window_.data(), kWindowSize, kWindowBase, false, true, &slot_);
  if (s.ok()) slots_ = &slots;
  return s;
}

bool VgaDevice::crtc_port(uint16_t port) const {
  return (r_.misc & 1) ? (port & 0xfff0) == 0x3d0 : (port & 0xfff0) == 0x3b0;
}

void VgaDevice::pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext&) {
  std::lock_guard guard(mu_);
  for (unsigned i = 0; i < size; ++i) data[i] = read_port(static_cast<uint16_t>(port + i));
}

void VgaDevice::pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext&) {
  std::lock_guard guard(mu_);
  for (unsigned i = 0; i < size; ++i) write_port(static_cast<uint16_t>(port + i), data[i]);
}

uint8_t VgaDevice::read_port(uint16_t port) {
  switch (port) {
    case 0x3c0: return attr_index_;
    case 0x3c1: return r_.attr[attr_index_ & 0x1f];
    case 0x3c2: return 0x00;  // input status 0
    case 0x3c3: return 0x01;  // video subsystem enabled
    case 0x3c4: return seq_index_;
    case 0x3c5: return r_.seq[seq_index_ & 7];
    case 0x3c6: return r_.dac_mask;
    case 0x3c7: return dac_reading_ ? 0x03 : 0x00;
    case 0x3c8: return dac_write_;
    case 0x3c9: {
      uint8_t v = r_.dac[dac_read_ * 3 + dac_component_];
      if (++dac_component_ == 3) {
        dac_component_ = 0;
        ++dac_read_;
      }
      return v;
    }
    case 0x3ca: return feature_;
    case 0x3cc: return r_.misc;
    case 0x3ce: return gc_index_;
    case 0x3cf: return r_.gc[gc_index_ & 0xf];
    default: break;
  }
  if (crtc_port(port)) {
    if ((port & 0xf) == 4) return crtc_index_;
    if ((port & 0xf) == 5) return r_.crtc[crtc_index_ & 0x1f];
    if ((port & 0xf) == 0xa) {
      attr_flip_ = false;
      status_toggle_ ^= 0x09;
      return status_toggle_;
    }
  }
  return 0xff;
}

void VgaDevice::write_port(uint16_t port, uint8_t value) {
  switch (port) {
    case 0x3c0:
      if (!attr_flip_) {
        attr_index_ = value & 0x3f;  // bit 5: palette address source
      } else {
        r_.attr[attr_index_ & 0x1f] = value;
        ++generation_;
      }
      attr_flip_ = !attr_flip_;
      return;
    case 0x3c2: r_.misc = value; ++generation_; return;
    case 0x3c4: seq_index_ = value; return;
    case 0x3c5: r_.seq[seq_index_ & 7] = value; ++generation_; return;
    case 0x3c6: r_.dac_mask = value; ++generation_; return;
    case 0x3c7:
      dac_read_ = value;
      dac_component_ = 0;
      dac_reading_ = true;
      return;
    case 0x3c8:
      dac_write_ = value;
      dac_component_ = 0;
      dac_reading_ = false;
      return;
    case 0x3c9:
      r_.dac[dac_write_ * 3 + dac_component_] = value;  // 8 bits kept for the VBE 8-bit DAC
      if (++dac_component_ == 3) {
        dac_component_ = 0;
        ++dac_write_;
      }
      ++generation_;
      return;
    case 0x3ce: gc_index_ = value; return;
    case 0x3cf: r_.gc[gc_index_ & 0xf] = value; ++generation_; return;
    default: break;
  }
  if (crtc_port(port)) {
    if ((port & 0xf) == 4) {
      crtc_index_ = value;
    } else if ((port & 0xf) == 5) {
      r_.crtc[crtc_index_ & 0x1f] = value;
      ++generation_;
    } else if ((port & 0xf) == 0xa) {
      feature_ = value;
    }
  }
}

VgaRegisters VgaDevice::registers() {
  std::lock_guard guard(mu_);
  return r_;
}

uint64_t VgaDevice::generation() {
  std::lock_guard guard(mu_);
  return generation_;
}

Status VgaDevice::take_window_dirty(std::vector<uint64_t>* bitmap) {
  bitmap->clear();
  if (!slots_ || slot_ < 0) return Status::Ok();
  return slots_->take_dirty(slot_, bitmap);
}

}  // namespace vireo
