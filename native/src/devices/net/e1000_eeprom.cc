#include "devices/net/e1000_eeprom.h"

#include "core/le_bytes.h"
#include "devices/net/e1000_regs.h"

namespace vireo {

using namespace e1000;

namespace {
constexpr unsigned kAddrBits = 6;
constexpr unsigned kOpcodeBits = 3;  // start bit + 2-bit opcode
constexpr uint32_t kOpRead = 0x6;    // 1 10
}  // namespace

// Word map of the 8254x EEPROM (8254x manual table 5-2). Words a driver does not read
// stay erased (0xFFFF) as on a blank part.
E1000Eeprom::E1000Eeprom(const E1000Identity& id) {
  words_.fill(0xFFFF);
  for (unsigned i = 0; i < 3; ++i) words_[i] = le16(&id.mac[2 * i]);
  words_[0x03] = 0x0000;  // compatibility: no special features
  words_[0x05] = 0x0000;  // image version
  words_[0x08] = 0x3000;  // PBA number, two words
  words_[0x09] = 0x1000;
  // Initialization control 1: signature 01b in bits 15:14, load the subsystem and
  // vendor IDs below into PCI config space.
  words_[0x0A] = 0x6403;
  words_[0x0B] = id.subsystem;
  words_[0x0C] = id.subsystem_vendor;
  words_[0x0D] = id.device;
  words_[0x0E] = id.vendor;
  // Initialization control 2: symmetric and asymmetric PAUSE advertised (bits 13:12;
  // Linux e1000_setup_link derives its flow-control default from them).
  words_[0x0F] = 0x3040;
  // Initialization control 3, port A: APM enable (bit 10, Linux reads it as the
  // wake-on-magic-packet default).
  words_[0x24] = 0x4D01;
  uint16_t sum = 0;
  for (unsigned i = 0; i + 1 < kWords; ++i) sum = static_cast<uint16_t>(sum + words_[i]);
  words_[kWords - 1] = static_cast<uint16_t>(kChecksumTarget - sum);
}

void E1000Eeprom::reset() {
  eecd_ = 0;
  shift_in_ = 0;
  bits_in_ = 0;
  reading_ = false;
  out_pos_ = 0;
  eerd_ = 0;
}

// Microwire (8254x manual 5.3.1): with CS high, each rising edge of SK shifts DI in
// (start bit, opcode, address, MSB first); after a READ's address the part drives the
// addressed word on DO, MSB first, one bit per rising edge, continuing into the next
// words. CS low ends the cycle.
void E1000Eeprom::write_eecd(uint32_t v) {
  uint32_t old = eecd_;
  eecd_ = v & (kEecdSk | kEecdCs | kEecdDi | kEecdFwe | kEecdReq);
  if (!(v & kEecdCs)) {
    shift_in_ = 0;
    bits_in_ = 0;
    reading_ = false;
    return;
  }
  if (!(old & kEecdCs)) {  // CS rising: a new cycle
    shift_in_ = 0;
    bits_in_ = 0;
    reading_ = false;
  }
  bool rising = (v & kEecdSk) && !(old & kEecdSk);
  if (!rising) return;
  if (reading_) {
    ++out_pos_;
    return;
  }
  if (bits_in_ >= kOpcodeBits + kAddrBits) return;  // other opcodes: further bits ignored
  shift_in_ = (shift_in_ << 1) | ((v & kEecdDi) ? 1 : 0);
  if (++bits_in_ == kOpcodeBits + kAddrBits && (shift_in_ >> kAddrBits) == kOpRead) {
    reading_ = true;
    // The first data bit appears on the next rising edge: position it one before.
    out_pos_ = (shift_in_ & ((1u << kAddrBits) - 1)) * 16 + 16 * kWords - 1;
  }
}

uint32_t E1000Eeprom::read_eecd() const {
  uint32_t v = eecd_ | kEecdPres;
  if (eecd_ & kEecdReq) v |= kEecdGnt;
  bool out = true;  // DO idles high (no part driving it)
  if (reading_) {
    unsigned pos = out_pos_ % (16 * kWords);
    out = (words_[pos / 16] >> (15 - pos % 16)) & 1;
  }
  if (out) v |= kEecdDo;
  return v;
}

void E1000Eeprom::write_eerd(uint32_t v) {
  if (!(v & kEerdStart)) {
    eerd_ = v & 0xFF00;
    return;
  }
  unsigned addr = (v >> 8) & 0xFF;
  uint16_t data = addr < kWords ? words_[addr] : 0;
  eerd_ = uint32_t{data} << 16 | (addr << 8) | kEerdDone;
}

}  // namespace vireo
