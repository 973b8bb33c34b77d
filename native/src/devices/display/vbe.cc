#include "devices/display/vbe.h"

#include <algorithm>
#include <cstring>

#include "core/le_bytes.h"

namespace vireo {

namespace {
uint32_t bytes_per_pixel(uint16_t bpp) { return (bpp + 7u) / 8; }  // 15 -> 2
bool supported_bpp(uint16_t bpp) {
  return bpp == 8 || bpp == 15 || bpp == 16 || bpp == 24 || bpp == 32;
}
}  // namespace

BochsVbe::BochsVbe(uint8_t* vram, uint64_t vram_size, uint16_t max_xres, uint16_t max_yres)
    : vram_(vram), vram_size_(vram_size), max_xres_(max_xres), max_yres_(max_yres) {
  reset();
}

void BochsVbe::reset() {
  std::lock_guard guard(mu_);
  index_ = 0;
  std::fill(std::begin(regs_), std::end(regs_), 0);
  regs_[kId] = 0xB0C5;
  regs_[kXres] = 640;
  regs_[kYres] = 480;
  regs_[kBpp] = 32;
}

uint32_t BochsVbe::pitch_locked() const {
  return regs_[kVirtWidth] * bytes_per_pixel(regs_[kBpp]);
}

uint16_t BochsVbe::read_locked(uint16_t index) const {
  bool caps = regs_[kEnable] & kGetCaps;
  switch (index) {
    case kXres: return caps ? max_xres_ : regs_[kXres];
    case kYres: return caps ? max_yres_ : regs_[kYres];
    case kBpp: return caps ? 32 : regs_[kBpp];
    case kVideoMemory64k: return static_cast<uint16_t>(std::min<uint64_t>(vram_size_ >> 16, 0xffff));
    default: return index < kCount ? regs_[index] : 0;
  }
}

void BochsVbe::write_locked(uint16_t index, uint16_t value) {
  const bool enabled = regs_[kEnable] & kEnabled;
  switch (index) {
    case kId:
      if (value >= 0xB0C0 && value <= 0xB0C5) regs_[kId] = value;
      return;
    case kXres:
      if (!enabled && value >= 8 && value <= max_xres_ && value % 8 == 0) regs_[kXres] = value;
      return;
    case kYres:
      if (!enabled && value >= 1 && value <= max_yres_) regs_[kYres] = value;
      return;
    case kBpp:
      if (!enabled && supported_bpp(value)) regs_[kBpp] = value;
      return;
    case kEnable: {
      bool enable = value & kEnabled;
      if (enable && !enabled) {
        uint32_t pitch = regs_[kXres] * bytes_per_pixel(regs_[kBpp]);
        uint64_t frame = uint64_t{pitch} * regs_[kYres];
        if (frame > vram_size_) value &= static_cast<uint16_t>(~kEnabled);  // refuse the mode
        else {
          regs_[kVirtWidth] = regs_[kXres];
          regs_[kVirtHeight] = static_cast<uint16_t>(std::min<uint64_t>(vram_size_ / pitch, 0xffff));
          regs_[kXOffset] = regs_[kYOffset] = 0;
          if (!(value & kNoClear)) std::memset(vram_, 0, frame);
        }
      }
      regs_[kEnable] = value & (kEnabled | kGetCaps | kDac8 | kLfb | kNoClear);
      return;
    }
    case kBank: regs_[kBank] = value; return;
    case kVirtWidth: {
      uint32_t pitch = value * bytes_per_pixel(regs_[kBpp]);
      if (value >= regs_[kXres] && pitch && uint64_t{pitch} * regs_[kYres] <= vram_size_) {
        regs_[kVirtWidth] = value;
        regs_[kVirtHeight] = static_cast<uint16_t>(std::min<uint64_t>(vram_size_ / pitch, 0xffff));
      }
      return;
    }
    case kXOffset: regs_[kXOffset] = value; return;  // checked in scanout()
    case kYOffset: regs_[kYOffset] = value; return;
    default: return;  // VIRT_HEIGHT, VIDEO_MEMORY_64K and unknown indices are read-only
  }
}

void BochsVbe::pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext&) {
  uint16_t v;
  {
    std::lock_guard guard(mu_);
    v = port == kIndexPort ? index_ : read_locked(index_);
  }
  le_store(data, v, size < 2 ? size : 2);
}

void BochsVbe::pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext&) {
  uint16_t v = static_cast<uint16_t>(le_load(data, size < 2 ? size : 2));
  std::lock_guard guard(mu_);
  if (port == kIndexPort) index_ = v;
  else write_locked(index_, v);
}

uint16_t BochsVbe::read_register(uint16_t index) {
  std::lock_guard guard(mu_);
  return read_locked(index);
}

void BochsVbe::write_register(uint16_t index, uint16_t value) {
  std::lock_guard guard(mu_);
  write_locked(index, value);
}

VbeScanout BochsVbe::scanout() {
  std::lock_guard guard(mu_);
  VbeScanout s;
  s.width = regs_[kXres];
  s.height = regs_[kYres];
  s.bpp = regs_[kBpp];
  s.pitch = pitch_locked();
  s.dac8 = regs_[kEnable] & kDac8;
  uint32_t bpp_bytes = bytes_per_pixel(s.bpp);
  s.offset = uint64_t{regs_[kYOffset]} * s.pitch + uint64_t{regs_[kXOffset]} * bpp_bytes;
  uint64_t end = s.offset + uint64_t{s.pitch} * (s.height - 1) + uint64_t{s.width} * bpp_bytes;
  s.enabled = (regs_[kEnable] & kEnabled) && s.width && s.height && s.pitch && end <= vram_size_;
  return s;
}

}  // namespace vireo
