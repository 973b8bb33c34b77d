// libFuzzer target for the vmxnet3 model (native/src/devices/net/vmxnet3*): a program of
// PT/VD register accesses (doorbells and commands included), guest-memory writes, frames
// from the wire, back-pressure and link changes, so DriverShared, queue descriptors,
// ring sizes, generation bits, descriptor lengths, buffer addresses and offload fields
// are whatever the fuzzer makes of them. Guest memory has a hole (RAM at 0-1 MiB and
// 2-3 MiB). A shortcut op writes a valid DriverShared with 32-entry rings and activates,
// so the data paths are reached quickly. Checked by the sanitizers.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../fake_irq.h"
#include "../fake_net.h"
#include "../fake_vcpu.h"
#include "core/le_bytes.h"
#include "devices/net/vmxnet3.h"
#include "devices/net/vmxnet3_layout.h"

using namespace vireo;
using namespace vireo::vmxnet3;

namespace {

constexpr uint64_t kPt = 0xFE000000, kVd = 0xFE001000;

struct Rig {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  PioBus pio;
  MmioBus mmio;
  vireo_test::FakeIrq irq;
  vireo_test::FakeWire wire;
  Vmxnet3 nic{"vmxnet3", PciResources{&pio, &mmio, nullptr}, irq, 6, mem, {0, 0x50, 0x56, 1, 2, 3}, &wire};
  Rig() {
    mem.add_region(0, 1 << 20, false);
    mem.add_region(2 << 20, 1 << 20, false);
    nic.assign_bar(0, static_cast<uint32_t>(kPt));
    nic.assign_bar(1, static_cast<uint32_t>(kVd));
    nic.set_command(PciDevice::kCmdMemory | PciDevice::kCmdBusMaster);
    nic.set_link(true);
  }
  void wr(uint64_t a, uint32_t v) {
    uint8_t b[4];
    put_le32(b, v);
    mmio.write(a, b, 4, vcpu);
  }
  void m32(uint64_t a, uint32_t v) {
    uint8_t b[4];
    put_le32(b, v);
    mem.write(a, b, 4);
  }
  void m64(uint64_t a, uint64_t v) {
    uint8_t b[8];
    put_le64(b, v);
    mem.write(a, b, 8);
  }
  void activate() {
    const uint64_t q = 0x10800, sh = 0x10A00;
    m64(q + kTqRingPa, 0x10000);
    m64(q + kTqCompPa, 0x10200);
    m32(q + kTqRingSize, 32);
    m32(q + kTqCompSize, 32);
    m64(q + 256 + kRqRingPa0, 0x10400);
    m64(q + 256 + kRqCompPa, 0x10600);
    m32(q + 256 + kRqRingSize0, 32);
    m32(q + 256 + kRqCompSize, 32);
    m32(sh + kShMagic, kSharedMagic);
    m64(sh + kShQueueDescPa, q);
    m32(sh + kShQueueDescLen, 512);
    uint8_t one = 1;
    mem.write(sh + kShNumTxQueues, &one, 1);
    mem.write(sh + kShNumRxQueues, &one, 1);
    m32(sh + kShRxMode, kRxmPromisc);
    wr(kVd + kVdDsal, static_cast<uint32_t>(sh));
    wr(kVd + kVdCmd, kCmdActivate);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Rig r;
  size_t i = 0;
  auto take = [&](size_t n) -> const uint8_t* {
    if (size - i < n) return nullptr;
    const uint8_t* p = data + i;
    i += n;
    return p;
  };
  while (const uint8_t* op = take(1)) {
    switch (*op % 8) {
      case 0: {  // register write in either BAR, any width
        const uint8_t* a = take(8);
        if (!a) return 0;
        uint64_t base = (a[0] & 1) ? kVd : kPt;
        r.mmio.write(base + (le16(a + 1) & 0xFFF), a + 3, 1u << (a[7] % 3), r.vcpu);
        break;
      }
      case 1: {  // register read
        const uint8_t* a = take(3);
        if (!a) return 0;
        uint8_t out[4];
        r.mmio.read(((a[0] & 1) ? kVd : kPt) + (le16(a + 1) & 0xFFF), out, 4, r.vcpu);
        break;
      }
      case 2: {  // guest memory: 3-byte address in the first 4 MiB, 1-byte length, bytes
        const uint8_t* a = take(4);
        if (!a) return 0;
        uint64_t gpa = (uint64_t{a[0]} | uint64_t{a[1]} << 8 | uint64_t{a[2]} << 16) & 0x3FFFFF;
        const uint8_t* bytes = take(a[3]);
        if (!bytes) return 0;
        r.mem.write(gpa, bytes, a[3]);
        break;
      }
      case 3: {  // a frame from the wire
        const uint8_t* a = take(2);
        if (!a) return 0;
        size_t len = le16(a) % 20000;
        size_t have = size - i < len ? size - i : len;
        std::vector<uint8_t> f(len);
        for (size_t k = 0; k < len && have; ++k) f[k] = data[i + k % have];
        i += have;
        r.nic.receive(f.data(), f.size());
        break;
      }
      case 4:
        r.wire.full = !r.wire.full;
        if (!r.wire.full) r.nic.tx_ready();
        break;
      case 5:
        r.nic.set_link(!r.nic.link());
        break;
      case 6: {  // a command
        const uint8_t* a = take(1);
        if (!a) return 0;
        r.wr(kVd + kVdCmd, (a[0] & 0x80 ? 0xF00D0000u : 0xCAFE0000u) | (a[0] & 0xF));
        break;
      }
      default:
        r.activate();
        break;
    }
  }
  return 0;
}
