#include "block_relay.h"

#include <chrono>
#include <cstring>

namespace vireo {

void BlockRelay::set_notify(Notify notify) {
  std::lock_guard<std::mutex> guard(lock_);
  notify_ = std::move(notify);
}

void BlockRelay::complete(uint64_t id, bool ok, std::string data) {
  std::lock_guard<std::mutex> guard(lock_);
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  it->second.done = true;
  it->second.ok = ok;
  it->second.data = std::move(data);
  cv_.notify_all();
}

void BlockRelay::cancel_all() {
  std::lock_guard<std::mutex> guard(lock_);
  ++cancel_epoch_;
  cv_.notify_all();
}

Status BlockRelay::call(BlockRequest::Op op, uint64_t offset, uint64_t length, std::string data, std::string* out) {
  std::unique_lock<std::mutex> guard(lock_);
  if (!notify_) return Status::Error(ErrorCode::kIo, "disk has no host image attached");
  uint64_t id = ++next_id_;
  uint64_t epoch = cancel_epoch_;
  pending_[id];
  Notify notify = notify_;
  guard.unlock();
  notify({id, disk_, op, offset, length, std::move(data)});
  guard.lock();
  bool answered = cv_.wait_for(guard, std::chrono::milliseconds(kTimeoutMs),
                               [&] { return pending_[id].done || cancel_epoch_ != epoch; });
  Pending p = std::move(pending_[id]);
  pending_.erase(id);
  if (!answered || !p.done) return Status::Error(ErrorCode::kIo, "disk request timed out");
  if (!p.ok) return Status::Error(ErrorCode::kIo, "disk request failed");
  if (out) *out = std::move(p.data);
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
