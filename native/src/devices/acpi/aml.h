// A small encoder for the ACPI Machine Language terms our DSDT needs: names, scopes,
// devices, packages, buffers, integers, strings, EISA ids and the resource descriptors of
// a _CRS. Encodings from the ACPI 6.5 specification, chapter 20 "ACPI Machine Language
// Specification" (opcodes, PkgLength, NameString) and 6.4 "Resource Data Types for ACPI"
// (https://uefi.org/specs/ACPI/6.5/). Every function returns the finished bytes of one
// term; callers concatenate them. Nothing here comes from the guest.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace vireo::aml {

using Bytes = std::vector<uint8_t>;

Bytes cat(std::initializer_list<Bytes> parts);
Bytes cat(const std::vector<Bytes>& parts);

// PkgLength for `content` bytes that follow it (the encoding counts its own bytes too).
Bytes pkg_length(size_t content);
// A NameString: "\\_SB.PCI0", "PCI0", "_HID"; segments shorter than 4 are padded with '_'.
Bytes name_string(std::string_view path);

Bytes integer(uint64_t v);  // ZeroOp, OneOp or the smallest Byte/Word/DWord/QWord const
Bytes string(std::string_view s);
Bytes eisa_id(std::string_view id);  // "PNP0A03" -> the compressed 32-bit id (DWordConst)

Bytes name(std::string_view n, const Bytes& value);          // Name(n, value)
Bytes scope(std::string_view n, const Bytes& terms);         // Scope(n) { terms }
Bytes device(std::string_view n, const Bytes& terms);        // Device(n) { terms }
Bytes package(const std::vector<Bytes>& elements);           // Package() { ... }
Bytes buffer(const Bytes& data);                             // Buffer() { data }

// Resource descriptors (concatenate them, then resource_template() adds the end tag).
namespace res {
Bytes io(uint16_t base, uint8_t length);   // IO (Decode16, base, base, 1, length)
Bytes irq_edge_high(uint8_t irq);           // IRQNoFlags () { irq }
Bytes word_bus_number(uint16_t min, uint16_t max);
Bytes word_io(uint16_t min, uint16_t max);  // producer, fixed min/max, entire range
Bytes dword_memory(uint32_t min, uint32_t max, bool cacheable);  // producer, read-write
}  // namespace res
Bytes resource_template(const Bytes& descriptors);

}  // namespace vireo::aml
