#include "devices/storage/ahci_hba.h"

#include "core/le_bytes.h"
#include "core/vcpu_context.h"
#include "devices/storage/ahci_regs.h"

namespace vireo {

using namespace ahci;

AhciHba::AhciHba(std::string name, PciResources res, IrqLine& irq, uint8_t irq_line)
    : PciDevice(std::move(name), res, 0x15AD, 0x07E0, kClassCode, 0x00), irq_(irq) {
  for (unsigned p = 0; p < kPorts; ++p) ports_[p] = std::make_unique<AhciPort>(p);
  add_mmio_bar(5, kBarSize, false, this);
  set_subsystem(0x15AD, 0x07E0);
  config_write(kInterruptLine, 1, irq_line);
  set_interrupt_pin(1);
  reset_locked();
}

Status AhciHba::attach(unsigned port, IdeDriveKind kind, BlockBackend* backend) {
  if (port >= kPorts)
    return Status::Error(ErrorCode::kInvalidArgument, "SATA port " + std::to_string(port) + " does not exist (0-29)");
  std::lock_guard guard(mu_);
  if (ports_[port]->present())
    return Status::Error(ErrorCode::kInvalidArgument, "SATA port " + std::to_string(port) + " is taken");
  Status s = ports_[port]->attach(kind, backend);
  if (s.ok()) implemented_ |= (2u << port) - 1;
  return s;
}

void AhciHba::reset() {
  std::lock_guard guard(mu_);
  reset_locked();
}

void AhciHba::reset_locked() {
  ghc_ = kGhcAe;
  for (auto& p : ports_) p->reset();
  update_irq_locked();
}

uint64_t AhciHba::commands() const {
  std::lock_guard guard(mu_);
  uint64_t n = 0;
  for (const auto& p : ports_) n += p->commands();
  return n;
}

uint32_t AhciHba::read_locked(unsigned offset) const {
  if (offset >= kPortBase) {
    unsigned port = (offset - kPortBase) / kPortStride;
    if (port >= kPorts || !(implemented_ & (1u << port))) return 0;
    return ports_[port]->read((offset - kPortBase) % kPortStride);
  }
  switch (offset) {
    case kCap:
      // 64-bit addressing, AHCI only, Gen1, command list override, 32 slots, kPorts ports.
      return kCapS64a | kCapSam | kCapIssGen1 | 1u << 24 | (31u << kCapNcsShift) | (kPorts - 1);
    case kGhc: return ghc_;
    case kIs: {
      uint32_t is = 0;
      for (unsigned p = 0; p < kPorts; ++p)
        if (ports_[p]->interrupt_pending()) is |= 1u << p;
      return is;
    }
    case kPi: return implemented_;
    case kVs: return kVersion13;
    default: return 0;  // CCC, enclosure management, CAP2, BOHC: not offered
  }
}

void AhciHba::write_locked(unsigned offset, uint32_t v, const GuestMemory& mem) {
  if (offset >= kPortBase) {
    unsigned port = (offset - kPortBase) / kPortStride;
    if (port < kPorts && (implemented_ & (1u << port)))
      ports_[port]->write((offset - kPortBase) % kPortStride, v, mem);
    return;
  }
  if (offset == kGhc) {
    if (v & kGhcHr) {
      reset_locked();  // HBA reset completes at once: HR reads back 0
      return;
    }
    ghc_ = kGhcAe | (v & kGhcIe);  // AE is read-only 1 (CAP.SAM)
  }
}

void AhciHba::bar_read(int, uint64_t offset, uint8_t* data, unsigned size, VcpuContext&) {
  uint8_t dword[4];
  {
    std::lock_guard guard(mu_);
    put_le32(dword, read_locked(static_cast<unsigned>(offset & ~uint64_t{3})));
  }
  for (unsigned i = 0; i < size; ++i) {
    uint64_t at = (offset & 3) + i;
    data[i] = at < 4 ? dword[at] : 0;
  }
}

void AhciHba::bar_write(int, uint64_t offset, const uint8_t* data, unsigned size, VcpuContext& vcpu) {
  if (size != 4 || (offset & 3)) return;
  std::lock_guard guard(mu_);
  write_locked(static_cast<unsigned>(offset), le32(data), vcpu.memory());
  update_irq_locked();
}

void AhciHba::update_irq_locked() {
  bool pending = false;
  for (const auto& p : ports_) pending |= p->interrupt_pending();
  bool level = pending && (ghc_ & kGhcIe) && !(config_read(kCommand, 2) & kCmdIntxDisable);
  if (level != line_) {
    line_ = level;
    irq_.set_level(level);
  }
}

}  // namespace vireo
