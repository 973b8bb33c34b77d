#include "devices/pci/pci_host.h"

#include <map>

#include "check.h"
#include "fake_vcpu.h"

using namespace vireo;

namespace {

// Records the slots a device maps; refuses overlapping placements like KVM would.
struct FakeSlots : SlotMapper {
  struct Slot {
    uint8_t* host;
    uint64_t size, gpa;
    bool read_only, log_dirty;
  };
  std::map<int, Slot> slots;
  int next = 10;
  int calls = 0;
  bool overlaps(int self, uint64_t gpa, uint64_t size) {
    for (auto& [id, s] : slots)
      if (id != self && s.gpa && gpa < s.gpa + s.size && s.gpa < gpa + size) return true;
    return false;
  }
  Status map(uint8_t* host, uint64_t size, uint64_t gpa, bool ro, bool ld, int* slot) override {
    ++calls;
    if (gpa && overlaps(-1, gpa, size)) return Status::Error(ErrorCode::kInvalidArgument, "overlap");
    *slot = next++;
    slots[*slot] = {host, size, gpa, ro, ld};
    return Status::Ok();
  }
  Status move(int slot, uint64_t gpa) override {
    ++calls;
    if (gpa && overlaps(slot, gpa, slots.at(slot).size))
      return Status::Error(ErrorCode::kInvalidArgument, "overlap");
    slots.at(slot).gpa = gpa;
    return Status::Ok();
  }
  void unmap(int slot) override { slots.erase(slot); }
  Status take_dirty(int, std::vector<uint64_t>* bitmap) override {
    bitmap->assign(1, 0x5);
    return Status::Ok();
  }
};

struct Handler : PciBarHandler {
  int bar = -1;
  uint64_t offset = 0;
  void bar_read(int b, uint64_t off, uint8_t* data, unsigned, VcpuContext&) override {
    bar = b;
    offset = off;
    data[0] = 0x5a;
  }
  void bar_write(int b, uint64_t off, const uint8_t*, unsigned, VcpuContext&) override {
    bar = b;
    offset = off;
  }
};

// A function with an I/O BAR0 (32 bytes), a prefetchable RAM BAR1 (64 KiB), an MMIO
// BAR2 (4 KiB) and a 4 KiB ROM.
struct TestDevice : PciDevice {
  HostPages ram, rom;
  Handler handler;
  explicit TestDevice(PciResources r) : PciDevice("test", r, 0x1234, 0x5678, 0x030000, 1) {
    ram.allocate(0x10000);
    rom.allocate(0x1000);
    CHECK(add_io_bar(0, 32, &handler).ok());
    CHECK(add_ram_bar(1, &ram, true, true).ok());
    CHECK(add_mmio_bar(2, 0x1000, false, &handler).ok());
    CHECK(set_rom(&rom).ok());
    set_subsystem(0x1af4, 0x1100);
    set_interrupt_pin(1);
  }
  using PciDevice::take_dirty;
};

struct Rig {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  PioBus pio;
  MmioBus mmio;
  FakeSlots slots;
  PciHost host;
  PciResources res{&pio, &mmio, &slots};

  Rig() { CHECK(pio.add(PciHost::kPortBase, PciHost::kPortCount, &host, "pci").ok()); }
  void outl(uint16_t port, uint32_t v) {
    uint8_t b[4] = {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)};
    pio.write(port, b, 4, vcpu);
  }
  uint32_t in(uint16_t port, unsigned size) {
    uint8_t b[4];
    pio.read(port, b, size, vcpu);
    uint32_t v = 0;
    for (unsigned i = 0; i < size; ++i) v |= uint32_t{b[i]} << (8 * i);
    return v;
  }
  void out(uint16_t port, uint32_t v, unsigned size) {
    uint8_t b[4] = {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)};
    pio.write(port, b, size, vcpu);
  }
  uint32_t cfg_read(unsigned slot, unsigned reg, unsigned size) {
    outl(0xcf8, 0x80000000u | slot << 11 | (reg & 0xfc));
    return in(static_cast<uint16_t>(0xcfc + (reg & 3)), size);
  }
  void cfg_write(unsigned slot, unsigned reg, uint32_t v, unsigned size) {
    outl(0xcf8, 0x80000000u | slot << 11 | (reg & 0xfc));
    out(static_cast<uint16_t>(0xcfc + (reg & 3)), v, size);
  }
};

}  // namespace

TEST(pci_latch_and_absent_functions) {
  Rig rig;
  PciHostBridge bridge(rig.res);
  CHECK(rig.host.add_device(0, &bridge).ok());
  CHECK(!rig.host.add_device(0, &bridge).ok());
  rig.outl(0xcf8, 0x80000000u);
  CHECK_EQ(rig.in(0xcf8, 4), 0x80000000u);  // Linux's pci_check_type1 read-back
  rig.out(0xcfb, 0x01, 1);                      // byte write merges into the latch
  CHECK_EQ(rig.in(0xcf8, 4), 0x01000000u);
  CHECK_EQ(rig.in(0xcfc, 4), 0xffffffffu);  // enable bit clear
  CHECK_EQ(rig.cfg_read(0, 0, 4), 0x12378086u);
  CHECK_EQ(rig.cfg_read(0, 0x0a, 2), 0x0600u);
  CHECK_EQ(rig.cfg_read(3, 0, 4), 0xffffffffu);   // empty slot
  rig.outl(0xcf8, 0x80000100u);                    // function 1
  CHECK_EQ(rig.in(0xcfc, 2), 0xffffu);
  rig.outl(0xcf8, 0x80010000u);                    // bus 1
  CHECK_EQ(rig.in(0xcfc, 4), 0xffffffffu);
  // Chipset registers (PAM) store writes; IDs are read-only.
  rig.cfg_write(0, 0x59, 0x30, 1);
  CHECK_EQ(rig.cfg_read(0, 0x59, 1), 0x30u);
  rig.cfg_write(0, 0x00, 0xffffffff, 4);
  CHECK_EQ(rig.cfg_read(0, 0, 4), 0x12378086u);
}

TEST(pci_byte_word_access_and_readonly_fields) {
  Rig rig;
  TestDevice dev(rig.res);
  CHECK(rig.host.add_device(2, &dev).ok());
  CHECK_EQ(rig.cfg_read(2, 0x02, 2), 0x5678u);
  CHECK_EQ(rig.cfg_read(2, 0x01, 1), 0x12u);
  CHECK_EQ(rig.cfg_read(2, 0x2c, 4), 0x11001af4u);
  CHECK_EQ(rig.cfg_read(2, 0x3c, 2), 0x01ffu);  // line 0xff, pin INTA
  rig.cfg_write(2, 0x3c, 0x0b, 1);
  rig.cfg_write(2, 0x3d, 0x04, 1);              // pin is read-only
  CHECK_EQ(rig.cfg_read(2, 0x3c, 2), 0x010bu);
  rig.cfg_write(2, 0x06, 0xffff, 2);            // status: no writable bits
  CHECK_EQ(rig.cfg_read(2, 0x06, 2), 0u);
  rig.cfg_write(2, 0x04, 0xffff, 2);
  CHECK_EQ(rig.cfg_read(2, 0x04, 2), 0x0547u);
  // A dword read at 0xCFE is clipped to the window (upper bytes all-ones).
  rig.outl(0xcf8, 0x80000000u | 2 << 11);
  CHECK_EQ(rig.in(0xcfe, 4), 0xffff5678u);
}

TEST(pci_bar_sizing) {
  Rig rig;
  TestDevice dev(rig.res);
  rig.host.add_device(2, &dev);
  for (unsigned reg = 0x10; reg <= 0x24; reg += 4) rig.cfg_write(2, reg, 0xffffffff, 4);
  rig.cfg_write(2, 0x30, 0xfffffffe, 4);
  CHECK_EQ(rig.cfg_read(2, 0x10, 4), 0xffffffe1u);  // 32 bytes of I/O
  CHECK_EQ(rig.cfg_read(2, 0x14, 4), 0xffff0008u);  // 64 KiB, prefetchable, 32-bit
  CHECK_EQ(rig.cfg_read(2, 0x18, 4), 0xfffff000u);  // 4 KiB
  CHECK_EQ(rig.cfg_read(2, 0x1c, 4), 0u);           // unimplemented BARs read 0
  CHECK_EQ(rig.cfg_read(2, 0x24, 4), 0u);
  CHECK_EQ(rig.cfg_read(2, 0x30, 4), 0xfffff000u);  // 4 KiB ROM, enable clear
  CHECK_EQ(rig.slots.calls, 0);                     // decode off: nothing mapped
}

TEST(pci_bars_decode_only_when_enabled_and_move) {
  Rig rig;
  TestDevice dev(rig.res);
  rig.host.add_device(2, &dev);
  rig.cfg_write(2, 0x10, 0xc000, 4);
  rig.cfg_write(2, 0x14, 0xe0000000, 4);
  rig.cfg_write(2, 0x18, 0xe0010000, 4);
  uint8_t b = 0;
  CHECK(!rig.pio.read(0xc004, &b, 1, rig.vcpu));  // I/O decode off
  rig.cfg_write(2, 0x04, PciDevice::kCmdIo | PciDevice::kCmdMemory, 2);
  CHECK(rig.pio.read(0xc004, &b, 1, rig.vcpu));
  CHECK_EQ(b, 0x5a);
  CHECK_EQ(dev.handler.bar, 0);
  CHECK_EQ(dev.handler.offset, 4u);
  CHECK(rig.mmio.write(0xe0010ff0, &b, 1, rig.vcpu));
  CHECK_EQ(dev.handler.bar, 2);
  CHECK_EQ(dev.handler.offset, 0xff0u);
  CHECK_EQ(rig.slots.slots.size(), 1u);
  auto& s = rig.slots.slots.begin()->second;
  CHECK_EQ(s.gpa, 0xe0000000u);
  CHECK(s.log_dirty);
  CHECK(s.host == dev.ram.data());
  // Move I/O BAR: the old range disappears.
  rig.cfg_write(2, 0x10, 0xd000, 2);
  CHECK(!rig.pio.read(0xc004, &b, 1, rig.vcpu));
  CHECK(rig.pio.read(0xd01f, &b, 1, rig.vcpu));
  CHECK_EQ(dev.handler.offset, 0x1fu);
  // Move the RAM BAR; then the sizing pattern (decoding stays off, slot hidden).
  rig.cfg_write(2, 0x14, 0xd0000000, 4);
  CHECK_EQ(s.gpa, 0xd0000000u);
  CHECK_EQ(dev.bar_decoded_at(1), 0xd0000000u);
  rig.cfg_write(2, 0x14, 0xffffffff, 4);
  CHECK_EQ(s.gpa, 0u);
  CHECK_EQ(dev.bar_decoded_at(1), 0u);
  rig.cfg_write(2, 0x14, 0xd0000000, 4);
  CHECK_EQ(s.gpa, 0xd0000000u);
  // Memory decode off hides RAM and MMIO BARs; I/O stays.
  rig.cfg_write(2, 0x04, PciDevice::kCmdIo, 2);
  CHECK_EQ(s.gpa, 0u);
  CHECK(!rig.mmio.write(0xe0010ff0, &b, 1, rig.vcpu));
  CHECK(rig.pio.read(0xd000, &b, 1, rig.vcpu));
  std::vector<uint64_t> bits;
  CHECK(dev.take_dirty(1, &bits).ok());
  CHECK_EQ(bits.size(), 1u);
}

TEST(pci_rom_bar_needs_enable_bit_and_window) {
  Rig rig;
  TestDevice dev(rig.res);
  rig.host.add_device(2, &dev);
  rig.cfg_write(2, 0x04, PciDevice::kCmdMemory, 2);
  rig.cfg_write(2, 0x30, 0xfebf0000, 4);
  CHECK_EQ(dev.bar_decoded_at(PciDevice::kRomBarIndex), 0u);
  rig.cfg_write(2, 0x30, 0xfebf0001, 4);
  CHECK_EQ(dev.bar_decoded_at(PciDevice::kRomBarIndex), 0xfebf0000u);
  bool ro = false;
  for (auto& [id, s] : rig.slots.slots)
    if (s.gpa == 0xfebf0000u) ro = s.read_only;
  CHECK(ro);
  // Out-of-window addresses (IO-APIC/LAPIC/flash, low memory) never decode.
  rig.cfg_write(2, 0x30, 0xfee00001, 4);
  CHECK_EQ(dev.bar_decoded_at(PciDevice::kRomBarIndex), 0u);
  rig.cfg_write(2, 0x30, 0x000c0001, 4);
  CHECK_EQ(dev.bar_decoded_at(PciDevice::kRomBarIndex), 0u);
}

TEST(pci_overlapping_bar_is_refused_and_counted) {
  Rig rig;
  TestDevice a(rig.res), b(rig.res);
  rig.host.add_device(2, &a);
  rig.host.add_device(3, &b);
  CHECK(a.assign_bar(1, 0xe0000000).ok());
  CHECK(b.assign_bar(1, 0xe0000000).ok());
  CHECK(!a.assign_bar(1, 0xe0000100).ok());  // misaligned
  CHECK(!a.assign_bar(0, 0x0100).ok());       // below the I/O window
  a.set_command(PciDevice::kCmdMemory);
  b.set_command(PciDevice::kCmdMemory);
  CHECK_EQ(a.bar_decoded_at(1), 0xe0000000u);
  CHECK_EQ(b.bar_decoded_at(1), 0u);
  CHECK_EQ(b.mapping_failures(), 1u);
  CHECK_EQ(rig.cfg_read(3, 0x14, 4), 0xe0000008u);  // the register still holds it
  CHECK_EQ(b.bar_address(1), 0xe0000000u);
}

TEST(pci_reset_restores_vmm_placement) {
  Rig rig;
  TestDevice dev(rig.res);
  rig.host.add_device(2, &dev);
  CHECK(dev.assign_bar(0, 0xc000).ok());
  dev.set_command(PciDevice::kCmdIo);
  rig.cfg_write(2, 0x10, 0xd000, 4);  // the guest moves it and turns decode off
  rig.cfg_write(2, 0x04, 0, 2);
  rig.cfg_write(2, 0x3c, 5, 1);
  uint8_t b;
  CHECK(!rig.pio.read(0xc000, &b, 1, rig.vcpu));
  dev.reset_config();
  CHECK_EQ(rig.cfg_read(2, 0x10, 4), 0xc001u);
  CHECK_EQ(rig.cfg_read(2, 0x04, 2), 1u);
  CHECK_EQ(rig.cfg_read(2, 0x3c, 1), 0xffu);
  CHECK(rig.pio.read(0xc000, &b, 1, rig.vcpu));
  CHECK(!rig.pio.read(0xd000, &b, 1, rig.vcpu));
}

TEST(pci_assign_resources_like_firmware) {
  Rig rig;
  PciHostBridge bridge(rig.res);
  TestDevice a(rig.res), b(rig.res);
  rig.host.add_device(0, &bridge);
  rig.host.add_device(2, &a);
  rig.host.add_device(3, &b);
  CHECK(!rig.host.assign_resources(0x100, 0xe0000000, 0xf0000000).ok());  // below the I/O window
  CHECK(!rig.host.assign_resources(0xc000, 0xe0000000, 0xe0001000).ok());  // too small
  CHECK_EQ(a.bar_address(1), 0u);                                          // nothing changed
  CHECK(rig.host.assign_resources(0xc000, 0xe0000000, 0xf0000000).ok());
  // Largest first: both 64 KiB RAM BARs, then both 4 KiB MMIO BARs; I/O in slot order.
  CHECK_EQ(a.bar_address(1), 0xe0000000u);
  CHECK_EQ(b.bar_address(1), 0xe0010000u);
  CHECK_EQ(a.bar_address(2), 0xe0020000u);
  CHECK_EQ(b.bar_address(2), 0xe0021000u);
  CHECK_EQ(a.bar_address(0), 0xc000u);
  CHECK_EQ(b.bar_address(0), 0xc020u);
  CHECK_EQ(a.bar_decoded_at(1), 0xe0000000u);
  CHECK_EQ(rig.cfg_read(3, 0x04, 2), 3u);
  CHECK_EQ(rig.cfg_read(0, 0x04, 2), 0u);  // the bridge has no BARs
  CHECK_EQ(a.bar_decoded_at(PciDevice::kRomBarIndex), 0u);
}
