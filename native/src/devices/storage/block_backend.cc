#include "devices/storage/block_backend.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vireo {

namespace {
Status out_of_range() { return Status::Error(ErrorCode::kInvalidArgument, "block range outside the image"); }
}  // namespace

FileBlockBackend::~FileBlockBackend() {
  if (fd_ >= 0) close(fd_);
}

Status FileBlockBackend::open(const std::string& path, bool read_only) {
  if (fd_ >= 0) return Status::Error(ErrorCode::kInvalidArgument, "image already open");
  int fd = ::open(path.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
  if (fd < 0)
    return Status::Error(ErrorCode::kIo, "cannot open " + path + ": " + strerror(errno), errno);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return Status::Error(ErrorCode::kIo, "cannot stat " + path + ": " + strerror(e), e);
  }
  off_t end = S_ISREG(st.st_mode) ? st.st_size : lseek(fd, 0, SEEK_END);  // block devices
  if (end < 0) {
    int e = errno;
    close(fd);
    return Status::Error(ErrorCode::kIo, "cannot size " + path + ": " + strerror(e), e);
  }
  fd_ = fd;
  size_ = static_cast<uint64_t>(end);
  read_only_ = read_only;
  path_ = path;
  return Status::Ok();
}

Status FileBlockBackend::read(uint64_t offset, uint8_t* buf, size_t len) {
  if (fd_ < 0 || !block_range_ok(size_, offset, len)) return out_of_range();
  while (len) {
    ssize_t n = pread(fd_, buf, len, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Error(ErrorCode::kIo, "read " + path_ + ": " + strerror(errno), errno);
    if (n == 0) {  // file shrank under us: the tail reads as zeros
      memset(buf, 0, len);
      break;
    }
    buf += n;
    len -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status FileBlockBackend::write(uint64_t offset, const uint8_t* buf, size_t len) {
  if (fd_ < 0 || !block_range_ok(size_, offset, len)) return out_of_range();
  if (read_only_) return Status::Error(ErrorCode::kInvalidArgument, path_ + " is read-only");
  while (len) {
    ssize_t n = pwrite(fd_, buf, len, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::Error(ErrorCode::kIo, "write " + path_ + ": " + strerror(errno), errno);
    buf += n;
    len -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status FileBlockBackend::flush() {
  if (fd_ < 0) return Status::Error(ErrorCode::kInvalidArgument, "image not open");
  if (read_only_) return Status::Ok();
  if (fdatasync(fd_) != 0)
    return Status::Error(ErrorCode::kIo, "fdatasync " + path_ + ": " + strerror(errno), errno);
  return Status::Ok();
}

Status MemoryBlockBackend::read(uint64_t offset, uint8_t* buf, size_t len) {
  std::lock_guard guard(mu_);
  if (!block_range_ok(data_.size(), offset, len)) return out_of_range();
  ++accesses_;
  if (len) memcpy(buf, data_.data() + offset, len);
  return Status::Ok();
}

Status MemoryBlockBackend::write(uint64_t offset, const uint8_t* buf, size_t len) {
  std::lock_guard guard(mu_);
  if (!block_range_ok(data_.size(), offset, len)) return out_of_range();
  if (read_only_) return Status::Error(ErrorCode::kInvalidArgument, "memory image is read-only");
  ++accesses_;
  if (len) memcpy(data_.data() + offset, buf, len);
  return Status::Ok();
}

Status MemoryBlockBackend::flush() {
  std::lock_guard guard(mu_);
  ++flushes_;
  return Status::Ok();
}

}  // namespace vireo
