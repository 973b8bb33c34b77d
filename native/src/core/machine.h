// Machine: one VM. Built in a fixed order (KVM → memory → buses → devices → payload →
// vCPUs, paused) and torn down in reverse; a supervisor thread carries out what the guest
// asks of the machine (stop, reset) since a vCPU thread cannot join itself. A guest reset
// rebuilds the KVM VM (fresh vCPUs, irqchip and PIT) over the same guest RAM and devices.
#pragma once
#include <array>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "block_relay.h"
#include "board.h"
#include "bus.h"
#include "exit_stats.h"
#include "guest_memory.h"
#include "kvm.h"
#include "machine_control.h"
#include "slot_mapper.h"
#include "status.h"
#include "vcpu.h"

namespace vireo {

// A disk whose image the host serves (BlockRelay): size and mode known up front.
struct DiskConfig {
  uint64_t size_bytes = 0;
  bool read_only = false;
  bool cdrom = false;
  DiskBus bus = DiskBus::kIde;
  int unit = -1;  // DiskAttachment::unit
};

// A network adapter: its MAC, and whether the host connects it (passt) or it has no cable.
struct NicConfig {
  bool vmxnet3 = false;  // else an e1000
  std::array<uint8_t, 6> mac{};
  bool connected = false;
};

struct MachineConfig {
  uint64_t memory_bytes = 256ull << 20;
  unsigned cpus = 1;
  std::string kernel;    // bzImage (direct boot, or loaded by the firmware via fw_cfg)
  std::string initrd;
  std::string cmdline;
  std::string firmware;  // BIOS image (SeaBIOS bios-256k.bin); empty = direct boot
  bool serial_console = true;  // firmware: SeaBIOS sercon on COM1
  std::string linuxboot_rom;   // option ROM that loads `kernel` at INT 19h (firmware boot)
  std::string vga_rom;         // VGA BIOS for the SVGA card's ROM BAR (firmware boot)
  uint32_t display_max_width = 2560, display_max_height = 1600;
  std::vector<DiskConfig> disks;
  std::vector<NicConfig> nics;
  bool no_reboot = false;      // a guest reset ends the run
  bool nested_virtualization = false;  // CPUID shows VMX/SVM (CpuidOptions)
  std::string kvm_path = "/dev/kvm";
};

struct MachineEvent {
  enum class Type { kStopped, kMilestone, kReset, kGuestClipboard, kMouseMode };
  Type type;
  StopReason reason = StopReason::kNone;
  uint32_t code = 0;
  uint64_t t_ns = 0;  // since Machine::start()
  std::string detail;
};

class Machine : public MachineControl, public SlotMapper {
 public:
  using EventSink = std::function<void(const MachineEvent&)>;
  static constexpr unsigned kMaxCpus = 8;

  // Validates the configuration against the host, reads the images and builds the VM.
  static Status create(const MachineConfig& config, std::unique_ptr<Machine>* out);
  ~Machine() override;

  // The sink is called from the supervisor and vCPU threads; set it before start().
  void set_event_sink(EventSink sink) { sink_ = std::move(sink); }
  Status start();
  void pause();
  void resume();
  void stop();   // host power-off: the stopped event has reason kHost
  void reset();  // host reset button
  bool running() const;

  unsigned cpus() const { return config_.cpus; }
  // out[vcpu * ExitReason::kCount + reason], cumulative since create().
  void read_exit_counters(uint64_t* out, size_t count) const;
  std::vector<BusRangeStats> port_stats() const { return pio_.stats(); }
  std::vector<BusRangeStats> mmio_stats() const { return mmio_.stats(); }
  std::vector<KvmStat> kvm_stats() const;  // VM-wide plus summed per-vCPU stats
  int take_serial_fd() { return board_.serial.take_host_fd(); }
  Board& board() { return board_; }
  // The relay of disk `index` (in MachineConfig::disks order), or null.
  BlockRelay* disk(unsigned index) { return index < disks_.size() ? disks_[index].get() : nullptr; }

  // MachineControl (any thread).
  void request_reset() override;
  void request_stop(StopReason reason, uint32_t code) override;
  void milestone(uint32_t value) override;

  // SlotMapper.
  Status map(uint8_t* host, uint64_t size, uint64_t gpa, bool read_only, bool log_dirty, int* slot) override;
  Status move(int slot, uint64_t gpa) override;
  void unmap(int slot) override;
  Status take_dirty(int slot, std::vector<uint64_t>* bitmap) override;

 private:
  static constexpr uint32_t kFirstDeviceSlot = 16;  // KVM slots below are guest RAM/flash
  struct DeviceSlot {
    uint8_t* host;
    uint64_t size;
    uint64_t gpa;  // 0 = hidden
    uint32_t flags;
    bool used;
  };

  explicit Machine(const MachineConfig& config);
  Status load_images();
  Status build_kvm();     // VM fd, irqchip, PIT, memory slots, vCPUs
  void teardown_kvm();    // joins vCPU threads, closes fds
  Status load_payload();  // firmware or kernel into guest memory, boot vCPU state
  // KVM_SET_USER_MEMORY_REGION on the current VM (device slots moving with their BARs).
  Status set_slot(uint32_t slot, uint64_t gpa, uint64_t size, uint8_t* host, uint32_t flags);
  void start_vcpus();
  void halt_guest();
  void supervise();
  // Fails the GuestRPC and disk calls vCPUs wait on, and every later one: until
  // reopen_host_calls() (reset), or for good (stop; a reopen then does nothing).
  void close_host_calls(bool for_good);
  void reopen_host_calls();
  uint64_t now_ns() const;

  MachineConfig config_;
  KvmSystem kvm_;
  VmFd vm_;  // replaced on every guest reset; see vm_fd.h
  GuestMemory memory_;
  uint64_t ram_below_4g_ = 0;
  uint64_t ram_above_4g_ = 0;
  PioBus pio_;
  MmioBus mmio_;
  Board board_;
  std::vector<std::unique_ptr<Vcpu>> vcpus_;
  mutable std::mutex vcpus_lock_;  // vcpus_ changes (reset) vs. halt_guest() from vCPU threads
  std::vector<uint64_t> retired_counters_;  // counts of vCPUs replaced by a reset
  std::vector<DeviceSlot> device_slots_;
  mutable std::mutex slots_lock_;

  std::vector<uint8_t> kernel_, initrd_, firmware_;
  std::vector<std::unique_ptr<BlockRelay>> disks_;
  EventSink sink_;
  std::chrono::steady_clock::time_point t0_;

  std::mutex host_calls_lock_;  // close/reopen of the relays vs. a concurrent stop
  bool host_calls_final_ = false;
  static constexpr int kPauseWaitMs = 100;

  mutable std::mutex lock_;
  std::condition_variable cv_;
  bool started_ = false;
  bool stopped_ = false;
  bool reset_pending_ = false;
  StopReason stop_reason_ = StopReason::kNone;
  uint32_t stop_code_ = 0;
  std::thread supervisor_;
};

}  // namespace vireo
