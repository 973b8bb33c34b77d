#include "machine/block_relay.h"

#include <cstring>

namespace vireo {

void BlockRelay::set_notify(Notify notify) {
  std::lock_guard<std::mutex> guard(lock_);
  notify_ = std::move(notify);
}

Status BlockRelay::call(BlockRequest::Op op, uint64_t offset, uint64_t length, std::string data, std::string* out) {
  Notify notify;
  {
    std::lock_guard<std::mutex> guard(lock_);
    notify = notify_;
  }
  if (!notify) return Status::Error(ErrorCode::kIo, "disk has no host image attached");
  uint64_t id = calls_.open();
  if (id == 0) return Status::Error(ErrorCode::kIo, "the VM is stopping or resetting");
  notify({id, disk_, op, offset, length, std::move(data)});
  Reply reply;
  if (!calls_.wait(id, kTimeoutMs, &reply)) return Status::Error(ErrorCode::kIo, "disk request timed out");
  if (!reply.ok) return Status::Error(ErrorCode::kIo, "disk request failed");
  if (out) *out = std::move(reply.data);
  return Status::Ok();
}

Status BlockRelay::read(uint64_t offset, uint8_t* buf, size_t len) {
  if (!block_range_ok(size_, offset, len)) return Status::Error(ErrorCode::kInvalidArgument, "read past the end of the disk");
  std::string bytes;
  Status s = call(BlockRequest::Op::kRead, offset, len, std::string(), &bytes);
  if (!s.ok()) return s;
  if (bytes.size() != len) return Status::Error(ErrorCode::kIo, "short read from the disk image");
  std::memcpy(buf, bytes.data(), len);
  return Status::Ok();
}

Status BlockRelay::write(uint64_t offset, const uint8_t* buf, size_t len) {
  if (read_only_) return Status::Error(ErrorCode::kIo, "read-only disk");
  if (!block_range_ok(size_, offset, len)) return Status::Error(ErrorCode::kInvalidArgument, "write past the end of the disk");
  return call(BlockRequest::Op::kWrite, offset, len, std::string(reinterpret_cast<const char*>(buf), len), nullptr);
}

Status BlockRelay::flush() { return call(BlockRequest::Op::kFlush, 0, 0, std::string(), nullptr); }

}  // namespace vireo
