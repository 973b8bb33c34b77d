#include "devices/pci/pci_host.h"

#include <algorithm>
#include <vector>

#include "core/le_bytes.h"

namespace vireo {

Status PciHost::add_device(unsigned slot, PciDevice* device) {
  std::lock_guard guard(mu_);
  if (slot >= kSlots || !device || slots_[slot])
    return Status::Error(ErrorCode::kInvalidArgument, "PCI slot taken or out of range");
  slots_[slot] = device;
  return Status::Ok();
}

Status PciHost::assign_resources(uint16_t io_start, uint32_t mem_start, uint32_t mem_end) {
  struct Want {
    PciDevice* dev;
    int bar;
    uint64_t size;
    uint64_t addr;
  };
  if (io_start < PciDevice::kIoWindowStart || mem_start < PciDevice::kMemWindowStart ||
      mem_end > PciDevice::kMemWindowEnd || mem_start >= mem_end)
    return Status::Error(ErrorCode::kInvalidArgument, "PCI windows outside the decodable ranges");
  std::vector<Want> io, mem;
  {
    std::lock_guard guard(mu_);
    for (PciDevice* d : slots_) {
      if (!d) continue;
      for (int b = 0; b < 6; ++b) {
        PciDevice::BarType t = d->bar_type(b);
        if (t == PciDevice::BarType::kIo) io.push_back({d, b, d->bar_size(b), 0});
        if (t == PciDevice::BarType::kMemory) mem.push_back({d, b, d->bar_size(b), 0});
      }
    }
  }
  auto place = [](std::vector<Want>& list, uint64_t start, uint64_t end) {
    std::stable_sort(list.begin(), list.end(), [](const Want& a, const Want& b) { return a.size > b.size; });
    uint64_t next = start;
    for (Want& w : list) {
      next = (next + w.size - 1) & ~(w.size - 1);
      if (next + w.size > end) return false;
      w.addr = next;
      next += w.size;
    }
    return true;
  };
  if (!place(io, io_start, PciDevice::kIoWindowEnd) || !place(mem, mem_start, mem_end))
    return Status::Error(ErrorCode::kInvalidArgument, "PCI BARs do not fit the I/O or memory window");
  for (const Want& w : io) {
    Status s = w.dev->assign_bar(w.bar, static_cast<uint32_t>(w.addr));
    if (!s.ok()) return s;
  }
  for (const Want& w : mem) {
    Status s = w.dev->assign_bar(w.bar, static_cast<uint32_t>(w.addr));
    if (!s.ok()) return s;
  }
  std::lock_guard guard(mu_);
  for (PciDevice* d : slots_) {
    if (!d) continue;
    uint16_t cmd = 0;
    for (int b = 0; b < 6; ++b) {
      if (d->bar_type(b) == PciDevice::BarType::kIo) cmd |= PciDevice::kCmdIo;
      if (d->bar_type(b) == PciDevice::BarType::kMemory) cmd |= PciDevice::kCmdMemory;
    }
    if (cmd) d->set_command(cmd);
  }
  return Status::Ok();
}

PciDevice* PciHost::lookup(unsigned bus, unsigned slot, unsigned fn) const {
  if (bus != 0 || fn != 0 || slot >= kSlots) return nullptr;
  return slots_[slot];
}

uint32_t PciHost::config_read(unsigned bus, unsigned slot, unsigned fn, unsigned offset,
                              unsigned size) {
  std::lock_guard guard(mu_);
  PciDevice* d = lookup(bus, slot, fn);
  if (!d || size == 0 || size > 4 || offset >= 256 || offset + size > 256)
    return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
  return d->config_read(offset, size);
}

void PciHost::config_write(unsigned bus, unsigned slot, unsigned fn, unsigned offset,
                           unsigned size, uint32_t value) {
  std::lock_guard guard(mu_);
  PciDevice* d = lookup(bus, slot, fn);
  if (!d || size == 0 || size > 4 || offset >= 256 || offset + size > 256) return;
  d->config_write(offset, size, value);
}

void PciHost::pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext&) {
  if (size > 4) size = 4;  // data[size..] keeps the bus's all-ones fill
  unsigned off = port - kPortBase;
  if (off < 4) {
    std::lock_guard guard(mu_);
    for (unsigned i = 0; i < size && off + i < 4; ++i)
      data[i] = static_cast<uint8_t>(latch_ >> (8 * (off + i)));
    return;
  }
  uint32_t latch;
  {
    std::lock_guard guard(mu_);
    latch = latch_;
  }
  unsigned byte = off - 4;
  // Clip an access that would run past 0xCFF (e.g. a dword read at 0xCFE).
  unsigned n = size <= 4 - byte ? size : 4 - byte;
  if (!(latch & 0x80000000u)) return;  // all-ones already in data
  uint32_t v = config_read((latch >> 16) & 0xff, (latch >> 11) & 0x1f, (latch >> 8) & 7,
                           (latch & 0xfc) + byte, n);
  le_store(data, v, n);
}

void PciHost::pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext&) {
  if (size > 4) size = 4;
  unsigned off = port - kPortBase;
  if (off < 4) {
    std::lock_guard guard(mu_);
    for (unsigned i = 0; i < size && off + i < 4; ++i) {
      unsigned shift = 8 * (off + i);
      latch_ = (latch_ & ~(0xffu << shift)) | (uint32_t{data[i]} << shift);
    }
    return;
  }
  uint32_t latch;
  {
    std::lock_guard guard(mu_);
    latch = latch_;
  }
  if (!(latch & 0x80000000u)) return;
  unsigned byte = off - 4;
  unsigned n = size <= 4 - byte ? size : 4 - byte;
  uint32_t v = static_cast<uint32_t>(le_load(data, n));
  config_write((latch >> 16) & 0xff, (latch >> 11) & 0x1f, (latch >> 8) & 7, (latch & 0xfc) + byte,
               n, v);
}

PciHostBridge::PciHostBridge(PciResources res)
    : PciDevice("i440fx", res, 0x8086, 0x1237, 0x060000, 0x02) {
  set_writable(0x40, 0xC0);
}

}  // namespace vireo
