// The 82545EM's serial EEPROM: 64 16-bit words (a 93C46-class Microwire part, 6 address
// bits; 8254x manual 5.3 and table 5-1), read either by bit-banging EECD (what Linux
// e1000 does for the 82545: e1000_hw.c e1000_shift_out_ee_bits / e1000_shift_in_ee_bits)
// or through EERD (what iPXE's intel.c and Windows drivers do). The image holds the MAC
// address, the PCI IDs and the init control words drivers check, and words 0..63 sum to
// 0xBABA (the check in Linux e1000_validate_eeprom_checksum). Writes are not modeled: the
// part is write-protected (EWEN/WRITE opcodes are clocked in and ignored).
#pragma once
#include <array>
#include <cstdint>

namespace vireo {

struct E1000Identity {
  std::array<uint8_t, 6> mac{};
  uint16_t vendor = 0x8086, device = 0x100F;  // 82545EM copper
  uint16_t subsystem_vendor = 0x15AD, subsystem = 0x0750;  // as VMware presents it
};

class E1000Eeprom {
 public:
  static constexpr unsigned kWords = 64;
  static constexpr uint16_t kChecksumTarget = 0xBABA;

  explicit E1000Eeprom(const E1000Identity& id);
  uint16_t word(unsigned index) const { return words_[index % kWords]; }

  // EECD: the bits software drives (SK, CS, DI, FWE, REQ) and what it reads back
  // (PRES, GNT following REQ, DO from the current read position).
  void write_eecd(uint32_t value);
  uint32_t read_eecd() const;
  // EERD: a write with START performs the read at once; the value read back has DONE
  // and the data (addresses past the part read 0).
  void write_eerd(uint32_t value);
  uint32_t read_eerd() const { return eerd_; }
  void reset();

 private:
  std::array<uint16_t, kWords> words_{};
  uint32_t eecd_ = 0;     // bits last written by software
  uint32_t shift_in_ = 0;  // opcode and address bits clocked in so far
  unsigned bits_in_ = 0;
  bool reading_ = false;
  unsigned out_pos_ = 0;   // bit position of DO: word = pos / 16, bit 15 - pos % 16
  uint32_t eerd_ = 0;
};

}  // namespace vireo
