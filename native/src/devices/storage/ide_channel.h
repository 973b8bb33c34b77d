// IdeChannel: one ATA channel (two devices, "master" unit 0 and "slave" unit 1) with its
// command block (8 ports) and control block (1 port: alternate status / device
// control), register model of ATA/ATAPI-6 (T13/1410D) section 7 and ATA8-ACS:
//   cmd+0 data (16-bit; 32-bit accesses move 4 bytes)   cmd+4 LBA mid / cylinder low
//   cmd+1 error (R) / features (W)                      cmd+5 LBA high / cylinder high
//   cmd+2 sector count / ATAPI interrupt reason         cmd+6 device/head (DEV bit 4)
//   cmd+3 LBA low / sector number                       cmd+7 status (R) / command (W)
//   ctrl  alternate status (R) / device control (W: nIEN bit 1, SRST bit 2, HOB bit 7)
// Registers 1-5 keep the previous value too (48-bit "HOB" FIFO, read with HOB=1).
// Writes to the task file reach both devices; reads come from the selected one. A
// selected but absent device reads 0 (DH reads back), a channel with no device at all
// floats (all ones).
// Commands run synchronously inside the command-register write, so BSY is never seen;
// data moves through a DRQ block buffer (PIO). The INTRQ line is pending from the end
// of a command or DRQ block until the status register is read, masked by nIEN.
// The guest is hostile: every LBA/count is range-checked before the image is touched
// (ABRT otherwise), data-port reads outside a transfer return all ones and writes are
// dropped.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/bus.h"
#include "core/irq.h"
#include "devices/storage/ata_identify.h"
#include "devices/storage/atapi.h"
#include "devices/storage/block_backend.h"

namespace vireo {

enum class IdeDriveKind { kNone, kDisk, kCdrom };

class IdeChannel : public PioDevice {
 public:
  // Status (ATA8-ACS 6.1.9) and error bits.
  static constexpr uint8_t kBsy = 0x80, kDrdy = 0x40, kDf = 0x20, kDsc = 0x10, kDrq = 0x08,
                           kErr = 0x01;
  static constexpr uint8_t kAbrt = 0x04, kIdnf = 0x10, kUnc = 0x40;
  static constexpr uint8_t kNien = 0x02, kSrst = 0x04, kHob = 0x80;

  // `index` 0 = primary, 1 = secondary (used in the default model/serial strings).
  IdeChannel(IrqLine& irq, uint16_t cmd_base, uint16_t ctrl_port, unsigned index);
  // Before the guest runs. A disk needs a backend; a CD-ROM may have none (no medium).
  Status attach(unsigned unit, IdeDriveKind kind, BlockBackend* backend);
  bool has_drive(unsigned unit) const { return unit < 2 && drives_[unit].kind != IdeDriveKind::kNone; }
  // Hardware reset (machine reset): as after power-on.
  void reset();

  void pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext& vcpu) override;

  uint16_t cmd_base() const { return cmd_base_; }
  uint16_t ctrl_port() const { return ctrl_port_; }

 private:
  struct TaskFile {
    // [0] current, [1] previous (HOB) value of features, count, LBA low/mid/high.
    uint8_t feature[2]{}, count[2]{}, lba_low[2]{}, lba_mid[2]{}, lba_high[2]{};
  };
  struct Drive {
    IdeDriveKind kind = IdeDriveKind::kNone;
    BlockBackend* backend = nullptr;
    AtaDiskIdentity ident;               // disks
    std::unique_ptr<AtapiCdrom> cd;      // CD-ROMs
    std::string model, serial;
    TaskFile tf;
    uint8_t status = 0, error = 0;
  };
  // One PIO transfer (at most one per channel at a time).
  struct Xfer {
    bool active = false;
    bool in = true;          // device to host
    bool packet = false;     // receiving an ATAPI command packet
    bool atapi = false;      // data phase of an ATAPI command
    unsigned unit = 0;
    bool from_backend = false;
    std::vector<uint8_t> reply;  // in-memory data source when !from_backend
    uint64_t offset = 0;     // backend byte offset (or reply index) of the next block
    uint64_t remaining = 0;  // bytes not yet staged into buf
    uint32_t block = 512;    // DRQ block size
    uint32_t pos = 0, len = 0;
  };

  // Register file (ide_channel.cc).
  uint8_t read_reg(unsigned reg);
  void write_reg(unsigned reg, uint8_t v);
  void data_read(uint8_t* data, unsigned size);
  void data_write(const uint8_t* data, unsigned size);
  Drive& selected() { return drives_[(dh_ >> 4) & 1]; }
  unsigned selected_unit() const { return (dh_ >> 4) & 1; }
  void set_signature(Drive& d);
  void soft_reset();
  void raise_irq();
  void update_irq();

  // Transfer engine (ide_channel.cc).
  void start_in(unsigned unit, uint32_t block, bool atapi);
  void start_out(unsigned unit, uint64_t offset, uint64_t bytes, uint32_t block);
  void stage_in();
  void stage_out();
  void block_done();
  void complete(unsigned unit, bool irq);
  void fail(unsigned unit, uint8_t error);

  // Commands (ata_commands.cc).
  void execute(uint8_t cmd);
  void execute_disk(Drive& d, unsigned unit, uint8_t cmd);
  void execute_cdrom(Drive& d, unsigned unit, uint8_t cmd);
  void execute_diagnostic();
  void execute_packet(unsigned unit);
  bool decode_address(Drive& d, bool lba48, uint64_t* lba, uint32_t* count);
  void disk_rw(Drive& d, unsigned unit, bool lba48, bool write, uint32_t sectors_per_block);

  IrqLine& irq_;
  const uint16_t cmd_base_, ctrl_port_;
  const unsigned index_;
  std::mutex mu_;
  std::array<Drive, 2> drives_;
  uint8_t dh_ = 0;       // device/head register (shared)
  uint8_t devctl_ = 0;   // device control register
  bool pending_ = false;  // INTRQ asserted by the device
  bool line_ = false;     // level last driven on irq_
  Xfer x_;
  std::vector<uint8_t> buf_;  // current DRQ block
  uint8_t packet_[AtapiCdrom::kPacketSize]{};
};

}  // namespace vireo
