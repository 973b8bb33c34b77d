#include "core/bus.h"

#include <algorithm>
#include <cstring>
#include <mutex>

namespace vireo {

template <typename Device>
Status Bus<Device>::add(uint64_t base, uint64_t length, Device* device, std::string name) {
  if (length == 0 || base + length < base)
    return Status::Error(ErrorCode::kInvalidArgument, "bus range " + name + " is empty or wraps");
  std::unique_lock guard(lock_);
  for (const Range& r : ranges_) {
    if (base < r.base + r.length && r.base < base + length)
      return Status::Error(ErrorCode::kInvalidArgument,
                           "bus range " + name + " overlaps " + r.name);
  }
  Range range{base, length, device, std::move(name), std::make_unique<std::atomic<uint64_t>>(0)};
  auto pos = std::lower_bound(ranges_.begin(), ranges_.end(), base,
                              [](const Range& r, uint64_t b) { return r.base < b; });
  ranges_.insert(pos, std::move(range));
  return Status::Ok();
}

template <typename Device>
Status Bus<Device>::move(Device* device, const std::string& name, uint64_t new_base) {
  std::unique_lock guard(lock_);
  auto it = std::find_if(ranges_.begin(), ranges_.end(), [&](const Range& r) {
    return r.device == device && r.name == name;
  });
  if (it == ranges_.end())
    return Status::Error(ErrorCode::kInvalidArgument, "no bus range " + name);
  uint64_t length = it->length;
  if (new_base + length < new_base)
    return Status::Error(ErrorCode::kInvalidArgument, "bus range " + name + " wraps");
  for (const Range& r : ranges_) {
    if (&r != &*it && new_base < r.base + r.length && r.base < new_base + length)
      return Status::Error(ErrorCode::kInvalidArgument, "bus range " + name + " overlaps " + r.name);
  }
  it->base = new_base;
  std::sort(ranges_.begin(), ranges_.end(),
            [](const Range& a, const Range& b) { return a.base < b.base; });
  return Status::Ok();
}

template <typename Device>
void Bus<Device>::remove(Device* device) {
  std::unique_lock guard(lock_);
  ranges_.erase(std::remove_if(ranges_.begin(), ranges_.end(),
                               [&](const Range& r) { return r.device == device; }),
                ranges_.end());
}

template <typename Device>
const typename Bus<Device>::Range* Bus<Device>::find(uint64_t addr) const {
  // Last range whose base <= addr.
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), addr,
                             [](uint64_t a, const Range& r) { return a < r.base; });
  if (it == ranges_.begin()) return nullptr;
  --it;
  return addr - it->base < it->length ? &*it : nullptr;
}

// The lock is held only for the lookup: a handler may move ranges (a PCI BAR write
// through 0xCFC moves an I/O BAR on this very bus). Devices outlive the bus ranges.
template <typename Device>
Device* Bus<Device>::claim(uint64_t addr) {
  std::shared_lock guard(lock_);
  const Range* r = find(addr);
  if (!r) {
    unhandled_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  r->hits->fetch_add(1, std::memory_order_relaxed);
  return r->device;
}

template <typename Device>
bool Bus<Device>::read(uint64_t addr, uint8_t* data, unsigned size, VcpuContext& vcpu) {
  std::memset(data, 0xff, size);
  Device* device = claim(addr);
  if (!device) return false;
  if constexpr (std::is_same_v<Device, PioDevice>)
    device->pio_read(static_cast<uint16_t>(addr), data, size, vcpu);
  else
    device->mmio_read(addr, data, size, vcpu);
  return true;
}

template <typename Device>
bool Bus<Device>::write(uint64_t addr, const uint8_t* data, unsigned size, VcpuContext& vcpu) {
  Device* device = claim(addr);
  if (!device) return false;
  if constexpr (std::is_same_v<Device, PioDevice>)
    device->pio_write(static_cast<uint16_t>(addr), data, size, vcpu);
  else
    device->mmio_write(addr, data, size, vcpu);
  return true;
}

template <typename Device>
std::vector<BusRangeStats> Bus<Device>::stats() const {
  std::shared_lock guard(lock_);
  std::vector<BusRangeStats> out;
  out.reserve(ranges_.size());
  for (const Range& r : ranges_)
    out.push_back({r.name, r.base, r.length, r.hits->load(std::memory_order_relaxed)});
  return out;
}

template class Bus<PioDevice>;
template class Bus<MmioDevice>;

}  // namespace vireo
