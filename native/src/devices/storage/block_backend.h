// BlockBackend: the device-side seam for a disk or CD image. Disk devices (IDE/ATA,
// ATAPI, virtio-blk) call it synchronously on a vCPU thread; an implementation may
// block briefly (a pread, a page-cache miss). Offsets and lengths are in bytes; the
// devices check every guest-supplied range against size_bytes() before calling, and
// implementations check again (a request past the end fails, it is never clipped).
// Image formats (VMDK sparse, ...) live in TypeScript (electron/vmfiles/vmdk) and are
// bridged by the VMM behind this interface; raw/flat images use FileBlockBackend.
#pragma once
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"

namespace vireo {

class BlockBackend {
 public:
  virtual ~BlockBackend() = default;
  virtual uint64_t size_bytes() const = 0;
  virtual bool read_only() const = 0;
  virtual Status read(uint64_t offset, uint8_t* buf, size_t len) = 0;
  virtual Status write(uint64_t offset, const uint8_t* buf, size_t len) = 0;
  // Makes completed writes durable (fdatasync for files).
  virtual Status flush() = 0;
};

// True when [offset, offset+len) lies inside a backend of `size` bytes (no overflow).
inline bool block_range_ok(uint64_t size, uint64_t offset, uint64_t len) {
  return offset <= size && len <= size - offset;
}

// A raw image file (pread/pwrite/fdatasync). Its size is fixed at open; writes never
// extend the file.
class FileBlockBackend : public BlockBackend {
 public:
  FileBlockBackend() = default;
  ~FileBlockBackend() override;
  FileBlockBackend(const FileBlockBackend&) = delete;
  FileBlockBackend& operator=(const FileBlockBackend&) = delete;

  Status open(const std::string& path, bool read_only);
  uint64_t size_bytes() const override { return size_; }
  bool read_only() const override { return read_only_; }
  Status read(uint64_t offset, uint8_t* buf, size_t len) override;
  Status write(uint64_t offset, const uint8_t* buf, size_t len) override;
  Status flush() override;

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
  bool read_only_ = true;
  std::string path_;
};

// An image held in memory (tests). Counts flushes so tests can see FLUSH reach it.
class MemoryBlockBackend : public BlockBackend {
 public:
  MemoryBlockBackend(uint64_t size, bool read_only) : data_(size), read_only_(read_only) {}
  uint64_t size_bytes() const override { return data_.size(); }
  bool read_only() const override { return read_only_; }
  Status read(uint64_t offset, uint8_t* buf, size_t len) override;
  Status write(uint64_t offset, const uint8_t* buf, size_t len) override;
  Status flush() override;

  std::vector<uint8_t>& data() { return data_; }
  uint64_t flushes() const { return flushes_; }
  uint64_t accesses() const { return accesses_; }

 private:
  std::mutex mu_;
  std::vector<uint8_t> data_;
  bool read_only_;
  uint64_t flushes_ = 0;
  uint64_t accesses_ = 0;
};

}  // namespace vireo
