// PciDevice: one PCI function's type-0 configuration space (PCI Local Bus 3.0, 6.1/6.2)
// and the decoding of its BARs. A BAR is backed by one of three things:
//   - I/O ports on the PioBus           (add_io_bar)
//   - MMIO exits on the MmioBus         (add_mmio_bar)
//   - host memory mapped as a KVM slot  (add_ram_bar, set_rom: VRAM, FIFO, option ROM)
// The base class owns the ranges: whenever the guest changes COMMAND (I/O space bit 0,
// memory space bit 1), a BAR, or the expansion ROM BAR (enable bit 0), it recomputes
// where each BAR decodes and moves the range. A BAR decodes only when its command bit is
// set, its address is non-zero and the whole range lies inside the window allowed for
// its kind (below; anything else simply does not decode, which is the defined answer to
// a hostile or half-programmed BAR, e.g. the all-ones sizing pattern).
// Config space reads and writes are serialized by the device's own mutex; derived
// classes get no callbacks while it is held.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/bus.h"
#include "core/slot_mapper.h"
#include "core/status.h"

namespace vireo {

// Page-aligned anonymous host memory for RAM-backed BARs (mmap; released on destruction).
class HostPages {
 public:
  HostPages() = default;
  ~HostPages();
  HostPages(const HostPages&) = delete;
  HostPages& operator=(const HostPages&) = delete;
  Status allocate(uint64_t size);  // rounds up to 4 KiB, zero filled
  uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }

 private:
  uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
};

// What the machine lends a PCI function for its BARs.
struct PciResources {
  PioBus* pio = nullptr;
  MmioBus* mmio = nullptr;
  SlotMapper* slots = nullptr;
};

// Access to a BAR backed by bus exits; `offset` is relative to the BAR's base.
class PciBarHandler {
 public:
  virtual ~PciBarHandler() = default;
  virtual void bar_read(int bar, uint64_t offset, uint8_t* data, unsigned size, VcpuContext& vcpu) = 0;
  virtual void bar_write(int bar, uint64_t offset, const uint8_t* data, unsigned size,
                         VcpuContext& vcpu) = 0;
};

class PciDevice {
 public:
  // Config space offsets (PCI 3.0 table 6-1).
  static constexpr unsigned kVendorId = 0x00, kDeviceId = 0x02, kCommand = 0x04, kStatus = 0x06,
                            kRevision = 0x08, kClassProg = 0x09, kCacheLine = 0x0C,
                            kLatency = 0x0D, kHeaderType = 0x0E, kBar0 = 0x10,
                            kSubsysVendor = 0x2C, kSubsysId = 0x2E, kRomBar = 0x30,
                            kInterruptLine = 0x3C, kInterruptPin = 0x3D;
  static constexpr uint16_t kCmdIo = 1 << 0, kCmdMemory = 1 << 1, kCmdBusMaster = 1 << 2,
                            kCmdSerr = 1 << 8, kCmdIntxDisable = 1 << 10;
  static constexpr int kRomBarIndex = 6;  // index used for the expansion ROM in bar_* calls
  // Windows a BAR must lie in to decode: I/O [0x1000, 0x10000) (below 0x1000 are the
  // ISA legacy ports), memory [1 MiB, 0xFEC00000) (above are the IO-APIC, LAPIC and the
  // BIOS flash).
  static constexpr uint64_t kIoWindowStart = 0x1000, kIoWindowEnd = 0x10000;
  static constexpr uint64_t kMemWindowStart = 0x100000, kMemWindowEnd = 0xFEC00000;

  // class_code = (base class << 16) | (subclass << 8) | programming interface.
  PciDevice(std::string name, PciResources res, uint16_t vendor, uint16_t device,
            uint32_t class_code, uint8_t revision);
  virtual ~PciDevice();
  PciDevice(const PciDevice&) = delete;
  PciDevice& operator=(const PciDevice&) = delete;

  // Configuration cycles from PciHost. offset < 256, size 1/2/4, offset+size <= 256
  // (PciHost guarantees it); little-endian.
  uint32_t config_read(unsigned offset, unsigned size);
  void config_write(unsigned offset, unsigned size, uint32_t value);

  // VMM-side placement for guests that run no firmware: programs BAR `bar` (0-5 or
  // kRomBarIndex, for the ROM the enable bit is set too) as if the guest had written
  // `address`, then decodes. Returns an error when `address` is misaligned or outside
  // the window.
  Status assign_bar(int bar, uint32_t address);
  void set_command(uint16_t command);
  // Guest reset: config space back to what the VMM set up (IDs, BARs as placed by
  // assign_bar, COMMAND as set by set_command); guest writes are forgotten and the BARs
  // decode accordingly.
  void reset_config();

  // Current guest-physical base of a BAR as programmed (without type bits), and where it
  // decodes now (0 = not decoding).
  uint32_t bar_address(int bar) const;
  uint64_t bar_decoded_at(int bar) const;
  uint64_t bar_size(int bar) const;
  enum class BarType { kNone, kIo, kMemory };  // kMemory: MMIO or RAM-backed, 32-bit
  BarType bar_type(int bar) const;
  const std::string& name() const { return name_; }
  // Mapping changes the bus or the slot mapper refused (overlaps), cumulative.
  uint64_t mapping_failures() const;

 protected:
  // Declare BARs before the device is added to PciHost. Sizes are powers of two
  // (I/O >= 4 bytes, memory >= 4 KiB).
  Status add_io_bar(int bar, uint32_t size, PciBarHandler* handler);
  Status add_mmio_bar(int bar, uint32_t size, bool prefetchable, PciBarHandler* handler);
  Status add_ram_bar(int bar, HostPages* pages, bool prefetchable, bool log_dirty);
  // Expansion ROM: `pages` holds the image (size rounded up to a power of two >= 2 KiB
  // as the BAR size); mapped read-only.
  Status set_rom(HostPages* pages);
  void set_subsystem(uint16_t vendor, uint16_t id);
  void set_interrupt_pin(uint8_t pin);
  // Makes config bytes [offset, offset+len) read/write storage (chipset registers).
  void set_writable(unsigned offset, unsigned len);
  // KVM slot of a RAM BAR (-1 when never mapped) and its dirty pages since the last call.
  Status take_dirty(int bar, std::vector<uint64_t>* bitmap);

 private:
  enum class BarKind { kNone, kIo, kMmio, kRam };
  struct Bar;
  void decode_locked();                 // re-evaluates every BAR; caller holds mu_
  void place_locked(Bar& bar, uint64_t base);
  uint64_t wanted_base_locked(int index) const;
  uint32_t dword_locked(unsigned offset) const;

  std::string name_;
  PciResources res_;
  mutable std::mutex mu_;
  std::array<uint8_t, 256> config_{};
  std::array<uint8_t, 256> wmask_{};
  std::array<uint8_t, 256> power_on_{};  // config_ after the last VMM-side change
  std::array<std::unique_ptr<Bar>, 7> bars_;
  uint64_t mapping_failures_ = 0;
};

}  // namespace vireo
