// IrqLine: one interrupt input of the (in-kernel) PIC/IOAPIC, as a device sees it.
#pragma once

namespace vireo {

class IrqLine {
 public:
  virtual ~IrqLine() = default;
  virtual void set_level(bool high) = 0;
  // Edge-triggered ISA devices (8250 on COM1 in PC-compatible wiring) raise and lower.
  void pulse() {
    set_level(true);
    set_level(false);
  }
};

}  // namespace vireo
