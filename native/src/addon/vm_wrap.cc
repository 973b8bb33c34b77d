#include "vm_wrap.h"

#include "errors.h"
#include "js_env.h"

namespace vireo {

namespace {

const char* stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::kPoweroff: return "poweroff";
    case StopReason::kReset: return "reset";
    case StopReason::kTripleFault: return "triple-fault";
    case StopReason::kError: return "error";
    case StopReason::kHost: return "host";
    case StopReason::kNone: break;
  }
  return "none";
}

Napi::Array ranges_to_js(Napi::Env env, const std::vector<BusRangeStats>& ranges) {
  Napi::Array out = Napi::Array::New(env, ranges.size());
  for (size_t i = 0; i < ranges.size(); ++i) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", ranges[i].name);
    o.Set("base", static_cast<double>(ranges[i].base));
    o.Set("length", static_cast<double>(ranges[i].length));
    o.Set("hits", static_cast<double>(ranges[i].hits));
    out.Set(i, o);
  }
  return out;
}

// Reads an optional property of the config object.
std::string opt_string(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
}

// "00:0c:29:ab:cd:ef" (also '-' separated) into six bytes.
bool parse_mac(const std::string& text, std::array<uint8_t, 6>* out) {
  if (text.size() != 17) return false;
  for (unsigned i = 0; i < 6; ++i) {
    if (i && text[3 * i - 1] != ':' && text[3 * i - 1] != '-') return false;
    unsigned v = 0;
    for (unsigned k = 0; k < 2; ++k) {
      char ch = text[3 * i + k];
      int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
      if (d < 0) return false;
      v = v * 16 + static_cast<unsigned>(d);
    }
    (*out)[i] = static_cast<uint8_t>(v);
  }
  return true;
}

}  // namespace

Napi::Function VmWrap::Define(Napi::Env env) {
  return DefineClass(env, "Vm",
                     {InstanceMethod("start", &VmWrap::Start), InstanceMethod("pause", &VmWrap::Pause),
                      InstanceMethod("resume", &VmWrap::Resume), InstanceMethod("stop", &VmWrap::Stop),
                      InstanceMethod("reset", &VmWrap::Reset), InstanceMethod("close", &VmWrap::Close),
                      InstanceMethod("readExitCounters", &VmWrap::ReadExitCounters),
                      InstanceMethod("busStats", &VmWrap::BusStats), InstanceMethod("kvmStats", &VmWrap::KvmStats),
                      InstanceMethod("takeSerialFd", &VmWrap::TakeSerialFd), InstanceAccessor("cpus", &VmWrap::Cpus, nullptr),
                      InstanceMethod("onGuestRpc", &VmWrap::OnGuestRpc),
                      InstanceMethod("setBackdoorState", &VmWrap::SetBackdoorState),
                      InstanceMethod("setHostClipboard", &VmWrap::SetHostClipboard),
                      InstanceMethod("setClipboardPolicy", &VmWrap::SetClipboardPolicy),
                      InstanceMethod("backdoorStats", &VmWrap::BackdoorStats),
                      InstanceMethod("keyEvent", &VmWrap::KeyEvent),
                      InstanceMethod("pointerEvent", &VmWrap::PointerEvent),
                      InstanceMethod("displayMode", &VmWrap::DisplayMode),
                      InstanceMethod("takeFrame", &VmWrap::TakeFrame),
                      InstanceMethod("writeVram", &VmWrap::WriteVram),
                      InstanceMethod("onDiskRequest", &VmWrap::OnDiskRequest),
                      InstanceMethod("mirrorGuestInfo", &VmWrap::MirrorGuestInfo),
                      InstanceMethod("completeDisk", &VmWrap::CompleteDisk),
                      InstanceMethod("takeNetFd", &VmWrap::TakeNetFd),
                      InstanceMethod("netStats", &VmWrap::NetStats),
                      InstanceMethod("setNetLink", &VmWrap::SetNetLink)});
}

// new Vm({memoryBytes, cpus, kernel?, initrd?, cmdline?, firmware?, serialConsole?, noReboot?, nestedVirtualization?, kvmPath?, disks?, nics?})
VmWrap::VmWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<VmWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    Napi::TypeError::New(env, "new Vm(config): config object required").ThrowAsJavaScriptException();
    return;
  }
  Napi::Object o = info[0].As<Napi::Object>();
  MachineConfig c;
  c.memory_bytes = static_cast<uint64_t>(o.Get("memoryBytes").ToNumber().DoubleValue());
  c.cpus = o.Get("cpus").ToNumber().Uint32Value();
  c.kernel = opt_string(o, "kernel");
  c.initrd = opt_string(o, "initrd");
  c.cmdline = opt_string(o, "cmdline");
  c.firmware = opt_string(o, "firmware");
  if (o.Has("serialConsole")) c.serial_console = o.Get("serialConsole").ToBoolean();
  if (o.Has("noReboot")) c.no_reboot = o.Get("noReboot").ToBoolean();
  if (o.Has("nestedVirtualization")) c.nested_virtualization = o.Get("nestedVirtualization").ToBoolean();
  c.linuxboot_rom = opt_string(o, "linuxbootRom");
  c.vga_rom = opt_string(o, "vgaRom");
  Napi::Value disks = o.Get("disks");
  if (disks.IsArray()) {
    Napi::Array list = disks.As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); ++i) {
      Napi::Object d = list.Get(i).As<Napi::Object>();
      DiskConfig dc;
      dc.size_bytes = static_cast<uint64_t>(d.Get("sizeBytes").ToNumber().DoubleValue());
      dc.read_only = d.Get("readOnly").ToBoolean();
      dc.cdrom = d.Get("cdrom").ToBoolean();
      std::string bus = opt_string(d, "bus");
      dc.bus = bus == "virtio" ? DiskBus::kVirtio
               : bus == "sata" ? DiskBus::kSata
               : bus == "nvme" ? DiskBus::kNvme
                               : DiskBus::kIde;
      Napi::Value unit = d.Get("unit");
      if (unit.IsNumber()) {
        double u = unit.As<Napi::Number>().DoubleValue();
        if (!(u >= 0 && u <= 29) || u != static_cast<int>(u)) {
          Napi::RangeError::New(env, "disks[].unit must be a whole number from 0 to 29").ThrowAsJavaScriptException();
          return;
        }
        dc.unit = static_cast<int>(u);
      }
      c.disks.push_back(dc);
    }
  }
  Napi::Value nics = o.Get("nics");
  if (nics.IsArray()) {
    Napi::Array list = nics.As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); ++i) {
      Napi::Object n = list.Get(i).As<Napi::Object>();
      NicConfig nc;
      if (!parse_mac(opt_string(n, "mac"), &nc.mac)) {
        Napi::TypeError::New(env, "nics[].mac must be six hex bytes like 00:0c:29:12:34:56").ThrowAsJavaScriptException();
        return;
      }
      nc.connected = n.Get("connected").ToBoolean();
      nc.vmxnet3 = opt_string(n, "model") == "vmxnet3";
      c.nics.push_back(nc);
    }
  }
  if (o.Get("displayMaxWidth").IsNumber()) c.display_max_width = o.Get("displayMaxWidth").ToNumber().Uint32Value();
  if (o.Get("displayMaxHeight").IsNumber()) c.display_max_height = o.Get("displayMaxHeight").ToNumber().Uint32Value();
  std::string kvm_path = opt_string(o, "kvmPath");
  if (!kvm_path.empty()) c.kvm_path = kvm_path;
  Status s = Machine::create(c, &machine_);
  if (!s.ok()) to_js_error(env, s).ThrowAsJavaScriptException();
}

VmWrap::~VmWrap() { close(); }

void VmWrap::close() {
  *alive_ = false;
  if (machine_) {
    machine_->stop();
    machine_.reset();
  }
  if (events_live_) {
    events_.Release();
    events_live_ = false;
  }
  if (rpc_live_) {
    rpc_.Release();
    rpc_live_ = false;
  }
  if (disk_live_) {
    disk_.Release();
    disk_live_ = false;
  }
}

// start(onEvent): onEvent({type: 'stopped'|'reset'|'milestone', reason?, code, tNs, detail?})
Napi::Value VmWrap::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!machine_) return env.Undefined();
  if (info.Length() < 1 || !info[0].IsFunction()) {
    Napi::TypeError::New(env, "start(onEvent): callback required").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  events_ = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "vireo-vm-events", 256, 1);
  events_.Unref(env);  // a running VM alone does not keep the process alive
  events_live_ = true;
  Napi::ThreadSafeFunction tsfn = events_;
  std::shared_ptr<bool> alive = alive_;
  machine_->set_event_sink([tsfn, alive](const MachineEvent& e) mutable {
    auto* copy = new MachineEvent(e);
    napi_status st = tsfn.NonBlockingCall(copy, [alive](Napi::Env env, Napi::Function cb, MachineEvent* ev) {
      // Teardown of the environment, or an event queued before close(): dropped.
      if (env == nullptr || cb.IsEmpty() || !*alive || !can_call_js(env)) {
        delete ev;
        return;
      }
      Napi::Object o = Napi::Object::New(env);
      static const char* const kTypes[] = {"stopped", "milestone", "reset", "guest-clipboard", "mouse-mode"};
      o.Set("type", kTypes[static_cast<int>(ev->type)]);
      if (ev->type == MachineEvent::Type::kStopped || ev->type == MachineEvent::Type::kReset)
        o.Set("reason", stop_reason_name(ev->reason));
      o.Set("code", static_cast<double>(ev->code));
      o.Set("tNs", static_cast<double>(ev->t_ns));
      if (!ev->detail.empty()) o.Set("detail", ev->detail);
      delete ev;
      cb.Call({o});
      if (env.IsExceptionPending()) env.GetAndClearPendingException();
    });
    if (st != napi_ok) delete copy;
  });
  Status s = machine_->start();
  if (!s.ok()) to_js_error(env, s).ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value VmWrap::Pause(const Napi::CallbackInfo& info) {
  if (machine_) machine_->pause();
  return info.Env().Undefined();
}

Napi::Value VmWrap::Resume(const Napi::CallbackInfo& info) {
  if (machine_) machine_->resume();
  return info.Env().Undefined();
}

Napi::Value VmWrap::Stop(const Napi::CallbackInfo& info) {
  if (machine_) machine_->stop();
  return info.Env().Undefined();
}

Napi::Value VmWrap::Reset(const Napi::CallbackInfo& info) {
  if (machine_) machine_->reset();
  return info.Env().Undefined();
}

Napi::Value VmWrap::Close(const Napi::CallbackInfo& info) {
  close();
  return info.Env().Undefined();
}

// readExitCounters(buf: Float64Array): fills cpus * reasons cumulative counts; returns
// how many were written. Exact up to 2^53.
Napi::Value VmWrap::ReadExitCounters(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!machine_ || info.Length() < 1 || !info[0].IsTypedArray()) return Napi::Number::New(env, 0);
  Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
  if (ta.TypedArrayType() != napi_float64_array) {
    Napi::TypeError::New(env, "readExitCounters needs a Float64Array").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Float64Array buf = info[0].As<Napi::Float64Array>();
  size_t n = std::min<size_t>(buf.ElementLength(), machine_->cpus() * static_cast<size_t>(ExitReason::kCount));
  std::vector<uint64_t> tmp(machine_->cpus() * static_cast<size_t>(ExitReason::kCount));
  machine_->read_exit_counters(tmp.data(), tmp.size());
  for (size_t i = 0; i < n; ++i) buf[i] = static_cast<double>(tmp[i]);
  return Napi::Number::New(env, static_cast<double>(n));
}

Napi::Value VmWrap::BusStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  if (!machine_) return o;
  o.Set("ports", ranges_to_js(env, machine_->port_stats()));
  o.Set("mmio", ranges_to_js(env, machine_->mmio_stats()));
  return o;
}

Napi::Value VmWrap::KvmStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  if (!machine_) return o;
  for (const KvmStat& s : machine_->kvm_stats()) o.Set(s.name, static_cast<double>(s.value));
  return o;
}

Napi::Value VmWrap::TakeSerialFd(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), machine_ ? machine_->take_serial_fd() : -1);
}

Napi::Value VmWrap::Cpus(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), machine_ ? machine_->cpus() : 0);
}

}  // namespace vireo
