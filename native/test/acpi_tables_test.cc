// The ACPI tables: AML encodings against the specification's examples, the loader script's
// byte layout, the tables after the script has run (checksums, pointers, every CPU and
// interrupt), and ACPICA's own disassembler (Debian acpica-tools `iasl -d`) reading them
// back without complaint — a third-party reader of every table we generate.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "../src/core/le_bytes.h"
#include "../src/devices/acpi/acpi_tables.h"
#include "../src/devices/acpi/aml.h"
#include "check.h"

using namespace vireo;
namespace aml = vireo::aml;

namespace {

constexpr uint64_t kRsdpAt = 0xf5a40, kTablesAt = 0x7ffe0000;

AcpiPlatform platform(unsigned cpus) {
  AcpiPlatform p;
  p.cpus = cpus;
  p.ioapic_id = static_cast<uint8_t>(cpus);
  for (uint8_t slot = 3; slot <= 6; ++slot) p.pci_interrupts.push_back({slot, 0, 11});
  p.pci_interrupts.push_back({7, 0, 10});
  p.pci_interrupts.push_back({8, 0, 5});
  p.pci_interrupts.push_back({9, 0, 6});
  p.pci_mem_start = 0xe0000000;
  p.pci_mem_end = 0xfebfffff;
  return p;
}

uint8_t sum(const std::vector<uint8_t>& b, size_t at, size_t len) {
  uint8_t s = 0;
  for (size_t i = 0; i < len; ++i) s = static_cast<uint8_t>(s + b[at + i]);
  return s;
}

struct Placed {
  AcpiTables t;
  std::vector<uint8_t> rsdp, tables;
};

Placed placed(unsigned cpus) {
  Placed p;
  CHECK(build_acpi_tables(platform(cpus), &p.t).ok());
  CHECK(place_acpi_tables(p.t, kRsdpAt, kTablesAt, &p.rsdp, &p.tables).ok());
  return p;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(aml_pkg_length_boundaries) {
  // ACPI 6.5 §20.2.4: one byte up to 63 in all, then 2 bytes (12 bits), 3 (20), 4 (28).
  CHECK(aml::pkg_length(62) == aml::Bytes({63}));
  CHECK(aml::pkg_length(63) == aml::Bytes({0x41, 0x04}));  // 65 = 0x41: low nibble 1, next byte 4
  CHECK_EQ(aml::pkg_length(4093).size(), 2u);               // 4095 is the last 2-byte length
  CHECK_EQ(aml::pkg_length(4094).size(), 3u);
}

TEST(aml_names_integers_and_ids) {
  CHECK(aml::name_string("_HID") == aml::Bytes({'_', 'H', 'I', 'D'}));
  CHECK(aml::name_string("\\_SB.PCI0") == aml::Bytes({0x5c, 0x2e, '_', 'S', 'B', '_', 'P', 'C', 'I', '0'}));
  CHECK(aml::name_string("KBD") == aml::Bytes({'K', 'B', 'D', '_'}));
  CHECK(aml::integer(0) == aml::Bytes({0x00}));
  CHECK(aml::integer(1) == aml::Bytes({0x01}));
  CHECK(aml::integer(0x3f8) == aml::Bytes({0x0b, 0xf8, 0x03}));
  CHECK(aml::integer(0x1ffff) == aml::Bytes({0x0c, 0xff, 0xff, 0x01, 0x00}));
  // What iasl compiles EISAID("PNP0A03") to: DWordConst 0x030AD041.
  CHECK(aml::eisa_id("PNP0A03") == aml::Bytes({0x0c, 0x41, 0xd0, 0x0a, 0x03}));
  CHECK(aml::string("ACPI0007") == aml::Bytes({0x0d, 'A', 'C', 'P', 'I', '0', '0', '0', '7', 0}));
}

TEST(loader_script_layout) {
  AcpiTables t;
  CHECK(build_acpi_tables(platform(2), &t).ok());
  const std::vector<uint8_t> s = t.loader.script();
  CHECK_EQ(s.size() % TableLoader::kCommandSize, 0u);
  // First command: ALLOCATE etc/acpi/tables, align 64, zone HIGH (SeaBIOS romfile_loader.h).
  CHECK_EQ(le32(s.data()), 1u);
  CHECK(std::string(reinterpret_cast<const char*>(s.data() + 4)) == "etc/acpi/tables");
  CHECK_EQ(le32(s.data() + 60), 64u);
  CHECK_EQ(s[64], 1);
  // Second: the RSDP in the F segment.
  CHECK(std::string(reinterpret_cast<const char*>(s.data() + 128 + 4)) == "etc/acpi/rsdp");
  CHECK_EQ(s[128 + 64], 2);
}

TEST(placed_tables_have_checksums_and_pointers) {
  Placed p = placed(4);
  const AcpiTables& t = p.t;
  CHECK(std::memcmp(p.rsdp.data(), "RSD PTR ", 8) == 0);
  CHECK_EQ(sum(p.rsdp, 0, 20), 0);
  CHECK_EQ(sum(p.rsdp, 0, 36), 0);
  CHECK_EQ(le32(p.rsdp.data() + 16), kTablesAt + t.rsdt);
  CHECK_EQ(le64(p.rsdp.data() + 24), kTablesAt + t.xsdt);
  for (uint32_t at : {t.dsdt, t.fadt, t.madt, t.rsdt, t.xsdt}) CHECK_EQ(sum(p.tables, at, le32(p.tables.data() + at + 4)), 0);
  CHECK_EQ(le64(p.tables.data() + t.xsdt + 36), kTablesAt + t.fadt);
  CHECK_EQ(le64(p.tables.data() + t.xsdt + 44), kTablesAt + t.madt);
  CHECK_EQ(le32(p.tables.data() + t.rsdt + 40), kTablesAt + t.madt);
  CHECK_EQ(le32(p.tables.data() + t.fadt + 36), kTablesAt + t.facs);
  CHECK_EQ(le32(p.tables.data() + t.fadt + 40), kTablesAt + t.dsdt);
  CHECK_EQ(le64(p.tables.data() + t.fadt + 140), kTablesAt + t.dsdt);
  CHECK_EQ((kTablesAt + t.facs) % 64, 0u);
  // FADT: SCI 9, PM1a event/control and the timer at 0x600/0x604/0x608, reset via 0xCF9.
  CHECK_EQ(le16(p.tables.data() + t.fadt + 46), 9);
  CHECK_EQ(le32(p.tables.data() + t.fadt + 56), 0x600u);
  CHECK_EQ(le32(p.tables.data() + t.fadt + 64), 0x604u);
  CHECK_EQ(le32(p.tables.data() + t.fadt + 76), 0x608u);
  CHECK_EQ(le64(p.tables.data() + t.fadt + 116 + 4), 0xcf9u);
  CHECK_EQ(p.tables[t.fadt + 128], 0x06);
  // MADT: one enabled LAPIC per vCPU, then the I/O APIC with id = cpus.
  const uint8_t* m = p.tables.data() + t.madt + 44;
  for (unsigned i = 0; i < 4; ++i, m += 8) {
    CHECK_EQ(m[0], 0);
    CHECK_EQ(m[3], i);
    CHECK_EQ(le32(m + 4), 1u);
  }
  CHECK_EQ(m[0], 1);
  CHECK_EQ(m[2], 4);
  CHECK_EQ(le32(m + 4), 0xfec00000u);
}

TEST(bad_platforms_are_refused) {
  AcpiTables t;
  AcpiPlatform p = platform(1);
  p.cpus = 0;
  CHECK(!build_acpi_tables(p, &t).ok());
  p = platform(1);
  p.pci_mem_end = 0;
  CHECK(!build_acpi_tables(p, &t).ok());
  // A loader script that names a file nobody supplies fails instead of patching nothing.
  CHECK(build_acpi_tables(platform(1), &t).ok());
  std::map<std::string, std::vector<uint8_t>> files{{AcpiTables::kTablesFile, t.tables}};
  CHECK(!t.loader.execute(files, {{AcpiTables::kTablesFile, kTablesAt}}).ok());
}

TEST(acpica_disassembles_every_table) {
  if (std::system("command -v iasl >/dev/null 2>&1") != 0) {
    if (const char* req = std::getenv("VIREO_REQUIRE_TOOLS"); req && std::string(req) == "1") {
      std::fprintf(stderr, "  iasl not found: apt-get install acpica-tools (VIREO_REQUIRE_TOOLS=1)\n");
      ++vireo_test::failures();
    } else {
      std::fprintf(stderr, "SKIPPED acpica_disassembles_every_table: iasl not found (apt-get install acpica-tools)\n");
    }
    return;
  }
  Placed p = placed(4);
  char dir[] = "/tmp/vireo-acpi-XXXXXX";
  CHECK(mkdtemp(dir) != nullptr);
  const std::string d = dir;
  auto dump = [&](const std::string& name, const uint8_t* data, size_t len) {
    std::ofstream(d + "/" + name + ".dat", std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(len));
  };
  const AcpiTables& t = p.t;
  // (The RSDP is not a table iasl -d reads; its checksums are checked above.)
  for (auto [name, at] : {std::pair{"dsdt", t.dsdt}, {"facp", t.fadt}, {"apic", t.madt}, {"rsdt", t.rsdt}, {"xsdt", t.xsdt}})
    dump(name, p.tables.data() + at, le32(p.tables.data() + at + 4));
  dump("facs", p.tables.data() + t.facs, 64);
  const std::string cmd = "cd " + d + " && for f in *.dat; do iasl -d $f >>iasl.log 2>&1 || exit 1; done && iasl -p recompiled dsdt.dsl >>iasl.log 2>&1";
  const int rc = std::system(cmd.c_str());
  if (rc != 0) std::fprintf(stderr, "%s\n", slurp(d + "/iasl.log").c_str());
  CHECK_EQ(rc, 0);
  const std::string all = slurp(d + "/dsdt.dsl") + slurp(d + "/facp.dsl") + slurp(d + "/apic.dsl") + slurp(d + "/rsdt.dsl") +
                          slurp(d + "/xsdt.dsl") + slurp(d + "/facs.dsl");
  // Recompiling the disassembled DSDT gives no error and no warning.
  CHECK(slurp(d + "/iasl.log").find("Compilation successful. 0 Errors, 0 Warnings") != std::string::npos);
  CHECK_EQ(count(all, "Incorrect checksum"), 0u);
  CHECK_EQ(count(all, "Invalid"), 0u);
  const std::string dsdt = slurp(d + "/dsdt.dsl");
  for (const char* want : {"EisaId (\"PNP0A03\")", "EisaId (\"PNP0303\")", "EisaId (\"PNP0501\")", "_PRT", "Name (\\_S5,", "\"ACPI0007\""})
    if (dsdt.find(want) == std::string::npos) {
      std::fprintf(stderr, "  dsdt.dsl lacks %s\n", want);
      ++vireo_test::failures();
    }
  CHECK_EQ(count(dsdt, "0x0000FFFF"), 0u);  // no slot-0 routing entry was asked for
  CHECK_EQ(count(slurp(d + "/apic.dsl"), "[Processor Local APIC]"), 4u);
  CHECK_EQ(count(slurp(d + "/apic.dsl"), "[Interrupt Source Override]"), 5u);  // SCI 9, PCI 5, 6, 10, 11
  if (std::getenv("VIREO_KEEP_ACPI")) std::fprintf(stderr, "  kept %s\n", d.c_str());
  const std::string rm = std::getenv("VIREO_KEEP_ACPI") ? "true" : "rm -rf " + d;
  CHECK_EQ(std::system(rm.c_str()), 0);
}
