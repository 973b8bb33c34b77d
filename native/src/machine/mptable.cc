#include "machine/mptable.h"

#include <cstring>
#include <vector>

#include "core/layout.h"

namespace vireo {

namespace {

// MP spec 1.4 §4.1 floating pointer structure.
struct __attribute__((packed)) MpFloating {
  char signature[4];  // "_MP_"
  uint32_t config_ptr;
  uint8_t length;     // in 16-byte units: 1
  uint8_t revision;   // 4 = spec 1.4
  uint8_t checksum;
  uint8_t feature[5];
};

// §4.2 configuration table header.
struct __attribute__((packed)) MpConfigHeader {
  char signature[4];  // "PCMP"
  uint16_t length;
  uint8_t revision;
  uint8_t checksum;
  char oem[8];
  char product[12];
  uint32_t oem_table;
  uint16_t oem_size;
  uint16_t entry_count;
  uint32_t lapic;
  uint16_t ext_length;
  uint8_t ext_checksum;
  uint8_t reserved;
};

struct __attribute__((packed)) MpProcessor {  // type 0
  uint8_t type, apic_id, apic_version, flags;
  uint32_t signature, features;
  uint32_t reserved[2];
};

struct __attribute__((packed)) MpBus {  // type 1
  uint8_t type, bus_id;
  char bus_type[6];
};

struct __attribute__((packed)) MpIoApic {  // type 2
  uint8_t type, id, version, flags;
  uint32_t address;
};

struct __attribute__((packed)) MpInterrupt {  // type 3 (I/O) and 4 (local)
  uint8_t type, irq_type;
  uint16_t flags;
  uint8_t src_bus, src_irq, dst_apic, dst_pin;
};

uint8_t checksum(const uint8_t* p, size_t n) {
  uint8_t sum = 0;
  for (size_t i = 0; i < n; ++i) sum += p[i];
  return static_cast<uint8_t>(-sum);
}

template <typename T>
void append(std::vector<uint8_t>& out, const T& v) {
  const auto* p = reinterpret_cast<const uint8_t*>(&v);
  out.insert(out.end(), p, p + sizeof(T));
}

}  // namespace

Status write_mptable(GuestMemory& mem, uint64_t addr, unsigned cpus) {
  if (cpus == 0 || cpus > 254) return Status::Error(ErrorCode::kInvalidArgument, "MP table: bad CPU count");
  const uint8_t ioapic_id = static_cast<uint8_t>(cpus);
  std::vector<uint8_t> body;
  uint16_t entries = 0;
  for (unsigned i = 0; i < cpus; ++i) {
    MpProcessor p{};
    p.type = 0;
    p.apic_id = static_cast<uint8_t>(i);
    p.apic_version = 0x14;
    p.flags = 1 | (i == 0 ? 2 : 0);  // enabled; BSP
    p.signature = 0x600;             // family 6
    p.features = 0x201;              // FPU, APIC
    append(body, p);
    ++entries;
  }
  MpBus isa{1, 0, {'I', 'S', 'A', ' ', ' ', ' '}};
  append(body, isa);
  ++entries;
  MpIoApic io{2, ioapic_id, 0x11, 1, static_cast<uint32_t>(layout::kIoApic)};
  append(body, io);
  ++entries;
  // ISA IRQ n -> I/O APIC pin n (KVM's default GSI routing), edge/high (flags 0 =
  // conforming to the bus). IRQ 2 is the PIC cascade and has no pin of its own.
  for (uint8_t irq = 0; irq < 16; ++irq) {
    if (irq == 2) continue;
    MpInterrupt e{3, 0 /* INT */, 0, 0, irq, ioapic_id, irq};
    append(body, e);
    ++entries;
  }
  MpInterrupt extint{4, 3 /* ExtINT */, 0, 0, 0, 0xff, 0};  // LINT0 of every LAPIC
  MpInterrupt nmi{4, 1 /* NMI */, 0, 0, 0, 0xff, 1};        // LINT1
  append(body, extint);
  append(body, nmi);
  entries += 2;

  MpConfigHeader h{};
  std::memcpy(h.signature, "PCMP", 4);
  h.length = static_cast<uint16_t>(sizeof(h) + body.size());
  h.revision = 4;
  std::memcpy(h.oem, "VIREO   ", 8);
  std::memcpy(h.product, "VIREO PC    ", 12);
  h.entry_count = entries;
  h.lapic = static_cast<uint32_t>(layout::kLapic);
  std::vector<uint8_t> table;
  append(table, h);
  table.insert(table.end(), body.begin(), body.end());
  table[7] = checksum(table.data(), table.size());  // offset of MpConfigHeader::checksum

  MpFloating f{};
  std::memcpy(f.signature, "_MP_", 4);
  f.config_ptr = static_cast<uint32_t>(addr + sizeof(MpFloating));
  f.length = 1;
  f.revision = 4;
  f.checksum = checksum(reinterpret_cast<const uint8_t*>(&f), sizeof(f));

  if (!mem.write(addr, &f, sizeof(f)) || !mem.write(addr + sizeof(f), table.data(), table.size()))
    return Status::Error(ErrorCode::kInternal, "MP table does not fit in guest memory");
  return Status::Ok();
}

}  // namespace vireo
