#include "board.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vireo {

void KvmIrqLine::set_level(bool high) {
  kvm_irq_level level{};
  level.irq = gsi_;
  level.level = high ? 1 : 0;
  vm_.ioctl(KVM_IRQ_LINE, &level);
}

FdSink::~FdSink() {
  if (fd_ >= 0) close(fd_);
}

Status FdSink::open(const std::string& path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0)
    return Status::Error(ErrorCode::kIo, "cannot write " + path + ": " + strerror(errno), errno);
  return Status::Ok();
}

size_t FdSink::write(const uint8_t* data, size_t len) {
  if (fd_ < 0) return len;
  ssize_t n = ::write(fd_, data, len);
  return n < 0 ? len : static_cast<size_t>(n);
}

Board::Board(MachineControl& control, const VmFd& vm, const BoardLayout& layout, SlotMapper& slots)
    : i8042(irq_keyboard_, irq_mouse_, control),
      backdoor(BackdoorConfig{}, &rpc_relay, &events, &events),
      control_(control),
      slots_(slots),
      irq_ide0_(vm, 14),
      irq_ide1_(vm, 15),
      irq_virtio_(vm, kVirtioGsi),
      irq_ahci_(vm, kAhciGsi),
      irq_nvme_(vm, kNvmeGsi),
      irq_nic_(vm, kNicGsi),
      irq_com1_(vm, 4),
      irq_keyboard_(vm, 1),
      irq_mouse_(vm, 12),
      com1_(irq_com1_, serial),
      port92_(control),
      cmos_(layout.ram_below_4g, layout.ram_above_4g, layout.cpus),
      exit_port_(control),
      milestone_port_(control),
      debugcon_(debugcon_sink_) {}

Status Board::init(const BoardOptions& options, PioBus& pio, MmioBus& mmio) {
  Status s = serial.init();
  if (!s.ok()) return s;
  com1_.set_rx_space_callback([this] { serial.rx_space(); });
  if (!options.debugcon_path.empty()) {
    s = debugcon_sink_.open(options.debugcon_path);
    if (!s.ok()) return s;
  }
  struct Port {
    uint16_t base, length;
    PioDevice* device;
    const char* name;
  };
  const Port ports[] = {
      {0x3f8, 8, &com1_, "com1"},
      {I8042::kDataPort, 1, &i8042, "i8042-data"},
      {I8042::kCommandPort, 1, &i8042, "i8042-command"},
      {SystemControlPortA::kPort, 1, &port92_, "port92"},
      {0x70, 2, &cmos_, "cmos-rtc"},
      {FwCfg::kBasePort, FwCfg::kPortCount, &fw_cfg, "fw-cfg"},
      {0x5658, 2, &backdoor, "vmware-backdoor"},  // BDOOR_PORT (LB) and BDOORHB_PORT
      {PciHost::kPortBase, PciHost::kPortCount, &pci_, "pci-config"},
      {0x80, 1, &post_code_, "post-code"},
      {0xf4, 4, &exit_port_, "debug-exit"},
      {0xf8, 4, &milestone_port_, "milestone"},
      {0x402, 1, &debugcon_, "debugcon"},
  };
  for (const Port& p : ports) {
    s = pio.add(p.base, p.length, p.device, p.name);
    if (!s.ok()) return s;
  }
  PciResources res{&pio, &mmio, &slots_};
  bridge_ = std::make_unique<PciHostBridge>(res);
  s = pci_.add_device(kBridgeSlot, bridge_.get());
  if (s.ok()) s = display.init(options.svga, res, pci_, kDisplaySlot);
  if (s.ok()) s = attach_disks(options.disks, res);
  if (s.ok()) s = attach_nics(options, res);
  if (s.ok() && !options.firmware) s = pci_.assign_resources(kPciIoStart, kPciMemStart, kPciMemEnd);
  return s;
}

Status Board::attach_disks(const std::vector<DiskAttachment>& disks, PciResources res) {
  ide_ = std::make_unique<PiixIde>(res, irq_ide0_, irq_ide1_);
  unsigned next_disk = 0, next_cdrom = 0, next_sata = 0;
  for (const DiskAttachment& d : disks) {
    Status s;
    if (d.bus == DiskBus::kVirtio) {
      if (virtio_devices_.size() == kMaxVirtioDisks)
        return Status::Error(ErrorCode::kInvalidArgument, "at most " + std::to_string(kMaxVirtioDisks) + " virtio disks");
      unsigned n = static_cast<unsigned>(virtio_devices_.size());
      virtio_models_.push_back(std::make_unique<VirtioBlk>(*d.backend, "vireo-disk" + std::to_string(n)));
      virtio_devices_.push_back(std::make_unique<VirtioPci>("virtio-blk" + std::to_string(n), res, VirtioBlk::kDeviceType,
                                                            VirtioBlk::kClassCode, irq_virtio_, kVirtioGsi,
                                                            *virtio_models_.back()));
      s = pci_.add_device(kFirstVirtioSlot + n, virtio_devices_.back().get());
    } else if (d.bus == DiskBus::kSata) {
      if (!ahci_) {
        ahci_ = std::make_unique<AhciHba>("ahci", res, irq_ahci_, kAhciGsi);
        s = pci_.add_device(kAhciSlot, ahci_.get());
        if (!s.ok()) return s;
      }
      s = ahci_->attach(d.unit >= 0 ? static_cast<unsigned>(d.unit) : next_sata++, d.kind, d.backend);
    } else if (d.bus == DiskBus::kNvme) {
      if (nvme_ || d.kind != IdeDriveKind::kDisk || d.unit > 0)
        return Status::Error(ErrorCode::kInvalidArgument, "NVMe: one disk (nvme0:0) is supported, no CD-ROMs");
      nvme_ = std::make_unique<NvmeController>("nvme", res, irq_nvme_, kNvmeGsi, *d.backend);
      s = pci_.add_device(kNvmeSlot, nvme_.get());
    } else if (d.unit >= 0) {
      if (d.unit > 3)
        return Status::Error(ErrorCode::kInvalidArgument, "IDE position " + std::to_string(d.unit) + " does not exist (0-3: ide0:0, ide0:1, ide1:0, ide1:1)");
      s = ide_->attach(static_cast<unsigned>(d.unit) / 2, static_cast<unsigned>(d.unit) % 2, d.kind, d.backend);
    } else if (d.kind == IdeDriveKind::kCdrom) {
      // CD-ROMs on the secondary channel (VMware's usual ide1:0), then its slave.
      if (next_cdrom == 2) return Status::Error(ErrorCode::kInvalidArgument, "at most 2 IDE CD-ROM drives");
      s = ide_->attach(1, next_cdrom++, d.kind, d.backend);
    } else {
      if (next_disk == 2) return Status::Error(ErrorCode::kInvalidArgument, "at most 2 IDE disks (use virtio for more)");
      s = ide_->attach(0, next_disk++, d.kind, d.backend);
    }
    if (!s.ok()) return s;
  }
  Status s = ide_->register_ports();
  if (s.ok()) s = pci_.add_device(kIdeSlot, ide_.get());
  return s;
}

Status Board::attach_nics(const BoardOptions& options, PciResources res) {
  if (options.nics.empty()) return Status::Ok();
  if (options.nics.size() > 1 || !options.memory)
    return Status::Error(ErrorCode::kInvalidArgument, "one network adapter (ethernet0) is supported");
  const NicAttachment& n = options.nics[0];
  int fd = -1;
  if (n.connected) {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
      return Status::Error(ErrorCode::kHostLimit, "cannot create the network socket pair: " + std::string(strerror(errno)), errno);
    fd = pair[0];
    net_peer_fd_ = pair[1];
  }
  net_stream_ = std::make_unique<FrameStream>();
  Status s = net_stream_->init(fd);
  if (!s.ok()) return s;
  FrameSink* sink = n.connected ? net_stream_.get() : nullptr;
  if (n.model == NicModel::kVmxnet3) {
    vmxnet3_ = std::make_unique<Vmxnet3>("vmxnet3", res, irq_nic_, kNicGsi, *options.memory, n.identity.mac, sink);
    nic_port_ = vmxnet3_.get();
    return pci_.add_device(kNicSlot, vmxnet3_.get());
  }
  e1000_ = std::make_unique<E1000>("e1000", res, irq_nic_, kNicGsi, *options.memory, n.identity, sink, *net_stream_);
  nic_port_ = e1000_.get();
  return pci_.add_device(kNicSlot, e1000_.get());
}

int Board::take_net_fd(unsigned index) {
  if (index != 0) return -1;
  int fd = net_peer_fd_;
  net_peer_fd_ = -1;
  return fd;
}

void Board::pause_io() {
  if (net_stream_) net_stream_->pause();
}

void Board::resume_io() {
  if (net_stream_) net_stream_->resume();
}

void Board::reset() {
  display.reset();
  if (e1000_) {
    e1000_->reset();
    e1000_->reset_config();
  }
  if (vmxnet3_) {
    vmxnet3_->reset();
    vmxnet3_->reset_config();
  }
  bridge_->reset_config();
  ide_->reset();
  ide_->reset_config();
  if (ahci_) {
    ahci_->reset();
    ahci_->reset_config();
  }
  if (nvme_) {
    nvme_->reset();
    nvme_->reset_config();
  }
  for (auto& v : virtio_devices_) {
    v->reset();
    v->reset_config();
  }
}

void Board::start() {
  serial.start(&com1_);
  if (net_stream_) net_stream_->start(nic_port_);
}

void Board::stop() {
  serial.stop();
  if (net_stream_) net_stream_->stop();
  if (net_peer_fd_ >= 0) close(net_peer_fd_);
  net_peer_fd_ = -1;
}

}  // namespace vireo
