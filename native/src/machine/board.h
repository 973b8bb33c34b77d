// Board: the composition root of the Vireo PC — which device sits at which port, MMIO
// range and IRQ. The only place that knows the wiring; devices know only their bus.
#pragma once
#include <memory>
#include <string>

#include "core/bus.h"
#include "core/irq.h"
#include "core/kvm.h"
#include "core/machine_control.h"
#include "core/slot_mapper.h"
#include "core/vm_fd.h"
#include "devices/display/svga_adapter.h"
#include "devices/legacy/cmos_rtc.h"
#include "devices/legacy/debug_ports.h"
#include "devices/legacy/fw_cfg.h"
#include "devices/legacy/i8042.h"
#include "devices/legacy/system_control_port.h"
#include "devices/legacy/uart16550.h"
#include "devices/net/e1000.h"
#include "devices/net/frame_stream.h"
#include "devices/net/vmxnet3.h"
#include "devices/pci/pci_host.h"
#include "devices/storage/ahci_hba.h"
#include "devices/storage/ide_controller.h"
#include "devices/storage/nvme_controller.h"
#include "devices/virtio/virtio_blk.h"
#include "devices/virtio/virtio_pci.h"
#include "devices/vmware/backdoor.h"
#include "machine/rpc_relay.h"
#include "machine/serial_host.h"

namespace vireo {

// An ISA interrupt input of KVM's in-kernel PIC/IOAPIC (KVM_IRQ_LINE). Holds the VM fd
// by reference because a guest reset replaces the VM (a line raised mid-reset is lost,
// as the reset clears the interrupt controllers anyway).
class KvmIrqLine : public IrqLine {
 public:
  KvmIrqLine(const VmFd& vm, unsigned gsi) : vm_(vm), gsi_(gsi) {}
  void set_level(bool high) override;

 private:
  const VmFd& vm_;
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

// Guest-initiated backdoor events that the host shows (clipboard text, vmmouse mode).
class BoardEvents : public ClipboardSink, public MouseModeSink {
 public:
  std::function<void(std::string)> clipboard;
  std::function<void(bool enabled, bool absolute)> mouse_mode;
  void on_guest_clipboard(std::string text) override {
    if (clipboard) clipboard(std::move(text));
  }
  void on_vmmouse_mode(bool enabled, bool absolute) override {
    if (mouse_mode) mouse_mode(enabled, absolute);
  }
};

enum class DiskBus { kIde, kVirtio, kSata, kNvme };

struct DiskAttachment {
  BlockBackend* backend;  // outlives the board
  IdeDriveKind kind;      // kDisk or kCdrom
  DiskBus bus;
  // Position on its bus, as a .vmx names it: IDE 0-3 = ide<channel>:<drive> as channel*2+drive,
  // SATA the AHCI port (sata0:<port>), NVMe 0 only. -1: disks on ide0 and CD-ROMs on ide1 in
  // order, SATA ports in order.
  int unit = -1;
};

enum class NicModel { kE1000, kVmxnet3 };

struct NicAttachment {
  NicModel model = NicModel::kE1000;
  E1000Identity identity;  // MAC address (and the e1000's PCI IDs)
  bool connected = false;
};

struct BoardOptions {
  std::string debugcon_path;  // SeaBIOS's debug log (port 0x402); empty = dropped
  bool firmware = false;      // a BIOS places PCI BARs; otherwise the VMM does
  SvgaConfig svga;            // svga.option_rom: vgabios-vmware.bin for firmware boots
  // IDE: disks on ide0 (master, slave), CD-ROMs on ide1, in order; virtio: one PCI
  // function each from slot 3; SATA: ports 0, 1, ... of one AHCI controller in slot 7;
  // NVMe: one controller with the disk as namespace 1 in slot 8.
  std::vector<DiskAttachment> disks;
  // Network: one adapter in slot 9 (ethernet0), an e1000 or a vmxnet3. `connected`: a socket pair is made whose
  // far end the host hands to passt (take_net_fd); otherwise the NIC has no cable.
  std::vector<NicAttachment> nics;
  const GuestMemory* memory = nullptr;  // NIC DMA from the network I/O thread
};

struct BoardLayout {
  uint64_t ram_below_4g;
  uint64_t ram_above_4g;
  unsigned cpus;
};

class Board {
 public:
  // PCI slots on bus 0: the host bridge and the display card.
  static constexpr unsigned kBridgeSlot = 0, kIdeSlot = 1, kDisplaySlot = 2, kFirstVirtioSlot = 3;
  static constexpr unsigned kMaxVirtioDisks = 4;
  static constexpr unsigned kVirtioGsi = 11;  // INTx pin A of every virtio function
  static constexpr unsigned kAhciSlot = 7, kAhciGsi = 10;
  static constexpr unsigned kNvmeSlot = 8, kNvmeGsi = 5;
  static constexpr unsigned kNicSlot = 9, kNicGsi = 6;  // GSI 6: the ISA floppy line, unused here
  // Where the VMM places BARs when no firmware does (direct boot): I/O from 0xC000,
  // memory in the hole below the I/O APIC (docs/seabios-fwcfg.md (c) uses the same window).
  static constexpr uint16_t kPciIoStart = 0xc000;
  static constexpr uint32_t kPciMemStart = 0xe0000000, kPciMemEnd = 0xfec00000;

  Board(MachineControl& control, const VmFd& vm, const BoardLayout& layout, SlotMapper& slots);
  Status init(const BoardOptions& options, PioBus& pio, MmioBus& mmio);
  // Guest reset: device registers to power-on (contents of VRAM and RAM stay).
  void reset();
  void start();  // host-side threads (serial)
  void stop();
  // The network I/O threads hold still (no DMA, no interrupts) while a reset replaces
  // the KVM VM.
  void pause_io();
  void resume_io();
  // The far end of NIC `index`'s socket pair (once; -1 after or when not connected).
  int take_net_fd(unsigned index);
  // NIC `index` as the host sees it (traffic, link), or null.
  NetPort* nic(unsigned index) { return index == 0 ? nic_port_ : nullptr; }

  SerialHost serial;
  FwCfg fw_cfg;
  I8042 i8042;
  RpcRelay rpc_relay;
  BoardEvents events;
  Backdoor backdoor;
  DisplayAdapter display;

 private:
  Status attach_disks(const std::vector<DiskAttachment>& disks, PciResources res);
  Status attach_nics(const BoardOptions& options, PciResources res);

  MachineControl& control_;
  SlotMapper& slots_;
  PciHost pci_;
  std::unique_ptr<PciHostBridge> bridge_;
  KvmIrqLine irq_ide0_;
  KvmIrqLine irq_ide1_;
  KvmIrqLine irq_virtio_;
  KvmIrqLine irq_ahci_;
  KvmIrqLine irq_nvme_;
  std::unique_ptr<PiixIde> ide_;
  std::unique_ptr<AhciHba> ahci_;
  std::unique_ptr<NvmeController> nvme_;
  std::vector<std::unique_ptr<VirtioBlk>> virtio_models_;
  std::vector<std::unique_ptr<VirtioPci>> virtio_devices_;
  KvmIrqLine irq_nic_;
  std::unique_ptr<E1000> e1000_;      // ethernet0 is one of these two
  std::unique_ptr<Vmxnet3> vmxnet3_;
  NetPort* nic_port_ = nullptr;       // the same object as the backend sees it
  std::unique_ptr<FrameStream> net_stream_;  // after the NICs: destroyed (thread joined) first
  int net_peer_fd_ = -1;
  KvmIrqLine irq_com1_;
  KvmIrqLine irq_keyboard_;
  KvmIrqLine irq_mouse_;
  Uart16550 com1_;
  SystemControlPortA port92_;
  CmosRtc cmos_;
  DebugExitPort exit_port_;
  MilestonePort milestone_port_;
  FdSink debugcon_sink_;
  DebugConPort debugcon_;
  PostCodePort post_code_;
};

}  // namespace vireo
