// The ACPI tables of the Vireo PC: RSDP, RSDT + XSDT, FADT with FACS, MADT and a DSDT in
// AML we generate (aml.h), with the linker/loader script that lets SeaBIOS or OVMF place
// them (table_loader.h) — the route QEMU uses and the only one SeaBIOS 1.17 keeps
// (docs/acpi.md). The same script places them for a direct kernel boot.
//
// What the tables say about the machine comes from AcpiPlatform, filled by the board from
// its own constants (slots, GSIs, ports), so the tables cannot disagree with the devices.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "../../core/status.h"
#include "table_loader.h"

namespace vireo {

struct AcpiPciInterrupt {
  uint8_t slot;  // device number on bus 0
  uint8_t pin;   // 0 = INTA# … 3 = INTD#
  uint8_t gsi;   // the I/O APIC input (below 16, so PIC mode routes the same numbers)
};

struct AcpiPlatform {
  unsigned cpus = 1;  // LAPIC ids 0..cpus-1, ACPI processor UIDs the same
  uint32_t lapic_address = 0xfee00000;
  uint8_t ioapic_id = 0;
  uint32_t ioapic_address = 0xfec00000;
  std::vector<AcpiPciInterrupt> pci_interrupts;
  // PM register block (PIIX4-style): PM1a_EVT at +0 (4 bytes), PM1a_CNT at +4 (2), PM_TMR
  // at +8 (4, 32-bit). 0x600 is where SeaBIOS expects it once a table-loader exists.
  uint16_t pm_base = 0x600;
  uint8_t sci_irq = 9;
  uint16_t reset_port = 0xcf9;  // RESET_REG in I/O space
  uint8_t reset_value = 0x06;
  uint32_t pci_mem_start = 0, pci_mem_end = 0;  // the host bridge's 32-bit MMIO window, inclusive
  uint8_t cmos_century = 0x32;                  // CMOS index of the century byte
};

struct AcpiTables {
  static constexpr const char* kRsdpFile = "etc/acpi/rsdp";
  static constexpr const char* kTablesFile = "etc/acpi/tables";
  static constexpr const char* kLoaderFile = "etc/table-loader";
  // S5 (soft off) SLP_TYP value in the DSDT's \_S5 and what the PM device powers off on.
  static constexpr uint8_t kSlpTypS5 = 0;

  std::vector<uint8_t> rsdp;    // 36 bytes, pointers relative to `tables`
  std::vector<uint8_t> tables;  // FACS, DSDT, FADT, MADT, RSDT, XSDT
  TableLoader loader;
  // Offsets inside `tables` (tests and the direct-boot writer read them).
  uint32_t facs = 0, dsdt = 0, fadt = 0, madt = 0, rsdt = 0, xsdt = 0;
};

Status build_acpi_tables(const AcpiPlatform& p, AcpiTables* out);

// Runs the loader script for fixed addresses: `rsdp` and `tables` come back with every
// pointer and checksum final, ready to copy into guest memory at those addresses.
Status place_acpi_tables(const AcpiTables& t, uint64_t rsdp_addr, uint64_t tables_addr, std::vector<uint8_t>* rsdp,
                         std::vector<uint8_t>* tables);

}  // namespace vireo
