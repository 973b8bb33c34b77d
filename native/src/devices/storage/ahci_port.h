// AhciPort: one port of the AHCI HBA with the SATA device behind it (a disk or an ATAPI
// CD-ROM), AHCI 1.3.1 section 3.3 (registers) and 5 (command processing), in the
// simplest model the specification allows: a command issued through PxCI runs to
// completion inside the register write, so PxCI bits are seen set only until the write
// returns, BSY is never seen, and there is no NCQ (CAP.SNCQ = 0) and no port multiplier.
// Everything the guest hands over (command list, command table, PRDT) is copied out of
// guest memory once and decoded from the copy; every address goes through GuestMemory's
// bounds checks, every LBA/count is range-checked before the image is touched.
// The owner (AhciHba) serialises all calls.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/guest_memory.h"
#include "core/status.h"
#include "devices/storage/ata_identify.h"
#include "devices/storage/atapi.h"
#include "devices/storage/block_backend.h"
#include "devices/storage/guest_sg.h"
#include "devices/storage/ide_channel.h"

namespace vireo {

class AhciPort {
 public:
  explicit AhciPort(unsigned index) : index_(index) {}
  // Before the guest runs. A disk needs a backend; a CD-ROM may have none (no medium).
  Status attach(IdeDriveKind kind, BlockBackend* backend);
  bool present() const { return kind_ != IdeDriveKind::kNone; }
  // Power-on / HBA reset (GHC.HR): registers to their defaults, link up when a device
  // is attached.
  void reset();

  uint32_t read(unsigned reg) const;
  void write(unsigned reg, uint32_t value, const GuestMemory& mem);
  // PxIS & PxIE: this port's bit in the HBA's IS register.
  bool interrupt_pending() const { return (is_ & ie_) != 0; }

  uint64_t commands() const { return commands_; }
  uint64_t errors() const { return errors_; }

 private:
  struct Command {
    uint8_t fis[64];
    uint8_t acmd[16];
    bool write = false;
    GuestSgList prd;
  };
  struct Outcome {
    uint8_t status = 0, error = 0;
    bool pio_in = false;  // data-in by PIO: a PIO setup FIS precedes the D2H FIS
    uint64_t lba = 0;     // reported back in the D2H FIS (READ NATIVE MAX ADDRESS)
  };

  void link_reset();
  void set_cmd(uint32_t value);
  void issue(const GuestMemory& mem);
  // One command slot; false when it failed (the port stops until ST is cleared).
  bool run_slot(unsigned slot, const GuestMemory& mem);
  void post_fises(const Outcome& o, const GuestMemory& mem);

  // ahci_commands.cc
  Outcome execute_disk(Command& c, const GuestMemory& mem);
  Outcome execute_cdrom(Command& c, const GuestMemory& mem);
  Outcome disk_rw(Command& c, const GuestMemory& mem, bool lba48, bool write);
  Outcome reply(Command& c, const GuestMemory& mem, const uint8_t* data, size_t len);
  Outcome packet(Command& c, const GuestMemory& mem);
  Outcome good() const;
  Outcome abort() const;

  const unsigned index_;
  IdeDriveKind kind_ = IdeDriveKind::kNone;
  BlockBackend* backend_ = nullptr;
  AtaDiskIdentity ident_;
  std::unique_ptr<AtapiCdrom> cd_;
  std::string model_, serial_;

  uint64_t clb_ = 0, fb_ = 0;
  uint32_t is_ = 0, ie_ = 0, cmd_ = 0, tfd_ = 0, sig_ = 0, ssts_ = 0, sctl_ = 0, serr_ = 0;
  uint32_t ci_ = 0;
  bool stopped_on_error_ = false;
  std::vector<uint8_t> bounce_;
  uint64_t commands_ = 0, errors_ = 0;
};

}  // namespace vireo
