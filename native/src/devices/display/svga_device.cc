#include "devices/display/svga_device.h"

#include <algorithm>
#include <cstring>

#include "core/le_bytes.h"
#include "devices/display/svga_regs.h"

namespace vireo {

using namespace svga;

namespace {
constexpr uint32_t kCapabilities = kCapRectFill | kCapRectCopy | kCapCursor | kCapCursorBypass |
                                   kCapCursorBypass2 | kCap8BitEmulation | kCapAlphaCursor |
                                   kCapExtendedFifo | kCapPitchlock;
constexpr uint32_t kFifoCaps = kFifoCapFence | kFifoCapReserve;
bool is_pow2(uint64_t v) { return v && !(v & (v - 1)); }
void mark_pages(std::vector<uint64_t>* bitmap, uint64_t offset, uint64_t len) {
  for (uint64_t page = offset >> 12; page <= (offset + len - 1) >> 12; ++page) {
    if (bitmap->size() <= page / 64) bitmap->resize(page / 64 + 1, 0);
    (*bitmap)[page / 64] |= uint64_t{1} << (page % 64);
  }
}
}  // namespace

SvgaDevice::SvgaDevice(PciResources res)
    : PciDevice("svga", res, kPciVendor, kPciDevice, 0x030000, 0) {
  set_subsystem(kPciVendor, kPciDevice);
  set_interrupt_pin(0);  // no IRQ: IRQMASK is not advertised, vmwgfx polls
}

Status SvgaDevice::init(const SvgaConfig& config) {
  if (!is_pow2(config.vram_size) || config.vram_size < (4u << 20) || config.vram_size > (1u << 30) ||
      !is_pow2(config.fifo_size) || config.fifo_size < (64u << 10) || config.fifo_size > (2u << 20) ||
      config.max_width == 0 || config.max_height == 0 || config.max_width > 8192 ||
      config.max_height > 8192 ||
      uint64_t{config.max_width} * config.max_height * 4 > config.vram_size ||
      config.boot_width == 0 || config.boot_width > config.max_width || config.boot_height == 0 ||
      config.boot_height > config.max_height || config.option_rom.size() > (1u << 20))
    return Status::Error(ErrorCode::kInvalidArgument, "invalid SVGA configuration");
  config_ = config;
  Status s = vram_.allocate(config.vram_size);
  if (s.ok()) s = fifo_mem_.allocate(config.fifo_size);
  if (s.ok()) s = add_io_bar(kIoBar, kIoBarSize, this);
  if (s.ok()) s = add_ram_bar(kVramBar, &vram_, true, true);
  if (s.ok()) s = add_ram_bar(kFifoBar, &fifo_mem_, true, false);
  if (s.ok() && !config.option_rom.empty()) {
    uint64_t rom_size = 4096;
    while (rom_size < config.option_rom.size()) rom_size <<= 1;
    s = rom_.allocate(rom_size);
    if (s.ok()) {
      std::memcpy(rom_.data(), config.option_rom.data(), config.option_rom.size());
      s = set_rom(&rom_);
    }
  }
  if (!s.ok()) return s;
  fifo_ = std::make_unique<SvgaFifo>(fifo_mem_.data(), config.fifo_size);
  std::lock_guard guard(mu_);
  width_ = config.boot_width;
  height_ = config.boot_height;
  return Status::Ok();
}

void SvgaDevice::reset() {
  reset_config();
  std::lock_guard guard(mu_);
  index_ = 0;
  id_ = kId2;
  enable_ = config_done_ = guest_id_ = irq_mask_ = traces_ = cursor_id_ = pitchlock_ = 0;
  width_ = config_.boot_width;
  height_ = config_.boot_height;
  bpp_ = 32;
  std::fill(std::begin(display_regs_), std::end(display_regs_), 0);
  std::fill(std::begin(palette_), std::end(palette_), 0);
  std::fill(std::begin(scratch_), std::end(scratch_), 0);
  cursor_ = SvgaCursorState{};
  damage_.clear();
  fifo_pending_ = false;
  if (fifo_mem_.data()) {
    std::memset(fifo_mem_.data(), 0, fifo_mem_.size());
    fifo_ = std::make_unique<SvgaFifo>(fifo_mem_.data(), static_cast<uint32_t>(fifo_mem_.size()));
  }
}

SvgaScanout SvgaDevice::scanout_locked() const {
  SvgaScanout s;
  s.width = width_;
  s.height = height_;
  s.bpp = bpp_;
  uint64_t row = uint64_t{width_} * (bpp_ / 8);
  s.pitch = pitchlock_ ? pitchlock_ : static_cast<uint32_t>(row);
  s.valid = width_ && height_ && s.pitch >= row && uint64_t{s.pitch} * height_ <= vram_.size();
  s.shown = s.valid && (enable_ & kEnableOn) && !(enable_ & kEnableHide);
  return s;
}

uint32_t SvgaDevice::read_locked(uint32_t index) {
  switch (index) {
    case kRegId: return id_;
    case kRegEnable: return enable_;
    case kRegWidth: return width_;
    case kRegHeight: return height_;
    case kRegMaxWidth: return config_.max_width;
    case kRegMaxHeight: return config_.max_height;
    case kRegDepth: return bpp_ == 8 ? 8 : 24;
    case kRegBitsPerPixel: return bpp_;
    case kRegHostBitsPerPixel: return 32;
    case kRegPseudocolor: return bpp_ == 8;
    case kRegRedMask: return bpp_ == 8 ? 0 : 0x00ff0000;
    case kRegGreenMask: return bpp_ == 8 ? 0 : 0x0000ff00;
    case kRegBlueMask: return bpp_ == 8 ? 0 : 0x000000ff;
    case kRegBytesPerLine: return scanout_locked().pitch;
    case kRegFbStart: return bar_address(kVramBar);
    case kRegFbOffset: return 0;
    case kRegVramSize: return static_cast<uint32_t>(vram_.size());
    case kRegFbSize: {
      SvgaScanout s = scanout_locked();
      return static_cast<uint32_t>(std::min<uint64_t>(uint64_t{s.pitch} * s.height, vram_.size()));
    }
    case kRegCapabilities: return kCapabilities;
    case kRegMemStart: return bar_address(kFifoBar);
    case kRegMemSize: return static_cast<uint32_t>(fifo_mem_.size());
    case kRegConfigDone: return config_done_;
    case kRegSync: return 0;
    case kRegBusy:  // vmwgfx polls this until 0: each read drains one budget more
      drain_locked();
      return fifo_pending_ ? 1 : 0;
    case kRegGuestId: return guest_id_;
    case kRegCursorId: return cursor_id_;
    case kRegCursorX: return cursor_.x;
    case kRegCursorY: return cursor_.y;
    case kRegCursorOn: return cursor_.visible;
    case kRegScratchSize: return kScratchSize;
    case kRegMemRegs: return kFifoNumRegs;
    case kRegNumDisplays: return 1;
    case kRegPitchlock: return pitchlock_;
    case kRegIrqMask: return irq_mask_;
    case kRegTraces: return traces_;
    default: break;
  }
  if (index >= kRegNumGuestDisplays && index <= kRegDisplayHeight)
    return display_regs_[index - kRegNumGuestDisplays];
  if (index >= kPaletteBase && index < kPaletteBase + 768) return palette_[index - kPaletteBase];
  if (index >= kScratchBase && index < kScratchBase + kScratchSize) return scratch_[index - kScratchBase];
  ++unknown_registers_;
  return 0;
}

void SvgaDevice::write_locked(uint32_t index, uint32_t value) {
  switch (index) {
    case kRegId:
      if (value == kId0 || value == kId1 || value == kId2) id_ = value;
      return;
    case kRegEnable: enable_ = value & (kEnableOn | kEnableHide); return;
    case kRegWidth:  // latched; the host applies the mode lazily on its next frame
      if (value >= 1 && value <= config_.max_width) width_ = value;
      return;
    case kRegHeight:
      if (value >= 1 && value <= config_.max_height) height_ = value;
      return;
    case kRegBitsPerPixel:  // writable only because 8BIT_EMULATION is advertised
      if (value == 8 || value == 32) bpp_ = value;
      return;
    case kRegConfigDone:
      config_done_ = value;
      if (value) {
        fifo_->configure(kFifoCaps);
        drain_locked();
      }
      return;
    case kRegSync: drain_locked(); return;
    case kRegGuestId: guest_id_ = value; return;
    case kRegCursorId: cursor_id_ = value; return;
    case kRegCursorX: cursor_.x = value; return;
    case kRegCursorY: cursor_.y = value; return;
    case kRegCursorOn:  // SVGA_CURSOR_ON_HIDE 0, SHOW 1, REMOVE_FROM_FB 2, RESTORE_TO_FB 3
      cursor_.visible = value == 1 || value == 3;
      return;
    case kRegPitchlock: pitchlock_ = value; return;  // checked against VRAM in scanout_locked
    case kRegIrqMask: irq_mask_ = value; return;
    case kRegTraces: traces_ = value; return;
    default: break;
  }
  if (index >= kRegNumGuestDisplays && index <= kRegDisplayHeight) {
    display_regs_[index - kRegNumGuestDisplays] = value;
  } else if (index >= kPaletteBase && index < kPaletteBase + 768) {
    palette_[index - kPaletteBase] = static_cast<uint8_t>(value);
  } else if (index >= kScratchBase && index < kScratchBase + kScratchSize) {
    scratch_[index - kScratchBase] = value;
  } else {
    ++unknown_registers_;  // read-only registers and unknown indices: write ignored
  }
}

void SvgaDevice::bar_read(int bar, uint64_t offset, uint8_t* data, unsigned size, VcpuContext&) {
  if (bar != kIoBar) return;
  uint32_t v = 0;
  {
    std::lock_guard guard(mu_);
    if (offset == kIndexPort) v = index_;
    else if (offset == kValuePort) v = read_locked(index_);
  }
  // BIOS and IRQ status ports and the rest of the BAR read 0.
  le_store(data, v, size < 4 ? size : 4);
}

void SvgaDevice::bar_write(int bar, uint64_t offset, const uint8_t* data, unsigned size,
                           VcpuContext&) {
  if (bar != kIoBar) return;
  uint32_t v = static_cast<uint32_t>(le_load(data, size < 4 ? size : 4));
  std::lock_guard guard(mu_);
  if (offset == kIndexPort) index_ = v;
  else if (offset == kValuePort) write_locked(index_, v);
}

uint32_t SvgaDevice::read_register(uint32_t index) {
  std::lock_guard guard(mu_);
  return read_locked(index);
}

void SvgaDevice::write_register(uint32_t index, uint32_t value) {
  std::lock_guard guard(mu_);
  write_locked(index, value);
}

void SvgaDevice::drain_locked() {
  fifo_pending_ = config_done_ && fifo_ && fifo_->drain(*this, kDrainBudget).more;
}

bool SvgaDevice::drain_fifo() {
  std::lock_guard guard(mu_);
  drain_locked();
  return fifo_pending_;
}

SvgaScanout SvgaDevice::scanout() {
  std::lock_guard guard(mu_);
  return scanout_locked();
}

std::vector<DisplayRect> SvgaDevice::take_damage() {
  std::lock_guard guard(mu_);
  return damage_.take();
}

Status SvgaDevice::take_vram_dirty_pages(std::vector<uint64_t>* bitmap) {
  Status s = take_dirty(kVramBar, bitmap);
  std::lock_guard guard(mu_);
  if (bitmap->size() < host_dirty_.size()) bitmap->resize(host_dirty_.size(), 0);
  for (size_t i = 0; i < host_dirty_.size(); ++i) (*bitmap)[i] |= host_dirty_[i];
  host_dirty_.clear();
  return s;
}

bool SvgaDevice::host_write_vram(uint64_t offset, const void* data, uint64_t len) {
  if (len == 0 || offset > vram_.size() || len > vram_.size() - offset) return false;
  std::memcpy(vram_.data() + offset, data, len);
  std::lock_guard guard(mu_);
  mark_pages(&host_dirty_, offset, len);
  return true;
}

bool SvgaDevice::cursor(uint64_t known_generation, SvgaCursorState* out) {
  std::lock_guard guard(mu_);
  out->visible = cursor_.visible;
  out->x = cursor_.x;
  out->y = cursor_.y;
  if (cursor_.generation == known_generation) return false;
  out->generation = cursor_.generation;
  out->image = cursor_.image;
  return true;
}

uint32_t SvgaDevice::palette_rgb(uint8_t index) {
  std::lock_guard guard(mu_);
  return palette_color(index);
}

uint32_t SvgaDevice::palette_color(uint8_t index) {
  const uint8_t* p = &palette_[index * 3];
  return uint32_t{p[0]} << 16 | uint32_t{p[1]} << 8 | p[2];
}

SvgaFifoStats SvgaDevice::fifo_stats() {
  std::lock_guard guard(mu_);
  return fifo_ ? fifo_->stats() : SvgaFifoStats{};
}

uint64_t SvgaDevice::unknown_registers() {
  std::lock_guard guard(mu_);
  return unknown_registers_;
}

// --- FIFO commands (mu_ held by drain_locked) ---

void SvgaDevice::cmd_update(uint32_t x, uint32_t y, uint32_t w, uint32_t h) {
  SvgaScanout s = scanout_locked();
  DisplayRect r;
  if (s.valid && clip_rect(x, y, w, h, s.width, s.height, &r)) damage_.add(r);
}

void SvgaDevice::cmd_rect_fill(uint32_t color, uint32_t x, uint32_t y, uint32_t w, uint32_t h) {
  SvgaScanout s = scanout_locked();
  DisplayRect r;
  if (!s.valid || !clip_rect(x, y, w, h, s.width, s.height, &r)) {
    ++rejected_draws_;
    return;
  }
  if (s.bpp == 8) {
    for (uint32_t row = r.y; row < r.y + r.h; ++row)
      std::memset(vram_.data() + uint64_t{row} * s.pitch + r.x, static_cast<int>(color & 0xff), r.w);
    damage_.add(r);
    return;
  }
  // 32 bpp: the first row by doubling copies, then row copies (rows never overlap: the
  // pitch holds the width). Byte copies throughout: a guest PITCHLOCK need not be a
  // multiple of 4, so a row may start at any byte and a uint32_t store would be misaligned.
  const size_t row_bytes = size_t{r.w} * 4;
  uint8_t* first = vram_.data() + uint64_t{r.y} * s.pitch + uint64_t{r.x} * 4;
  std::memcpy(first, &color, 4);
  for (size_t filled = 4; filled < row_bytes;) {
    const size_t n = std::min(filled, row_bytes - filled);
    std::memcpy(first + filled, first, n);
    filled += n;
  }
  for (uint32_t row = 1; row < r.h; ++row) std::memcpy(first + uint64_t{row} * s.pitch, first, row_bytes);
  damage_.add(r);
}

// Both rectangles must lie fully on the screen; otherwise the copy is refused (counted).
void SvgaDevice::cmd_rect_copy(uint32_t sx, uint32_t sy, uint32_t dx, uint32_t dy, uint32_t w,
                               uint32_t h) {
  SvgaScanout s = scanout_locked();
  if (!s.valid || w == 0 || h == 0 || uint64_t{sx} + w > s.width || uint64_t{dx} + w > s.width ||
      uint64_t{sy} + h > s.height || uint64_t{dy} + h > s.height) {
    ++rejected_draws_;
    return;
  }
  const uint32_t bpp_bytes = s.bpp / 8;
  const size_t row_bytes = size_t{w} * bpp_bytes;
  // Walk rows in the direction that does not overwrite unread source rows.
  for (uint32_t i = 0; i < h; ++i) {
    uint32_t k = dy > sy ? h - 1 - i : i;
    uint8_t* dst = vram_.data() + uint64_t{dy + k} * s.pitch + uint64_t{dx} * bpp_bytes;
    const uint8_t* src = vram_.data() + uint64_t{sy + k} * s.pitch + uint64_t{sx} * bpp_bytes;
    std::memmove(dst, src, row_bytes);
  }
  damage_.add(DisplayRect{dx, dy, w, h});
}

void SvgaDevice::cmd_cursor(SvgaCursorImage&& image) {
  cursor_.image = std::move(image);
  ++cursor_.generation;
}

}  // namespace vireo
