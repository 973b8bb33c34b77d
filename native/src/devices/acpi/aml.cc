#include "aml.h"

#include <stdexcept>

namespace vireo::aml {

namespace {

// ACPI 6.5 §20.2 opcodes.
constexpr uint8_t kZeroOp = 0x00, kOneOp = 0x01, kNameOp = 0x08, kBytePrefix = 0x0a, kWordPrefix = 0x0b,
                  kDWordPrefix = 0x0c, kStringPrefix = 0x0d, kQWordPrefix = 0x0e, kScopeOp = 0x10,
                  kBufferOp = 0x11, kPackageOp = 0x12, kExtOpPrefix = 0x5b, kDeviceOp = 0x82,
                  kRootChar = 0x5c, kDualNamePrefix = 0x2e, kMultiNamePrefix = 0x2f;

void put(Bytes& out, const Bytes& b) { out.insert(out.end(), b.begin(), b.end()); }

void put_le(Bytes& out, uint64_t v, unsigned n) {
  for (unsigned i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// opcode(s) PkgLength body
Bytes with_length(std::initializer_list<uint8_t> ops, const Bytes& body) {
  Bytes out(ops);
  put(out, pkg_length(body.size()));
  put(out, body);
  return out;
}

bool name_char(char c, bool first) {
  return c == '_' || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
}

}  // namespace

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) put(out, p);
  return out;
}

Bytes cat(const std::vector<Bytes>& parts) {
  Bytes out;
  for (const Bytes& p : parts) put(out, p);
  return out;
}

// §20.2.4: one byte holds lengths below 64; otherwise bits 7:6 of the lead byte count the
// following bytes (1-3), its bits 3:0 are the low nibble and each following byte the next 8.
Bytes pkg_length(size_t content) {
  if (content + 1 < 0x40) return {static_cast<uint8_t>(content + 1)};
  for (unsigned extra = 1; extra <= 3; ++extra) {
    const size_t total = content + 1 + extra;
    if (total < (size_t{1} << (4 + 8 * extra))) {
      Bytes out{static_cast<uint8_t>(extra << 6 | (total & 0x0f))};
      for (unsigned i = 0; i < extra; ++i) out.push_back(static_cast<uint8_t>(total >> (4 + 8 * i)));
      return out;
    }
  }
  throw std::length_error("AML package longer than 2^28 bytes");
}

// §20.2.2: [RootChar] NameSeg | DualNamePrefix seg seg | MultiNamePrefix count segs.
Bytes name_string(std::string_view path) {
  Bytes out;
  if (!path.empty() && path.front() == '\\') {
    out.push_back(kRootChar);
    path.remove_prefix(1);
  }
  std::vector<Bytes> segs;
  while (!path.empty()) {
    const size_t dot = path.find('.');
    std::string_view seg = path.substr(0, dot);
    if (seg.empty() || seg.size() > 4) throw std::invalid_argument("AML name segment must be 1-4 characters");
    Bytes s;
    for (size_t i = 0; i < 4; ++i) {
      const char c = i < seg.size() ? seg[i] : '_';
      if (!name_char(c, i == 0)) throw std::invalid_argument("bad character in AML name");
      s.push_back(static_cast<uint8_t>(c));
    }
    segs.push_back(s);
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  }
  if (segs.size() == 2) out.push_back(kDualNamePrefix);
  if (segs.size() > 2) {
    out.push_back(kMultiNamePrefix);
    out.push_back(static_cast<uint8_t>(segs.size()));
  }
  if (segs.empty()) out.push_back(0x00);  // NullName: the root itself
  for (const Bytes& s : segs) put(out, s);
  return out;
}

Bytes integer(uint64_t v) {
  if (v == 0) return {kZeroOp};
  if (v == 1) return {kOneOp};
  Bytes out;
  if (v <= 0xff) {
    out.push_back(kBytePrefix);
    put_le(out, v, 1);
  } else if (v <= 0xffff) {
    out.push_back(kWordPrefix);
    put_le(out, v, 2);
  } else if (v <= 0xffffffff) {
    out.push_back(kDWordPrefix);
    put_le(out, v, 4);
  } else {
    out.push_back(kQWordPrefix);
    put_le(out, v, 8);
  }
  return out;
}

Bytes string(std::string_view s) {
  Bytes out{kStringPrefix};
  for (char c : s) {
    if (static_cast<unsigned char>(c) - 1u >= 0x7fu) throw std::invalid_argument("AML strings are ASCII without NUL");
    out.push_back(static_cast<uint8_t>(c));
  }
  out.push_back(0);
  return out;
}

// The EISA id: three letters in 5 bits each (A = 1) and four hex digits, stored most
// significant byte first (ACPI 6.5 §6.1.5 _HID; what iasl's EISAID() produces).
Bytes eisa_id(std::string_view id) {
  auto letter = [](char c) -> uint32_t {
    if (c < 'A' || c > 'Z') throw std::invalid_argument("EISA id letters are A-Z");
    return static_cast<uint32_t>(c - 'A' + 1);
  };
  auto hex = [](char c) -> uint32_t {
    if (c >= '0' && c <= '9') return static_cast<uint32_t>(c - '0');
    if (c >= 'A' && c <= 'F') return static_cast<uint32_t>(c - 'A' + 10);
    throw std::invalid_argument("EISA id digits are hex");
  };
  if (id.size() != 7) throw std::invalid_argument("EISA id is 3 letters and 4 hex digits");
  const uint32_t vendor = letter(id[0]) << 10 | letter(id[1]) << 5 | letter(id[2]);
  const uint32_t product = hex(id[3]) << 12 | hex(id[4]) << 8 | hex(id[5]) << 4 | hex(id[6]);
  return {kDWordPrefix, static_cast<uint8_t>(vendor >> 8), static_cast<uint8_t>(vendor), static_cast<uint8_t>(product >> 8),
          static_cast<uint8_t>(product)};
}

Bytes name(std::string_view n, const Bytes& value) { return cat({{kNameOp}, name_string(n), value}); }

Bytes scope(std::string_view n, const Bytes& terms) { return with_length({kScopeOp}, cat({name_string(n), terms})); }

Bytes device(std::string_view n, const Bytes& terms) {
  return with_length({kExtOpPrefix, kDeviceOp}, cat({name_string(n), terms}));
}

Bytes package(const std::vector<Bytes>& elements) {
  if (elements.size() > 0xff) throw std::length_error("AML Package holds at most 255 elements");
  Bytes body{static_cast<uint8_t>(elements.size())};
  put(body, cat(elements));
  return with_length({kPackageOp}, body);
}

Bytes buffer(const Bytes& data) { return with_length({kBufferOp}, cat({integer(data.size()), data})); }

namespace res {

// §6.4.2.5 I/O port descriptor (small item 0x47): 16-bit decode, fixed base.
Bytes io(uint16_t base, uint8_t length) {
  return {0x47, 0x01, static_cast<uint8_t>(base), static_cast<uint8_t>(base >> 8), static_cast<uint8_t>(base),
          static_cast<uint8_t>(base >> 8), 0x01, length};
}

// §6.4.2.1 IRQ descriptor without the information byte (0x22): edge, active high.
Bytes irq_edge_high(uint8_t irq) {
  if (irq > 15) throw std::invalid_argument("IRQ descriptor covers ISA IRQs 0-15");
  const uint16_t mask = static_cast<uint16_t>(1u << irq);
  return {0x22, static_cast<uint8_t>(mask), static_cast<uint8_t>(mask >> 8)};
}

namespace {
// General flags (§6.4.3.5.1): bit 3 max fixed, bit 2 min fixed, bit 1 subtractive decode,
// bit 0 consumer. A host bridge produces its windows: min and max fixed, positive decode.
constexpr uint8_t kProducerFixed = 0x0c;

Bytes word_space(uint8_t type, uint8_t type_flags, uint16_t min, uint16_t max) {
  Bytes out{0x88, 13, 0, type, kProducerFixed, type_flags};
  put_le(out, 0, 2);  // granularity
  put_le(out, min, 2);
  put_le(out, max, 2);
  put_le(out, 0, 2);  // translation
  put_le(out, uint32_t{max} - min + 1, 2);
  return out;
}
}  // namespace

// §6.4.3.5.3 Word address space descriptor (large item 0x88), resource type 2 = bus number.
Bytes word_bus_number(uint16_t min, uint16_t max) { return word_space(2, 0, min, max); }

// Resource type 1 = I/O; type flags 3 = entire range (ISA and non-ISA).
Bytes word_io(uint16_t min, uint16_t max) { return word_space(1, 3, min, max); }

// §6.4.3.5.2 DWord address space descriptor (large item 0x87), type 0 = memory; type flags
// bit 0 read-write, bits 2:1 = 1 cacheable / 0 non-cacheable.
Bytes dword_memory(uint32_t min, uint32_t max, bool cacheable) {
  Bytes out{0x87, 23, 0, 0, kProducerFixed, static_cast<uint8_t>(0x01 | (cacheable ? 0x02 : 0x00))};
  put_le(out, 0, 4);
  put_le(out, min, 4);
  put_le(out, max, 4);
  put_le(out, 0, 4);
  put_le(out, uint64_t{max} - min + 1, 4);
  return out;
}

}  // namespace res

// §6.4.2.9 end tag (0x79) with checksum 0, which means "treat as valid".
Bytes resource_template(const Bytes& descriptors) { return buffer(cat({descriptors, Bytes{0x79, 0x00}})); }

}  // namespace vireo::aml
