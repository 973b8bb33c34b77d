// Machine as a SlotMapper: device-owned guest memory (VRAM, FIFO, VGA window, ROMs) as KVM
// memory slots that move with PCI BARs, with KVM's dirty log. Recorded before the VM fd
// exists (board wiring) and registered again whenever the VM is rebuilt (guest reset).
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "machine/machine.h"

namespace vireo {

Status Machine::map(uint8_t* host, uint64_t size, uint64_t gpa, bool read_only, bool log_dirty, int* slot) {
  std::lock_guard<std::mutex> guard(slots_lock_);
  uint32_t flags = (read_only ? KVM_MEM_READONLY : 0) | (log_dirty ? KVM_MEM_LOG_DIRTY_PAGES : 0);
  size_t index = device_slots_.size();
  for (size_t i = 0; i < device_slots_.size(); ++i)
    if (!device_slots_[i].used) index = i;
  if (index == device_slots_.size()) device_slots_.push_back({});
  device_slots_[index] = {host, size, gpa, flags, true};
  *slot = static_cast<int>(index);
  // Before build_kvm() (board wiring) the slot is only recorded; build_kvm registers it.
  if (!gpa || !vm_.valid()) return Status::Ok();
  return set_slot(kFirstDeviceSlot + index, gpa, size, host, flags);
}

Status Machine::move(int slot, uint64_t gpa) {
  std::lock_guard<std::mutex> guard(slots_lock_);
  if (slot < 0 || static_cast<size_t>(slot) >= device_slots_.size() || !device_slots_[slot].used)
    return Status::Error(ErrorCode::kInvalidArgument, "no such device slot");
  DeviceSlot& d = device_slots_[slot];
  if (d.gpa == gpa) return Status::Ok();
  // KVM cannot move a slot: delete it (size 0), then create it at the new address.
  if (d.gpa && vm_.valid()) set_slot(kFirstDeviceSlot + slot, d.gpa, 0, d.host, 0);
  d.gpa = gpa;
  if (!gpa || !vm_.valid()) return Status::Ok();
  return set_slot(kFirstDeviceSlot + slot, gpa, d.size, d.host, d.flags);
}

void Machine::unmap(int slot) {
  std::lock_guard<std::mutex> guard(slots_lock_);
  if (slot < 0 || static_cast<size_t>(slot) >= device_slots_.size() || !device_slots_[slot].used) return;
  DeviceSlot& d = device_slots_[slot];
  if (d.gpa && vm_.valid()) set_slot(kFirstDeviceSlot + slot, d.gpa, 0, d.host, 0);
  d.used = false;
}

Status Machine::take_dirty(int slot, std::vector<uint64_t>* bitmap) {
  std::lock_guard<std::mutex> guard(slots_lock_);
  if (slot < 0 || static_cast<size_t>(slot) >= device_slots_.size() || !device_slots_[slot].used)
    return Status::Error(ErrorCode::kInvalidArgument, "no such device slot");
  const DeviceSlot& d = device_slots_[slot];
  bitmap->assign(((d.size >> 12) + 63) / 64, 0);
  if (!d.gpa || !(d.flags & KVM_MEM_LOG_DIRTY_PAGES)) return Status::Ok();
  kvm_dirty_log log{};
  log.slot = kFirstDeviceSlot + slot;
  log.dirty_bitmap = bitmap->data();
  if (vm_.ioctl(KVM_GET_DIRTY_LOG, &log) < 0)
    return Status::Error(ErrorCode::kInternal, "KVM_GET_DIRTY_LOG failed", errno);
  return Status::Ok();
}

}  // namespace vireo
