// Vm: the JS object for one Machine. Control calls are synchronous and cheap; events
// (stopped, reset, milestone) arrive through one thread-safe function per VM; counters are
// pulled (readExitCounters) — nothing crosses to JS per exit.
#pragma once
#include <napi.h>

#include <memory>

#include "machine/machine.h"

namespace vireo {

class VmWrap : public Napi::ObjectWrap<VmWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit VmWrap(const Napi::CallbackInfo& info);
  ~VmWrap() override;

 private:
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Pause(const Napi::CallbackInfo& info);
  Napi::Value Resume(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Reset(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value ReadExitCounters(const Napi::CallbackInfo& info);
  Napi::Value BusStats(const Napi::CallbackInfo& info);
  Napi::Value KvmStats(const Napi::CallbackInfo& info);
  Napi::Value TakeSerialFd(const Napi::CallbackInfo& info);
  Napi::Value Cpus(const Napi::CallbackInfo& info);
  // VMware Tools backdoor and input (host side).
  Napi::Value OnGuestRpc(const Napi::CallbackInfo& info);
  Napi::Value SetBackdoorState(const Napi::CallbackInfo& info);
  Napi::Value SetHostClipboard(const Napi::CallbackInfo& info);
  Napi::Value MirrorGuestInfo(const Napi::CallbackInfo& info);
  Napi::Value SetClipboardPolicy(const Napi::CallbackInfo& info);
  Napi::Value BackdoorStats(const Napi::CallbackInfo& info);
  Napi::Value KeyEvent(const Napi::CallbackInfo& info);
  Napi::Value PointerEvent(const Napi::CallbackInfo& info);
  // Display (one consumer: the JS thread).
  Napi::Value DisplayMode(const Napi::CallbackInfo& info);
  Napi::Value TakeFrame(const Napi::CallbackInfo& info);
  Napi::Value WriteVram(const Napi::CallbackInfo& info);
  // Disks served by the host (vmfiles images).
  Napi::Value OnDiskRequest(const Napi::CallbackInfo& info);
  Napi::Value CompleteDisk(const Napi::CallbackInfo& info);
  // Network adapters (vm_wrap_net.cc).
  Napi::Value TakeNetFd(const Napi::CallbackInfo& info);
  Napi::Value NetStats(const Napi::CallbackInfo& info);
  Napi::Value SetNetLink(const Napi::CallbackInfo& info);
  void close();

  std::unique_ptr<Machine> machine_;
  // False once close() has freed the machine. Calls a vCPU queued on a thread-safe
  // function still run on the JS thread after close() (Release() does not drop them);
  // each checks this first and never touches the freed machine or its relays. Only the
  // JS thread reads or writes it (close() and the callbacks both run there).
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  Napi::ThreadSafeFunction events_;
  bool events_live_ = false;
  Napi::ThreadSafeFunction rpc_;
  bool rpc_live_ = false;
  Napi::ThreadSafeFunction disk_;
  bool disk_live_ = false;
};

}  // namespace vireo
