#include "table_loader.h"

#include <cstring>
#include <stdexcept>

#include "../../core/le_bytes.h"

namespace vireo {

namespace {
// Command numbers (SeaBIOS romfile_loader.h ROMFILE_LOADER_COMMAND_*).
constexpr uint32_t kAllocate = 1, kAddPointer = 2, kAddChecksum = 3;

void check_name(const std::string& f) {
  if (f.empty() || f.size() >= TableLoader::kFileNameMax) throw std::invalid_argument("table-loader file name length");
}

void put_name(uint8_t* p, const std::string& f) { std::memcpy(p, f.data(), f.size()); }
}  // namespace

void TableLoader::allocate(const std::string& file, uint32_t align, Zone zone) {
  check_name(file);
  commands_.push_back({kAllocate, file, "", align, 0, 0, static_cast<uint8_t>(zone)});
}

void TableLoader::add_pointer(const std::string& dest, uint32_t offset, uint8_t size, const std::string& src) {
  check_name(dest);
  check_name(src);
  if (size != 1 && size != 2 && size != 4 && size != 8) throw std::invalid_argument("table-loader pointer size");
  commands_.push_back({kAddPointer, dest, src, offset, 0, 0, size});
}

void TableLoader::add_checksum(const std::string& file, uint32_t offset, uint32_t start, uint32_t length) {
  check_name(file);
  commands_.push_back({kAddChecksum, file, "", offset, start, length, 0});
}

// Byte layout of one 128-byte entry:
//   0  u32 command
//   4  ALLOCATE:    char file[56]; u32 align (60); u8 zone (64)
//      ADD_POINTER: char dest[56]; char src[56] (60); u32 offset (116); u8 size (120)
//      ADD_CHECKSUM: char file[56]; u32 offset (60); u32 start (64); u32 length (68)
std::vector<uint8_t> TableLoader::script() const {
  std::vector<uint8_t> out(commands_.size() * kCommandSize, 0);
  for (size_t i = 0; i < commands_.size(); ++i) {
    const Command& c = commands_[i];
    uint8_t* p = out.data() + i * kCommandSize;
    put_le32(p, c.kind);
    put_name(p + 4, c.file);
    switch (c.kind) {
      case kAllocate:
        put_le32(p + 60, c.a);
        p[64] = c.zone_or_size;
        break;
      case kAddPointer:
        put_name(p + 60, c.src);
        put_le32(p + 116, c.a);
        p[120] = c.zone_or_size;
        break;
      case kAddChecksum:
        put_le32(p + 60, c.a);
        put_le32(p + 64, c.b);
        put_le32(p + 68, c.c);
        break;
    }
  }
  return out;
}

Status TableLoader::execute(std::map<std::string, std::vector<uint8_t>>& files, const std::map<std::string, uint64_t>& base) const {
  auto bad = [](const std::string& what) { return Status::Error(ErrorCode::kInternal, "ACPI table-loader: " + what); };
  for (const Command& c : commands_) {
    auto f = files.find(c.file);
    if (f == files.end()) return bad("no file " + c.file);
    std::vector<uint8_t>& data = f->second;
    switch (c.kind) {
      case kAllocate:
        if (!base.count(c.file)) return bad("no address for " + c.file);
        if (c.a && base.at(c.file) % c.a) return bad(c.file + " misaligned");
        break;
      case kAddPointer: {
        if (!base.count(c.src)) return bad("no address for " + c.src);
        if (uint64_t{c.a} + c.zone_or_size > data.size()) return bad("pointer outside " + c.file);
        uint64_t v = 0;
        for (unsigned i = 0; i < c.zone_or_size; ++i) v |= uint64_t{data[c.a + i]} << (8 * i);
        v += base.at(c.src);
        if (c.zone_or_size < 8 && (v >> (8 * c.zone_or_size)) != 0) return bad("pointer to " + c.src + " does not fit");
        for (unsigned i = 0; i < c.zone_or_size; ++i) data[c.a + i] = static_cast<uint8_t>(v >> (8 * i));
        break;
      }
      case kAddChecksum: {
        if (c.a >= data.size() || uint64_t{c.b} + c.c > data.size()) return bad("checksum outside " + c.file);
        uint8_t sum = 0;
        for (uint32_t i = 0; i < c.c; ++i) sum = static_cast<uint8_t>(sum + data[c.b + i]);
        data[c.a] = static_cast<uint8_t>(data[c.a] - sum);
        break;
      }
    }
  }
  return Status::Ok();
}

}  // namespace vireo
