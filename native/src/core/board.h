// Board: the composition root of the Vireo PC — which device sits at which port, MMIO
// range and IRQ. The only place that knows the wiring; devices know only their bus.
#pragma once
#include <memory>
#include <string>

#include "../devices/debug_ports.h"
#include "../devices/uart16550.h"
#include "bus.h"
#include "irq.h"
#include "kvm.h"
#include "machine_control.h"
#include "serial_host.h"

namespace vireo {

// An ISA interrupt input of KVM's in-kernel PIC/IOAPIC (KVM_IRQ_LINE). Holds the VM fd
// by reference because a guest reset replaces the VM.
class KvmIrqLine : public IrqLine {
 public:
  KvmIrqLine(const Fd& vm, unsigned gsi) : vm_(vm), gsi_(gsi) {}
  void set_level(bool high) override;

 private:
  const Fd& vm_;
  unsigned gsi_;
};

// Bytes written to a file descriptor, or dropped when there is none (debugcon log).
class FdSink : public ByteSink {
 public:
  ~FdSink() override;
  Status open(const std::string& path);
  size_t write(const uint8_t* data, size_t len) override;

 private:
  int fd_ = -1;
};

struct BoardOptions {
  std::string debugcon_path;  // SeaBIOS's debug log (port 0x402); empty = dropped
};

class Board {
 public:
  Board(MachineControl& control, const Fd& vm);
  Status init(const BoardOptions& options, PioBus& pio, MmioBus& mmio);
  void start();  // host-side threads (serial)
  void stop();

  SerialHost serial;

 private:
  MachineControl& control_;
  KvmIrqLine irq_com1_;
  Uart16550 com1_;
  DebugExitPort exit_port_;
  MilestonePort milestone_port_;
  FdSink debugcon_sink_;
  DebugConPort debugcon_;
  PostCodePort post_code_;
};

}  // namespace vireo
