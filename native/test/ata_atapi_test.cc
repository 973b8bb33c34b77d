// ATAPI CD-ROM on an IDE channel: signature, IDENTIFY PACKET DEVICE, the PACKET
// protocol (interrupt reason, byte counts) and the SCSI commands SeaBIOS uses to boot
// an ISO, against a fake ISO in a MemoryBlockBackend.
#include <cstring>

#include "check.h"
#include "devices/storage/ide_channel.h"
#include "fake_irq.h"
#include "fake_vcpu.h"

using namespace vireo;

namespace {

using vireo_test::FakeIrq;

struct Cd {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  FakeIrq irq;
  IdeChannel ch{irq, 0x170, 0x376, 1};
  MemoryBlockBackend iso{20 * 2048, true};
  explicit Cd(bool medium = true) {
    for (size_t i = 0; i < iso.data().size(); ++i) iso.data()[i] = static_cast<uint8_t>(i / 2048 + i);
    memcpy(iso.data().data() + 17 * 2048 + 1, "CD001", 5);  // El Torito boot record volume
    ch.attach(0, IdeDriveKind::kCdrom, medium ? &iso : nullptr);
  }
  uint8_t in(uint16_t port) {
    uint8_t v = 0xFF;
    ch.pio_read(port, &v, 1, vcpu);
    return v;
  }
  void out(uint16_t port, uint8_t v) { ch.pio_write(port, &v, 1, vcpu); }
  uint16_t inw() {
    uint8_t b[2] = {0xFF, 0xFF};
    ch.pio_read(0x170, b, 2, vcpu);
    return static_cast<uint16_t>(b[0] | b[1] << 8);
  }
  // PACKET with a byte count limit; returns the status after the command packet.
  uint8_t packet(std::initializer_list<uint8_t> cdb, uint16_t limit) {
    out(0x176, 0xA0);
    out(0x171, 0);
    out(0x174, static_cast<uint8_t>(limit));
    out(0x175, static_cast<uint8_t>(limit >> 8));
    out(0x177, 0xA0);
    if ((in(0x376) & 0x08) == 0 || in(0x172) != 0x01) return 0xEE;  // wants a command packet
    uint8_t p[12] = {};
    int i = 0;
    for (uint8_t b : cdb) p[i++] = b;
    for (int j = 0; j < 12; j += 2) {
      uint8_t w[2] = {p[j], p[j + 1]};
      ch.pio_write(0x170, w, 2, vcpu);
    }
    return in(0x177);
  }
  unsigned byte_count() { return in(0x174) | in(0x175) << 8; }
  std::vector<uint8_t> read(unsigned n) {
    std::vector<uint8_t> v;
    for (unsigned i = 0; i < n; i += 2) {
      uint16_t w = inw();
      v.push_back(static_cast<uint8_t>(w));
      v.push_back(static_cast<uint8_t>(w >> 8));
    }
    return v;
  }
};

}  // namespace

TEST(atapi_signature_and_identify_packet) {
  Cd cd;
  CHECK_EQ(cd.in(0x174), 0x14);
  CHECK_EQ(cd.in(0x175), 0xEB);
  CHECK_EQ(cd.in(0x177), 0x00);  // packet devices do not set DRDY after reset
  cd.out(0x177, 0xEC);           // IDENTIFY DEVICE: aborted, signature kept
  CHECK_EQ(cd.in(0x177), 0x41);
  CHECK_EQ(cd.in(0x174), 0x14);
  CHECK_EQ(cd.in(0x175), 0xEB);
  cd.out(0x177, 0xA1);
  CHECK_EQ(cd.in(0x177), 0x58);
  std::vector<uint8_t> id = cd.read(512);
  CHECK_EQ(id[0] | id[1] << 8, 0x85C0);
  CHECK_EQ(id[54], 'i');  // "Vireo ATAPI..." byte-swapped: word 27 = 'V','i' -> 'i' low
  CHECK_EQ(id[55], 'V');
  CHECK_EQ(cd.in(0x177), 0x50);
  // SRST brings the signature back.
  cd.out(0x376, 0x04);
  cd.out(0x376, 0x00);
  CHECK_EQ(cd.in(0x175), 0xEB);
}

TEST(atapi_read10_fake_iso) {
  Cd cd;
  CHECK_EQ(cd.packet({0x00}, 0), 0x50);  // TEST UNIT READY
  CHECK_EQ(cd.in(0x172), 0x03);          // status phase
  // READ CAPACITY: 20 sectors of 2048.
  CHECK_EQ(cd.packet({0x25}, 8), 0x58);
  CHECK_EQ(cd.byte_count(), 8u);
  CHECK_EQ(cd.in(0x172), 0x02);
  std::vector<uint8_t> cap = cd.read(8);
  CHECK_EQ(cap[3], 19);
  CHECK_EQ(cap[6], 0x08);
  CHECK_EQ(cd.in(0x177), 0x50);
  // READ(10) LBA 17, 2 sectors, byte count limit 2048: two DRQ blocks (as SeaBIOS does).
  CHECK_EQ(cd.packet({0x28, 0, 0, 0, 0, 17, 0, 0, 2}, 2048), 0x58);
  CHECK_EQ(cd.byte_count(), 2048u);
  std::vector<uint8_t> s17 = cd.read(2048);
  CHECK(memcmp(s17.data(), cd.iso.data().data() + 17 * 2048, 2048) == 0);
  CHECK(memcmp(s17.data() + 1, "CD001", 5) == 0);
  CHECK_EQ(cd.in(0x177), 0x58);
  std::vector<uint8_t> s18 = cd.read(2048);
  CHECK(memcmp(s18.data(), cd.iso.data().data() + 18 * 2048, 2048) == 0);
  CHECK_EQ(cd.in(0x177), 0x50);
  CHECK_EQ(cd.inw(), 0xFFFF);
  // Odd limit 1001 rounds to 1000-byte blocks, not aligned to sectors.
  CHECK_EQ(cd.packet({0x28, 0, 0, 0, 0, 3, 0, 0, 1}, 1001), 0x58);
  CHECK_EQ(cd.byte_count(), 1000u);
  std::vector<uint8_t> all = cd.read(1000);
  CHECK(cd.irq.level);  // every DRQ block interrupts
  cd.in(0x177);
  CHECK_EQ(cd.byte_count(), 1000u);
  std::vector<uint8_t> more = cd.read(1000);
  all.insert(all.end(), more.begin(), more.end());
  cd.in(0x177);
  more = cd.read(48);
  CHECK_EQ(cd.byte_count(), 48u);
  all.insert(all.end(), more.begin(), more.end());
  CHECK(memcmp(all.data(), cd.iso.data().data() + 3 * 2048, 2048) == 0);
  CHECK_EQ(cd.in(0x177), 0x50);
  // READ(10) of zero sectors: no data phase.
  CHECK_EQ(cd.packet({0x28, 0, 0, 0, 0, 3, 0, 0, 0}, 2048), 0x50);
}

TEST(atapi_errors_and_sense) {
  Cd cd;
  uint64_t before = cd.iso.accesses();
  // Past the end: CHECK CONDITION, sense ILLEGAL REQUEST / LBA OUT OF RANGE.
  CHECK_EQ(cd.packet({0x28, 0, 0, 0, 0, 19, 0, 0, 2}, 2048), 0x41);
  CHECK_EQ(cd.in(0x171), 0x54);  // sense key 5 in bits 7:4, ABRT
  CHECK_EQ(cd.packet({0xA8, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, 2048), 0x41);
  CHECK_EQ(cd.iso.accesses(), before);
  CHECK_EQ(cd.packet({0x03, 0, 0, 0, 18}, 18), 0x58);
  std::vector<uint8_t> sense = cd.read(18);
  CHECK_EQ(sense[0], 0x70);
  CHECK_EQ(sense[2], 0x05);
  CHECK_EQ(sense[12], 0x21);
  CHECK_EQ(cd.in(0x177), 0x50);
  CHECK_EQ(cd.packet({0x03, 0, 0, 0, 18}, 18), 0x58);  // consumed: NO SENSE now
  CHECK_EQ(cd.read(18)[2], 0x00);
  // Unknown opcode, DMA requested, INQUIRY with EVPD.
  CHECK_EQ(cd.packet({0xFF}, 2048), 0x41);
  CHECK_EQ(cd.packet({0x12, 0x01, 0, 0, 36}, 36), 0x41);
  cd.out(0x171, 0x01);
  cd.out(0x177, 0xA0);
  CHECK_EQ(cd.in(0x177), 0x41);
  // The PACKET phase ignores data reads; a READ(10) with the data port read as bytes.
  CHECK_EQ(cd.packet({0x12, 0, 0, 0, 36}, 0xFFFF), 0x58);
  CHECK_EQ(cd.byte_count(), 36u);
  std::vector<uint8_t> inq = cd.read(36);
  CHECK_EQ(inq[0], 0x05);
  CHECK_EQ(inq[1], 0x80);
  CHECK(memcmp(inq.data() + 8, "VIREO   ", 8) == 0);
  // INQUIRY with allocation length 5: cut.
  CHECK_EQ(cd.packet({0x12, 0, 0, 0, 5}, 0xFFFF), 0x58);
  CHECK_EQ(cd.byte_count(), 5u);
}

TEST(atapi_no_medium_mode_sense_and_toc) {
  Cd empty(false);
  CHECK_EQ(empty.packet({0x00}, 0), 0x41);
  CHECK_EQ(empty.in(0x171) >> 4, 0x02);  // NOT READY
  CHECK_EQ(empty.packet({0x03, 0, 0, 0, 18}, 18), 0x58);
  CHECK_EQ(empty.read(18)[12], 0x3A);    // MEDIUM NOT PRESENT
  CHECK_EQ(empty.packet({0x28, 0, 0, 0, 0, 0, 0, 0, 1}, 2048), 0x41);

  Cd cd;
  CHECK_EQ(cd.packet({0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 64}, 64), 0x58);
  unsigned n = cd.byte_count();
  CHECK_EQ(n, 30u);  // 8-byte header + 22-byte page 2Ah
  std::vector<uint8_t> ms = cd.read(n);
  CHECK_EQ(ms[1], 28);
  CHECK_EQ(ms[8], 0x2A);
  CHECK_EQ(cd.packet({0x5A, 0, 0x05, 0, 0, 0, 0, 0, 64}, 64), 0x41);  // unsupported page
  // READ TOC format 0: track 1 at 0 and the lead-out at 20 (LBA), 20 bytes.
  CHECK_EQ(cd.packet({0x43, 0, 0, 0, 0, 0, 0, 0, 100}, 100), 0x58);
  CHECK_EQ(cd.byte_count(), 20u);
  std::vector<uint8_t> toc = cd.read(20);
  CHECK_EQ(toc[1], 18);
  CHECK_EQ(toc[6], 1);
  CHECK_EQ(toc[14], 0xAA);
  CHECK_EQ(toc[19], 20);
  // MSF lead-out: 20 + 150 frames = 00:02:20.
  CHECK_EQ(cd.packet({0x43, 0x02, 0, 0, 0, 0, 0xAA, 0, 100}, 100), 0x58);
  toc = cd.read(cd.byte_count());
  CHECK_EQ(toc.size(), 12u);
  CHECK_EQ(toc[10], 2);
  CHECK_EQ(toc[11], 20);
  CHECK_EQ(cd.packet({0x43, 0, 0, 0, 0, 0, 5, 0, 100}, 100), 0x41);  // no track 5
}
