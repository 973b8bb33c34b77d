#include "devices/storage/ide_controller.h"

namespace vireo {

PiixIde::PiixIde(PciResources res, IrqLine& irq14, IrqLine& irq15)
    : PciDevice("piix3-ide", res, 0x8086, 0x7010, 0x010180, 0x00), pio_(res.pio) {
  channels_[0] = std::make_unique<IdeChannel>(irq14, kPrimaryCmd, kPrimaryCtrl, 0);
  channels_[1] = std::make_unique<IdeChannel>(irq15, kSecondaryCmd, kSecondaryCtrl, 1);
  // IDETIM primary (0x40-0x41) and secondary (0x42-0x43): bit 15 = IDE decode enable.
  // PciDevice has no VMM-side setter for device registers, so they are made writable
  // (the guest may retime them, as on the chip), written, and captured as the power-on
  // state by the set_interrupt_pin() call (no INTx pin: legacy mode uses IRQ 14/15).
  set_writable(0x40, 4);
  config_write(0x40, 4, 0x80008000u);
  set_interrupt_pin(0);
}

PiixIde::~PiixIde() {
  if (registered_ && pio_)
    for (auto& c : channels_) pio_->remove(c.get());
}

Status PiixIde::attach(unsigned channel, unsigned unit, IdeDriveKind kind, BlockBackend* backend) {
  if (channel > 1) return Status::Error(ErrorCode::kInvalidArgument, "IDE channel out of range");
  return channels_[channel]->attach(unit, kind, backend);
}

Status PiixIde::register_ports() {
  if (!pio_ || registered_) return Status::Error(ErrorCode::kInvalidArgument, "IDE ports: no bus or registered twice");
  const char* names[2][2] = {{"ide0-cmd", "ide0-ctrl"}, {"ide1-cmd", "ide1-ctrl"}};
  for (unsigned i = 0; i < 2; ++i) {
    IdeChannel& c = *channels_[i];
    Status s = pio_->add(c.cmd_base(), 8, &c, names[i][0]);
    if (s.ok()) s = pio_->add(c.ctrl_port(), 1, &c, names[i][1]);
    if (!s.ok()) {
      for (auto& ch : channels_) pio_->remove(ch.get());
      return s;
    }
  }
  registered_ = true;
  return Status::Ok();
}

void PiixIde::reset() {
  for (auto& c : channels_) c->reset();
}

}  // namespace vireo
