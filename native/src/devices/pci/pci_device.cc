#include "devices/pci/pci_device.h"

#include <sys/mman.h>

#include <atomic>
#include <cerrno>

#include "core/le_bytes.h"

namespace vireo {

HostPages::~HostPages() {
  if (data_) munmap(data_, size_);
}

Status HostPages::allocate(uint64_t size) {
  if (data_ || size == 0) return Status::Error(ErrorCode::kInvalidArgument, "bad host page allocation");
  uint64_t rounded = (size + 0xfff) & ~uint64_t{0xfff};
  void* p = mmap(nullptr, rounded, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return Status::Error(ErrorCode::kHostLimit,
                         "cannot allocate " + std::to_string(rounded >> 10) + " KiB of device memory",
                         errno);
  data_ = static_cast<uint8_t*>(p);
  size_ = rounded;
  return Status::Ok();
}

// One BAR. It is itself the bus device for I/O and MMIO BARs, so removing it from a bus
// removes exactly this range and nothing else the owner registered.
struct PciDevice::Bar : PioDevice, MmioDevice {
  int index = 0;
  BarKind kind = BarKind::kNone;
  uint64_t size = 0;
  PciBarHandler* handler = nullptr;
  HostPages* pages = nullptr;
  bool log_dirty = false;
  bool read_only = false;
  int slot = -1;
  std::atomic<uint64_t> base{0};  // where it decodes now; read on vCPU threads
  std::string range_name;

  void pio_read(uint16_t port, uint8_t* data, unsigned n, VcpuContext& vcpu) override {
    handler->bar_read(index, port - base.load(std::memory_order_relaxed), data, n, vcpu);
  }
  void pio_write(uint16_t port, const uint8_t* data, unsigned n, VcpuContext& vcpu) override {
    handler->bar_write(index, port - base.load(std::memory_order_relaxed), data, n, vcpu);
  }
  void mmio_read(uint64_t addr, uint8_t* data, unsigned n, VcpuContext& vcpu) override {
    handler->bar_read(index, addr - base.load(std::memory_order_relaxed), data, n, vcpu);
  }
  void mmio_write(uint64_t addr, const uint8_t* data, unsigned n, VcpuContext& vcpu) override {
    handler->bar_write(index, addr - base.load(std::memory_order_relaxed), data, n, vcpu);
  }
};

namespace {
bool is_pow2(uint64_t v) { return v && !(v & (v - 1)); }
unsigned bar_offset(int bar) {
  return bar == PciDevice::kRomBarIndex ? PciDevice::kRomBar : PciDevice::kBar0 + 4 * bar;
}
// Writable COMMAND bits: I/O, memory, bus master, parity response, SERR, INTx disable.
constexpr uint16_t kCommandWritable = 0x0001 | 0x0002 | 0x0004 | 0x0040 | 0x0100 | 0x0400;
}  // namespace

PciDevice::PciDevice(std::string name, PciResources res, uint16_t vendor, uint16_t device,
                     uint32_t class_code, uint8_t revision)
    : name_(std::move(name)), res_(res) {
  put_le16(&config_[kVendorId], vendor);
  put_le16(&config_[kDeviceId], device);
  config_[kRevision] = revision;
  le_store(&config_[kClassProg], class_code, 3);
  config_[kHeaderType] = 0x00;  // type 0, single function
  put_le16(&wmask_[kCommand], kCommandWritable);
  wmask_[kCacheLine] = 0xff;
  wmask_[kLatency] = 0xff;
  wmask_[kInterruptLine] = 0xff;
  config_[kInterruptLine] = 0xff;  // "unknown / not connected" until firmware routes it
  for (auto& b : bars_) b = std::make_unique<Bar>();
  power_on_ = config_;
}

PciDevice::~PciDevice() {
  std::lock_guard guard(mu_);
  for (auto& b : bars_) place_locked(*b, 0);
  for (auto& b : bars_)
    if (b->slot >= 0 && res_.slots) res_.slots->unmap(b->slot);
}

uint32_t PciDevice::config_read(unsigned offset, unsigned size) {
  std::lock_guard guard(mu_);
  uint32_t v = 0;
  for (unsigned i = 0; i < size && offset + i < config_.size(); ++i)
    v |= uint32_t{config_[offset + i]} << (8 * i);
  return v;
}

void PciDevice::config_write(unsigned offset, unsigned size, uint32_t value) {
  std::lock_guard guard(mu_);
  bool decode = false;
  for (unsigned i = 0; i < size && offset + i < config_.size(); ++i) {
    unsigned o = offset + i;
    uint8_t b = static_cast<uint8_t>(value >> (8 * i));
    config_[o] = static_cast<uint8_t>((config_[o] & ~wmask_[o]) | (b & wmask_[o]));
    if ((o >= kCommand && o < kCommand + 2) || (o >= kBar0 && o < kBar0 + 24) ||
        (o >= kRomBar && o < kRomBar + 4))
      decode = true;
  }
  if (decode) decode_locked();
}

void PciDevice::reset_config() {
  std::lock_guard guard(mu_);
  config_ = power_on_;
  decode_locked();
}

uint32_t PciDevice::dword_locked(unsigned offset) const { return le32(&config_[offset]); }

uint64_t PciDevice::wanted_base_locked(int index) const {
  const Bar& bar = *bars_[index];
  if (bar.kind == BarKind::kNone) return 0;
  uint16_t cmd = le16(&config_[kCommand]);
  uint32_t raw = dword_locked(bar_offset(index));
  uint64_t base, start, end;
  if (bar.kind == BarKind::kIo) {
    if (!(cmd & kCmdIo)) return 0;
    base = raw & ~uint32_t{3};
    start = kIoWindowStart;
    end = kIoWindowEnd;
  } else {
    if (!(cmd & kCmdMemory)) return 0;
    if (index == kRomBarIndex && !(raw & 1)) return 0;
    base = raw & (index == kRomBarIndex ? ~uint32_t{0x7ff} : ~uint32_t{0xf});
    start = kMemWindowStart;
    end = kMemWindowEnd;
  }
  if (base < start || base + bar.size > end) return 0;
  return base;
}

void PciDevice::place_locked(Bar& bar, uint64_t base) {
  uint64_t cur = bar.base.load(std::memory_order_relaxed);
  if (cur == base) return;
  bool ok = true;
  switch (bar.kind) {
    case BarKind::kNone:
      return;
    case BarKind::kIo:
      if (cur) res_.pio->remove(&bar);
      if (base) ok = res_.pio->add(base, bar.size, &bar, bar.range_name).ok();
      break;
    case BarKind::kMmio:
      if (cur) res_.mmio->remove(&bar);
      if (base) ok = res_.mmio->add(base, bar.size, &bar, bar.range_name).ok();
      break;
    case BarKind::kRam:
      // The slot is allocated hidden (gpa 0) once and only moved afterwards, so a guest
      // that keeps programming refused addresses cannot use up KVM memory slots.
      if (bar.slot < 0 && !res_.slots->map(bar.pages->data(), bar.pages->size(), 0, bar.read_only,
                                           bar.log_dirty, &bar.slot).ok()) {
        bar.slot = -1;
        ok = false;
        break;
      }
      ok = res_.slots->move(bar.slot, base).ok();
      if (!ok) res_.slots->move(bar.slot, 0);
      break;
  }
  if (!ok) {
    ++mapping_failures_;
    base = 0;
  }
  bar.base.store(base, std::memory_order_relaxed);
}

void PciDevice::decode_locked() {
  for (int i = 0; i < static_cast<int>(bars_.size()); ++i) place_locked(*bars_[i], wanted_base_locked(i));
}

Status PciDevice::add_io_bar(int bar, uint32_t size, PciBarHandler* handler) {
  if (bar < 0 || bar > 5 || !is_pow2(size) || size < 4 || size > 256 || !handler || !res_.pio)
    return Status::Error(ErrorCode::kInvalidArgument, name_ + ": bad I/O BAR");
  std::lock_guard guard(mu_);
  Bar& b = *bars_[bar];
  b.index = bar;
  b.kind = BarKind::kIo;
  b.size = size;
  b.handler = handler;
  b.range_name = name_ + ".bar" + std::to_string(bar);
  unsigned off = bar_offset(bar);
  put_le32(&config_[off], 1);  // bit 0: I/O space indicator
  put_le32(&wmask_[off], ~(size - 1) & ~uint32_t{3});
  power_on_ = config_;
  return Status::Ok();
}

Status PciDevice::add_mmio_bar(int bar, uint32_t size, bool prefetchable, PciBarHandler* handler) {
  if (bar < 0 || bar > 5 || !is_pow2(size) || size < 4096 || !handler || !res_.mmio)
    return Status::Error(ErrorCode::kInvalidArgument, name_ + ": bad MMIO BAR");
  std::lock_guard guard(mu_);
  Bar& b = *bars_[bar];
  b.index = bar;
  b.kind = BarKind::kMmio;
  b.size = size;
  b.handler = handler;
  b.range_name = name_ + ".bar" + std::to_string(bar);
  unsigned off = bar_offset(bar);
  put_le32(&config_[off], prefetchable ? 0x8 : 0);  // bits 2:1 = 00: 32-bit, bit 3: prefetchable
  put_le32(&wmask_[off], ~(size - 1));
  power_on_ = config_;
  return Status::Ok();
}

Status PciDevice::add_ram_bar(int bar, HostPages* pages, bool prefetchable, bool log_dirty) {
  if (bar < 0 || bar > 5 || !pages || !is_pow2(pages->size()) || pages->size() > 0x80000000u ||
      !res_.slots)
    return Status::Error(ErrorCode::kInvalidArgument, name_ + ": bad RAM BAR");
  std::lock_guard guard(mu_);
  Bar& b = *bars_[bar];
  b.index = bar;
  b.kind = BarKind::kRam;
  b.size = pages->size();
  b.pages = pages;
  b.log_dirty = log_dirty;
  unsigned off = bar_offset(bar);
  put_le32(&config_[off], prefetchable ? 0x8 : 0);
  put_le32(&wmask_[off], ~static_cast<uint32_t>(b.size - 1));
  power_on_ = config_;
  return Status::Ok();
}

Status PciDevice::set_rom(HostPages* pages) {
  if (!pages || !is_pow2(pages->size()) || pages->size() > 16u << 20 || !res_.slots)
    return Status::Error(ErrorCode::kInvalidArgument, name_ + ": bad expansion ROM");
  std::lock_guard guard(mu_);
  Bar& b = *bars_[kRomBarIndex];
  b.index = kRomBarIndex;
  b.kind = BarKind::kRam;
  b.size = pages->size();
  b.pages = pages;
  b.read_only = true;
  // Bits 31:11 address (low ones fixed 0 below the size), bit 0 enable.
  put_le32(&wmask_[kRomBar], (~static_cast<uint32_t>(b.size - 1) & ~uint32_t{0x7ff}) | 1);
  power_on_ = config_;
  return Status::Ok();
}

void PciDevice::set_subsystem(uint16_t vendor, uint16_t id) {
  std::lock_guard guard(mu_);
  put_le16(&config_[kSubsysVendor], vendor);
  put_le16(&config_[kSubsysId], id);
  power_on_ = config_;
}

void PciDevice::set_interrupt_pin(uint8_t pin) {
  std::lock_guard guard(mu_);
  config_[kInterruptPin] = pin;
  power_on_ = config_;
}

void PciDevice::set_writable(unsigned offset, unsigned len) {
  std::lock_guard guard(mu_);
  for (unsigned i = offset; i < offset + len && i < wmask_.size(); ++i) wmask_[i] = 0xff;
}

Status PciDevice::assign_bar(int bar, uint32_t address) {
  if (bar < 0 || bar >= static_cast<int>(bars_.size()))
    return Status::Error(ErrorCode::kInvalidArgument, name_ + ": no such BAR");
  std::lock_guard guard(mu_);
  Bar& b = *bars_[bar];
  bool io = b.kind == BarKind::kIo;
  uint64_t start = io ? kIoWindowStart : kMemWindowStart, end = io ? kIoWindowEnd : kMemWindowEnd;
  if (b.kind == BarKind::kNone || (address & (b.size - 1)) || address < start ||
      address + b.size > end)
    return Status::Error(ErrorCode::kInvalidArgument, name_ + ": BAR address out of window");
  unsigned off = bar_offset(bar);
  // Keep the read-only type bits below the size; replace the address bits.
  uint32_t type_bits = dword_locked(off) & static_cast<uint32_t>(b.size - 1);
  put_le32(&config_[off], address | type_bits | (bar == kRomBarIndex ? 1u : 0u));
  decode_locked();
  power_on_ = config_;
  return Status::Ok();
}

void PciDevice::set_command(uint16_t command) {
  std::lock_guard guard(mu_);
  put_le16(&config_[kCommand], command & kCommandWritable);
  decode_locked();
  power_on_ = config_;
}

uint32_t PciDevice::bar_address(int bar) const {
  if (bar < 0 || bar >= static_cast<int>(bars_.size())) return 0;
  std::lock_guard guard(mu_);
  if (bars_[bar]->kind == BarKind::kNone) return 0;
  uint32_t raw = dword_locked(bar_offset(bar));
  return raw & ~static_cast<uint32_t>(bars_[bar]->size - 1);
}

uint64_t PciDevice::bar_decoded_at(int bar) const {
  if (bar < 0 || bar >= static_cast<int>(bars_.size())) return 0;
  return bars_[bar]->base.load(std::memory_order_relaxed);
}

uint64_t PciDevice::bar_size(int bar) const {
  if (bar < 0 || bar >= static_cast<int>(bars_.size())) return 0;
  std::lock_guard guard(mu_);
  return bars_[bar]->size;
}

PciDevice::BarType PciDevice::bar_type(int bar) const {
  if (bar < 0 || bar >= static_cast<int>(bars_.size())) return BarType::kNone;
  std::lock_guard guard(mu_);
  switch (bars_[bar]->kind) {
    case BarKind::kNone: return BarType::kNone;
    case BarKind::kIo: return BarType::kIo;
    default: return BarType::kMemory;
  }
}

uint64_t PciDevice::mapping_failures() const {
  std::lock_guard guard(mu_);
  return mapping_failures_;
}

Status PciDevice::take_dirty(int bar, std::vector<uint64_t>* bitmap) {
  bitmap->clear();
  if (bar < 0 || bar >= static_cast<int>(bars_.size()))
    return Status::Error(ErrorCode::kInvalidArgument, name_ + ": no such BAR");
  int slot;
  {
    std::lock_guard guard(mu_);
    const Bar& b = *bars_[bar];
    if (b.kind != BarKind::kRam || !b.log_dirty || b.slot < 0) return Status::Ok();
    slot = b.slot;
  }
  return res_.slots->take_dirty(slot, bitmap);
}

}  // namespace vireo
