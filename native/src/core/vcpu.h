// Vcpu: one KVM vCPU and the thread that runs it. The loop counts each exit, dispatches
// port and MMIO accesses to the buses, and returns to KVM_RUN: no allocation, no locks
// shared with JavaScript, no per-exit callbacks (the vCPU thread counts, it never talks). Control
// (pause, stop) is a flag plus a kick: immediate_exit = 1 and a signal that interrupts KVM_RUN.
#pragma once
#include <linux/kvm.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/bus.h"
#include "core/exit_stats.h"
#include "core/guest_memory.h"
#include "core/kvm.h"
#include "core/machine_control.h"
#include "core/vcpu_context.h"

namespace vireo {

class Vcpu : public VcpuContext {
 public:
  struct Env {
    GuestMemory* memory;
    PioBus* pio;
    MmioBus* mmio;
    MachineControl* control;
  };

  Vcpu(unsigned index, Fd fd, kvm_run* run, size_t run_size, Env env);
  ~Vcpu() override;

  int fd() const { return fd_.get(); }
  const VcpuExitStats& stats() const { return stats_; }
  int stats_fd() const { return stats_fd_.get(); }

  // Thread control. start() launches the thread paused or running.
  void start(bool paused);
  void set_paused(bool paused);
  // Stops and joins; safe to call twice.
  void stop();
  bool parked() const { return parked_.load(); }
  // After set_paused(true): waits until the thread runs no guest code (it has parked, or
  // it is serving an exit and will park before KVM_RUN); false at the deadline.
  bool wait_out_of_guest(std::chrono::steady_clock::time_point deadline);

  // VcpuContext
  unsigned index() const override { return index_; }
  Regs& regs() override;
  void mark_regs_dirty() override;
  unsigned cpl() override;
  bool translate(uint64_t gva, bool write, uint64_t* gpa) override;
  GuestMemory& memory() override { return *env_.memory; }

  // Why the thread stopped on its own (triple fault, emulation failure), with a register
  // dump; read it after stop().
  const std::string& error_detail() const { return error_detail_; }

  // A register dump for error reports (reads KVM_GET_REGS/SREGS; call while parked or
  // from the vCPU thread).
  std::string dump_registers();

 private:
  void thread_main();
  void kick();
  // Handles one exit; returns false when the vCPU must stop.
  bool handle_exit();
  void handle_io();
  void handle_mmio();

  unsigned index_;
  Fd fd_;
  Fd stats_fd_;
  kvm_run* run_;
  size_t run_size_;
  Env env_;
  VcpuExitStats stats_;

  std::thread thread_;
  pthread_t native_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> pause_{false};
  std::atomic<bool> parked_{false};
  // True from just before the pause check to just after KVM_RUN returns. Sequentially
  // consistent with pause_ (a Dekker pair): once set_paused(true) has stored pause_, a
  // waiter that reads in_guest_ == false knows the thread will see the pause first.
  std::atomic<bool> in_guest_{false};
  std::atomic<bool> stop_done_{false};
  std::string error_detail_;
  std::mutex park_lock_;
  std::condition_variable park_cv_;
};

}  // namespace vireo
