#include "acpi_tables.h"

#include <cstring>
#include <exception>
#include <set>

#include "../../core/le_bytes.h"
#include "aml.h"

namespace vireo {

namespace {

using Bytes = std::vector<uint8_t>;
constexpr size_t kHeader = 36;  // ACPI 6.5 §5.2.6 system description table header
constexpr size_t kChecksumAt = 9;

void put_le(Bytes& b, size_t at, uint64_t v, unsigned n) {
  for (unsigned i = 0; i < n; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

Bytes header(const char sig[4], uint32_t length, uint8_t revision) {
  Bytes h(kHeader, 0);
  std::memcpy(h.data(), sig, 4);
  put_le(h, 4, length, 4);
  h[8] = revision;
  std::memcpy(h.data() + 10, "VIREO ", 6);    // OEM ID
  std::memcpy(h.data() + 16, "VIREOPC ", 8);  // OEM table ID
  put_le(h, 24, 1, 4);                        // OEM revision
  std::memcpy(h.data() + 28, "VIRE", 4);      // creator ID
  put_le(h, 32, 1, 4);                        // creator revision
  return h;
}

// §5.2.3.2 Generic Address Structure.
void put_gas(Bytes& b, size_t at, uint8_t space, uint8_t bit_width, uint8_t access, uint64_t address) {
  b[at] = space;
  b[at + 1] = bit_width;
  b[at + 2] = 0;
  b[at + 3] = access;
  put_le(b, at + 4, address, 8);
}
constexpr uint8_t kSystemIo = 1;

Bytes facs() {
  // §5.2.10: 64 bytes, no checksum; version 2, no global lock (no SMM firmware shares it).
  Bytes f(64, 0);
  std::memcpy(f.data(), "FACS", 4);
  put_le(f, 4, 64, 4);
  f[32] = 2;
  return f;
}

Bytes dsdt(const AcpiPlatform& p) {
  using namespace aml;
  std::vector<Bytes> prt;
  for (const AcpiPciInterrupt& i : p.pci_interrupts) {
    // §6.2.13 _PRT entry: Address (device in bits 31:16, any function 0xFFFF), Pin, Source
    // (0: Source Index is the GSI itself), Source Index.
    prt.push_back(package({integer(uint64_t{i.slot} << 16 | 0xffff), integer(i.pin), integer(0), integer(i.gsi)}));
  }
  const Bytes host_bridge_crs = resource_template(cat({
      res::word_bus_number(0, 0xff),
      res::io(0xcf8, 8),
      res::word_io(0x0000, 0x0cf7),
      res::word_io(0x0d00, 0xffff),
      res::dword_memory(0x000a0000, 0x000bffff, true),  // the legacy VGA window
      res::dword_memory(p.pci_mem_start, p.pci_mem_end, false),
  }));
  // The ISA devices the board has. SeaBIOS skips its PS/2 setup when a loader-provided
  // DSDT has no PNP0303 keyboard (SeaBIOS src/hw/ps2port.c; docs/acpi.md).
  const Bytes isa = cat({
      device("KBD", cat({name("_HID", eisa_id("PNP0303")), name("_CRS", resource_template(cat({res::io(0x60, 1), res::io(0x64, 1), res::irq_edge_high(1)})))})),
      device("MOU", cat({name("_HID", eisa_id("PNP0F13")), name("_CRS", resource_template(res::irq_edge_high(12)))})),
      device("COM1", cat({name("_HID", eisa_id("PNP0501")), name("_UID", integer(1)), name("_CRS", resource_template(cat({res::io(0x3f8, 8), res::irq_edge_high(4)})))})),
      device("RTC", cat({name("_HID", eisa_id("PNP0B00")), name("_CRS", resource_template(cat({res::io(0x70, 2), res::irq_edge_high(8)})))})),
  });
  const Bytes pci0 = device("PCI0", cat({
                                         name("_HID", eisa_id("PNP0A03")),
                                         name("_UID", integer(0)),
                                         name("_CRS", host_bridge_crs),
                                         name("_PRT", package(prt)),
                                         isa,
                                     }));
  std::vector<Bytes> cpus;
  for (unsigned i = 0; i < p.cpus; ++i) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    const char n[5] = {'C', kHex[(i >> 8) & 0xf], kHex[(i >> 4) & 0xf], kHex[i & 0xf], 0};
    cpus.push_back(device(n, cat({name("_HID", string("ACPI0007")), name("_UID", integer(i))})));
  }
  const Bytes body = cat({
      scope("\\_SB", cat({pci0, cat(cpus)})),
      // \_S5: SLP_TYPa, SLP_TYPb and two reserved values (§7.4.2).
      name("\\_S5", package({integer(AcpiTables::kSlpTypS5), integer(AcpiTables::kSlpTypS5), integer(0), integer(0)})),
  });
  Bytes t = header("DSDT", static_cast<uint32_t>(kHeader + body.size()), 2);
  t.insert(t.end(), body.begin(), body.end());
  return t;
}

// §5.2.9 FADT, revision 6 (ACPI 6.0 layout, 276 bytes). Pointer fields hold offsets into
// the tables blob until the loader adds its address.
constexpr uint32_t kFadtLength = 276;
Bytes fadt(const AcpiPlatform& p, uint32_t facs_off, uint32_t dsdt_off) {
  Bytes f = header("FACP", kFadtLength, 6);
  f.resize(kFadtLength, 0);
  put_le(f, 36, facs_off, 4);  // FIRMWARE_CTRL
  put_le(f, 40, dsdt_off, 4);  // DSDT
  f[45] = 0;                   // Preferred_PM_Profile: unspecified
  put_le(f, 46, p.sci_irq, 2);
  // SMI_CMD 0: no SMM, the machine is always in ACPI mode (PM1_CNT.SCI_EN reads 1).
  put_le(f, 56, p.pm_base, 4);      // PM1a_EVT_BLK
  put_le(f, 64, p.pm_base + 4, 4);  // PM1a_CNT_BLK
  put_le(f, 76, p.pm_base + 8, 4);  // PM_TMR_BLK
  f[88] = 4;                        // PM1_EVT_LEN
  f[89] = 2;                        // PM1_CNT_LEN
  f[91] = 4;                        // PM_TMR_LEN
  put_le(f, 96, 0x0fff, 2);         // P_LVL2_LAT > 100: no C2
  put_le(f, 98, 0x0fff, 2);         // P_LVL3_LAT > 1000: no C3
  f[108] = p.cmos_century;
  put_le(f, 109, 0x0003, 2);  // IAPC_BOOT_ARCH: LEGACY_DEVICES | 8042 (Linux then probes the i8042 without PNP)
  // Flags: WBINVD, PROC_C1, SLP_BUTTON (no fixed sleep button; the power button is fixed),
  // FIX_RTC (no RTC_STS in PM1), TMR_VAL_EXT (32-bit PM timer), RESET_REG_SUP.
  put_le(f, 112, 1u << 0 | 1u << 2 | 1u << 5 | 1u << 6 | 1u << 8 | 1u << 10, 4);
  put_gas(f, 116, kSystemIo, 8, 1, p.reset_port);  // RESET_REG, byte access
  f[128] = p.reset_value;
  f[131] = 0;                    // FADT minor version
  put_le(f, 140, dsdt_off, 8);   // X_DSDT
  put_gas(f, 148, kSystemIo, 32, 0, p.pm_base);      // X_PM1a_EVT_BLK
  put_gas(f, 172, kSystemIo, 16, 0, p.pm_base + 4);  // X_PM1a_CNT_BLK
  put_gas(f, 208, kSystemIo, 32, 0, p.pm_base + 8);  // X_PM_TMR_BLK
  return f;
}

// §5.2.12 MADT.
Bytes madt(const AcpiPlatform& p) {
  Bytes body(8, 0);
  put_le(body, 0, p.lapic_address, 4);
  put_le(body, 4, 1, 4);  // PCAT_COMPAT: dual 8259 PICs present
  for (unsigned i = 0; i < p.cpus; ++i) body.insert(body.end(), {0, 8, static_cast<uint8_t>(i), static_cast<uint8_t>(i), 1, 0, 0, 0});
  Bytes io{1, 12, p.ioapic_id, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  put_le(io, 4, p.ioapic_address, 4);  // GSI base 0
  body.insert(body.end(), io.begin(), io.end());
  // ISA IRQ n reaches I/O APIC pin n (KVM's default routing), IRQ0 included, so only the
  // lines that are not ISA-style need an override: the SCI and the PCI INTx lines are
  // level-triggered, active high (flags 0x000D, as QEMU declares them for KVM's I/O APIC,
  // which does not model polarity).
  std::set<uint8_t> level{p.sci_irq};
  for (const AcpiPciInterrupt& i : p.pci_interrupts) level.insert(i.gsi);
  for (uint8_t irq : level) {
    Bytes iso{2, 10, 0, irq, irq, 0, 0, 0, 0x0d, 0x00};
    body.insert(body.end(), iso.begin(), iso.end());
  }
  body.insert(body.end(), {4, 6, 0xff, 0, 0, 1});  // LINT1 of every processor is the NMI
  Bytes t = header("APIC", static_cast<uint32_t>(kHeader + body.size()), 5);
  t.insert(t.end(), body.begin(), body.end());
  return t;
}

Bytes pointer_table(const char sig[4], const std::vector<uint32_t>& entries, unsigned width, uint8_t revision) {
  Bytes t = header(sig, static_cast<uint32_t>(kHeader + entries.size() * width), revision);
  t.resize(kHeader + entries.size() * width, 0);
  for (size_t i = 0; i < entries.size(); ++i) put_le(t, kHeader + i * width, entries[i], width);
  return t;
}

uint32_t append(Bytes& blob, const Bytes& table, uint32_t align) {
  while (blob.size() % align) blob.push_back(0);
  const auto at = static_cast<uint32_t>(blob.size());
  blob.insert(blob.end(), table.begin(), table.end());
  return at;
}

Status build(const AcpiPlatform& p, AcpiTables* out) {
  if (p.cpus == 0 || p.cpus > 254) return Status::Error(ErrorCode::kInvalidArgument, "ACPI: bad CPU count");
  if (p.pci_mem_start == 0 || p.pci_mem_end <= p.pci_mem_start)
    return Status::Error(ErrorCode::kInvalidArgument, "ACPI: no PCI memory window");
  AcpiTables t;
  Bytes& blob = t.tables;
  t.facs = append(blob, facs(), 64);
  t.dsdt = append(blob, dsdt(p), 8);
  t.fadt = append(blob, fadt(p, t.facs, t.dsdt), 8);
  t.madt = append(blob, madt(p), 8);
  t.rsdt = append(blob, pointer_table("RSDT", {t.fadt, t.madt}, 4, 1), 8);
  t.xsdt = append(blob, pointer_table("XSDT", {t.fadt, t.madt}, 8, 1), 8);

  // §5.2.5.3 RSDP, revision 2.
  t.rsdp.assign(36, 0);
  std::memcpy(t.rsdp.data(), "RSD PTR ", 8);
  std::memcpy(t.rsdp.data() + 9, "VIREO ", 6);
  t.rsdp[15] = 2;
  put_le(t.rsdp, 16, t.rsdt, 4);
  put_le(t.rsdp, 20, 36, 4);
  put_le(t.rsdp, 24, t.xsdt, 8);

  const std::string rsdp = AcpiTables::kRsdpFile, tables = AcpiTables::kTablesFile;
  TableLoader& l = t.loader;
  l.allocate(tables, 64, TableLoader::Zone::kHigh);
  l.allocate(rsdp, 16, TableLoader::Zone::kFseg);
  l.add_pointer(tables, t.fadt + 36, 4, tables);
  l.add_pointer(tables, t.fadt + 40, 4, tables);
  l.add_pointer(tables, t.fadt + 140, 8, tables);
  for (unsigned i = 0; i < 2; ++i) {
    l.add_pointer(tables, t.rsdt + kHeader + 4 * i, 4, tables);
    l.add_pointer(tables, t.xsdt + kHeader + 8 * i, 8, tables);
  }
  l.add_pointer(rsdp, 16, 4, tables);
  l.add_pointer(rsdp, 24, 8, tables);
  for (uint32_t at : {t.dsdt, t.fadt, t.madt, t.rsdt, t.xsdt}) l.add_checksum(tables, at + kChecksumAt, at, le32(blob.data() + at + 4));
  l.add_checksum(rsdp, 8, 0, 20);   // the ACPI 1.0 checksum over the first 20 bytes
  l.add_checksum(rsdp, 32, 0, 36);  // the extended checksum over all of it
  *out = std::move(t);
  return Status::Ok();
}

}  // namespace

Status build_acpi_tables(const AcpiPlatform& p, AcpiTables* out) {
  try {
    return build(p, out);
  } catch (const std::exception& e) {  // the AML encoder refuses impossible names or sizes
    return Status::Error(ErrorCode::kInternal, std::string("ACPI tables: ") + e.what());
  }
}

Status place_acpi_tables(const AcpiTables& t, uint64_t rsdp_addr, uint64_t tables_addr, std::vector<uint8_t>* rsdp,
                         std::vector<uint8_t>* tables) {
  std::map<std::string, std::vector<uint8_t>> files{{AcpiTables::kRsdpFile, t.rsdp}, {AcpiTables::kTablesFile, t.tables}};
  Status s = t.loader.execute(files, {{AcpiTables::kRsdpFile, rsdp_addr}, {AcpiTables::kTablesFile, tables_addr}});
  if (!s.ok()) return s;
  *rsdp = std::move(files[AcpiTables::kRsdpFile]);
  *tables = std::move(files[AcpiTables::kTablesFile]);
  return Status::Ok();
}

}  // namespace vireo
