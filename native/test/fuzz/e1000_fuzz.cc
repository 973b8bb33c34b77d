// libFuzzer target for the Intel 82545EM model (native/src/devices/net/e1000*): the input
// is a program of BAR 0 / BAR 1 register accesses, guest-memory writes, frames arriving
// from the wire (any length, any bytes), the backend's "room again" and timer calls and
// link changes, so descriptors, rings, lengths, buffer addresses, contexts (TSO header
// lengths, MSS, checksum offsets) and EEPROM/PHY sequences are whatever the fuzzer makes
// of them. Guest memory has a hole (RAM at 0-1 MiB and 2-3 MiB). A shortcut op sets up
// both rings at fixed places with TX and RX enabled so the fuzzer reaches the data paths
// quickly. Checked by the sanitizers; the wire (FakeWire) checks every frame it gets
// against the largest the NIC may send.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "../fake_irq.h"
#include "../fake_net.h"
#include "../fake_vcpu.h"
#include "core/le_bytes.h"
#include "devices/net/e1000.h"
#include "devices/net/e1000_regs.h"

using namespace vireo;

namespace {

constexpr uint64_t kBar = 0xFE000000;
constexpr uint16_t kIo = 0xC000;

struct Wire : vireo_test::FakeWire {
  bool send_frame(const uint8_t* frame, size_t len) override {
    // A frame is at most a TSO header plus MSS (both < 64 KiB) or a 16 KiB packet, plus a tag.
    if (len > 2 * 65536 + 4) std::abort();
    if (sent.size() < 64) sent.emplace_back(frame, frame + len);
    return true;
  }
};

struct Rig {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  PioBus pio;
  MmioBus mmio;
  vireo_test::FakeIrq irq;
  Wire wire;
  vireo_test::FakeClock clock;
  E1000 nic{"e1000", PciResources{&pio, &mmio, nullptr}, irq, 6, mem, E1000Identity{}, &wire, clock};
  Rig() {
    mem.add_region(0, 1 << 20, false);
    mem.add_region(2 << 20, 1 << 20, false);
    nic.assign_bar(0, static_cast<uint32_t>(kBar));
    nic.assign_bar(1, kIo);
    nic.set_command(PciDevice::kCmdMemory | PciDevice::kCmdIo | PciDevice::kCmdBusMaster);
    nic.set_link(true);
  }
  void wr(uint32_t reg, uint32_t v) {
    uint8_t b[4];
    put_le32(b, v);
    mmio.write(kBar + reg, b, 4, vcpu);
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
    switch (*op % 9) {
      case 0: {  // register write anywhere in the 128 KiB BAR, any width
        const uint8_t* a = take(8);
        if (!a) return 0;
        uint32_t off = (a[0] | a[1] << 8 | (a[2] & 1) << 16);
        r.mmio.write(kBar + off, a + 3, 1u << (a[7] % 3), r.vcpu);
        break;
      }
      case 1: {  // register read, any width
        const uint8_t* a = take(4);
        if (!a) return 0;
        uint8_t out[4];
        r.mmio.read(kBar + (a[0] | a[1] << 8 | (a[2] & 1) << 16), out, 1u << (a[3] % 3), r.vcpu);
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
      case 3: {  // a frame from the wire: 2-byte length, bytes (short inputs are repeated)
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
      case 4: {  // I/O window: IOADDR/IODATA
        const uint8_t* a = take(6);
        if (!a) return 0;
        uint8_t b[4];
        if (a[0] & 1) {
          r.pio.write(kIo + (a[1] & 7), a + 2, 4, r.vcpu);
        } else {
          r.pio.read(kIo + (a[1] & 7), b, 4, r.vcpu);
        }
        break;
      }
      case 5:
        r.wire.full = !r.wire.full;
        if (!r.wire.full) r.nic.tx_ready();
        break;
      case 6:
        r.clock.now += 1000000;
        r.nic.timer();
        break;
      case 7:
        r.nic.set_link(!r.nic.link());
        break;
      default:  // rings of 64 descriptors at 64 KiB (TX) and 68 KiB (RX), both enabled
        r.wr(e1000::kTdbal, 0x10000);
        r.wr(e1000::kTdlen, 64 * 16);
        r.wr(e1000::kRdbal, 0x11000);
        r.wr(e1000::kRdlen, 64 * 16);
        r.wr(e1000::kRdt, 63);
        r.wr(e1000::kRctl, e1000::kRctlEn | e1000::kRctlUpe | e1000::kRctlMpe | e1000::kRctlLpe);
        r.wr(e1000::kTctl, e1000::kTctlEn);
        break;
    }
  }
  return 0;
}
