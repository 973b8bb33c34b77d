#include "devices/virtio/virtio_pci.h"

#include <cstring>

#include "core/le_bytes.h"

namespace vireo {

namespace {

// virtio_pci_cap.cfg_type (virtio 1.0 4.1.4)
constexpr uint8_t kCapCommon = 1, kCapNotify = 2, kCapIsr = 3, kCapDevice = 4;
constexpr unsigned kCommonSize = 0x38;
constexpr uint16_t kNoVector = 0xFFFF;
// Common configuration field offsets (virtio 1.0 4.1.4.3).
constexpr unsigned kDfSelect = 0x00, kDf = 0x04, kGfSelect = 0x08, kGf = 0x0C, kMsix = 0x10,
                   kNumQueues = 0x12, kDeviceStatus = 0x14, kGeneration = 0x15, kQSelect = 0x16,
                   kQSize = 0x18, kQMsix = 0x1A, kQEnable = 0x1C, kQNotifyOff = 0x1E,
                   kQDesc = 0x20, kQAvail = 0x28, kQUsed = 0x30;



}  // namespace

VirtioPci::VirtioPci(std::string name, PciResources res, uint16_t device_type,
                     uint32_t class_code, IrqLine& irq, uint8_t irq_line, VirtioDeviceModel& model)
    : PciDevice(std::move(name), res, 0x1AF4, static_cast<uint16_t>(0x1040 + device_type),
                class_code, 0x01),
      irq_(irq),
      model_(model) {
  for (unsigned q = 0; q < model.num_queues(); ++q)
    queues_.push_back(std::make_unique<VirtQueue>(model.queue_max_size()));
  add_mmio_bar(0, kBarSize, false, this);
  set_subsystem(0x1AF4, device_type);
  // Capability list at 0x40: common, notify (20 bytes: + notify_off_multiplier), ISR,
  // device. Each: cap_vndr 09h, cap_next, cap_len, cfg_type, bar, 3 pad, offset, length.
  struct Cap {
    uint8_t at, type, len;
    uint32_t offset, length;
  };
  const Cap caps[] = {{0x40, kCapCommon, 16, kCommonOffset, kCommonSize},
                      {0x50, kCapNotify, 20, kNotifyOffset, kNotifyMultiplier * model.num_queues()},
                      {0x64, kCapIsr, 16, kIsrOffset, 1},
                      {0x74, kCapDevice, 16, kDeviceOffset, 0x1000}};
  set_writable(0x06, 1);  // STATUS low byte: bit 4 = capabilities list
  set_writable(0x34, 1);
  set_writable(0x40, 0x44);
  config_write(0x06, 1, 0x10);
  config_write(0x34, 1, 0x40);
  for (size_t i = 0; i < sizeof caps / sizeof caps[0]; ++i) {
    const Cap& c = caps[i];
    uint8_t next = i + 1 < sizeof caps / sizeof caps[0] ? caps[i + 1].at : 0;
    config_write(c.at, 4, 0x09u | uint32_t{next} << 8 | uint32_t{c.len} << 16 | uint32_t{c.type} << 24);
    config_write(c.at + 4, 4, 0);  // bar 0, padding
    config_write(c.at + 8, 4, c.offset);
    config_write(c.at + 12, 4, c.length);
    if (c.type == kCapNotify) config_write(c.at + 16, 4, kNotifyMultiplier);
  }
  config_write(kInterruptLine, 1, irq_line);
  set_interrupt_pin(1);  // INTA#; also records the bytes above as the power-on state
}

void VirtioPci::reset() {
  std::lock_guard guard(mu_);
  reset_locked();
}

uint8_t VirtioPci::device_status() {
  std::lock_guard guard(mu_);
  return status_;
}

uint64_t VirtioPci::driver_features() {
  std::lock_guard guard(mu_);
  return driver_features_;
}

void VirtioPci::reset_locked() {
  for (auto& q : queues_) q->reset();
  device_feature_select_ = driver_feature_select_ = 0;
  driver_features_ = 0;
  status_ = 0;
  queue_select_ = 0;
  isr_ = 0;
  model_.reset();
  update_irq_locked();
}

void VirtioPci::update_irq_locked() {
  bool level = isr_ && !(config_read(kCommand, 2) & kCmdIntxDisable);
  if (level != line_) {
    line_ = level;
    irq_.set_level(level);
  }
}

VirtQueue* VirtioPci::selected_queue() {
  return queue_select_ < queues_.size() ? queues_[queue_select_].get() : nullptr;
}

void VirtioPci::common_bytes(uint8_t* b) {
  memset(b, 0, kCommonSize);
  uint64_t offered = model_.features();
  le_store(b + kDfSelect, device_feature_select_, 4);
  le_store(b + kDf, device_feature_select_ < 2 ? offered >> (32 * device_feature_select_) : 0, 4);
  le_store(b + kGfSelect, driver_feature_select_, 4);
  le_store(b + kGf, driver_feature_select_ < 2 ? driver_features_ >> (32 * driver_feature_select_) : 0, 4);
  le_store(b + kMsix, kNoVector, 2);
  le_store(b + kNumQueues, queues_.size(), 2);
  b[kDeviceStatus] = status_;
  b[kGeneration] = config_generation_;
  le_store(b + kQSelect, queue_select_, 2);
  le_store(b + kQMsix, kNoVector, 2);
  if (VirtQueue* q = selected_queue()) {
    le_store(b + kQSize, q->size(), 2);
    le_store(b + kQEnable, q->enabled() ? 1 : 0, 2);
    le_store(b + kQNotifyOff, queue_select_, 2);
    le_store(b + kQDesc, q->desc, 8);
    le_store(b + kQAvail, q->avail, 8);
    le_store(b + kQUsed, q->used, 8);
  }
}

void VirtioPci::common_write(uint64_t offset, const uint8_t* data, unsigned size) {
  uint8_t b[kCommonSize];
  common_bytes(b);
  for (unsigned i = 0; i < size && offset + i < kCommonSize; ++i) b[offset + i] = data[i];
  auto touched = [&](unsigned field, unsigned n) { return offset < field + n && field < offset + size; };
  if (touched(kDfSelect, 4)) device_feature_select_ = static_cast<uint32_t>(le_load(b + kDfSelect, 4));
  if (touched(kGfSelect, 4)) driver_feature_select_ = static_cast<uint32_t>(le_load(b + kGfSelect, 4));
  if (touched(kGf, 4) && driver_feature_select_ < 2 && !(status_ & kStatusFeaturesOk)) {
    unsigned shift = 32 * driver_feature_select_;
    driver_features_ = (driver_features_ & ~(0xFFFFFFFFull << shift)) | le_load(b + kGf, 4) << shift;
  }
  if (touched(kQSelect, 2)) queue_select_ = static_cast<uint16_t>(le_load(b + kQSelect, 2));
  VirtQueue* q = selected_queue();
  if (q && !q->enabled()) {
    if (touched(kQSize, 2)) q->set_size(static_cast<uint16_t>(le_load(b + kQSize, 2)));  // invalid: ignored
    if (touched(kQDesc, 8)) q->desc = le_load(b + kQDesc, 8);
    if (touched(kQAvail, 8)) q->avail = le_load(b + kQAvail, 8);
    if (touched(kQUsed, 8)) q->used = le_load(b + kQUsed, 8);
    if (touched(kQEnable, 2) && le_load(b + kQEnable, 2) == 1) q->enable();  // misaligned: stays 0
  }
  if (touched(kDeviceStatus, 1)) {
    uint8_t v = b[kDeviceStatus];
    if (!v) {
      reset_locked();
      return;
    }
    // FEATURES_OK only sticks for a subset of the offered features that includes
    // VERSION_1 (no legacy interface); the driver reads it back (3.1.1 step 6).
    uint64_t offered = model_.features();
    if ((v & kStatusFeaturesOk) && !(status_ & kStatusFeaturesOk) &&
        ((driver_features_ & ~offered) || !(driver_features_ & kFeatureVersion1)))
      v &= static_cast<uint8_t>(~kStatusFeaturesOk);
    status_ = static_cast<uint8_t>(v | (status_ & kStatusNeedsReset));
  }
}

void VirtioPci::notify(unsigned q, const GuestMemory& mem) {
  if (q >= queues_.size() || !(status_ & kStatusDriverOk) || (status_ & kStatusNeedsReset) ||
      !(config_read(kCommand, 2) & kCmdBusMaster))
    return;
  VirtQueue& queue = *queues_[q];
  bool used = model_.process(q, queue, mem);
  if (queue.broken()) {
    status_ |= kStatusNeedsReset;
    isr_ |= 2;
  }
  if (used && !queue.interrupt_suppressed(mem)) isr_ |= 1;
  update_irq_locked();
}

void VirtioPci::bar_read(int, uint64_t offset, uint8_t* data, unsigned size, VcpuContext&) {
  std::lock_guard guard(mu_);
  memset(data, 0, size);
  if (offset < kCommonSize) {
    uint8_t b[kCommonSize];
    common_bytes(b);
    for (unsigned i = 0; i < size && offset + i < kCommonSize; ++i) data[i] = b[offset + i];
  } else if (offset == kIsrOffset) {
    data[0] = isr_;  // read-to-clear (4.1.4.5)
    isr_ = 0;
    update_irq_locked();
  } else if (offset >= kDeviceOffset && offset < kNotifyOffset) {
    model_.config_read(offset - kDeviceOffset, data, size);
  }
}

void VirtioPci::bar_write(int, uint64_t offset, const uint8_t* data, unsigned size, VcpuContext& vcpu) {
  std::lock_guard guard(mu_);
  if (offset < kCommonSize) {
    common_write(offset, data, size);
  } else if (offset >= kNotifyOffset && offset < kBarSize) {
    notify(static_cast<unsigned>((offset - kNotifyOffset) / kNotifyMultiplier), vcpu.memory());
  } else if (offset >= kDeviceOffset && offset < kNotifyOffset) {
    model_.config_write(offset - kDeviceOffset, data, size);
  }
}

}  // namespace vireo
