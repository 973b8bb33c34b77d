// The network-facing methods of Vm: the far end of a NIC's socket (handed to passt by
// the VM host), per-NIC traffic counters for telemetry, and the host's link toggle.
#include "addon/vm_wrap.h"

namespace vireo {

// takeNetFd(index): the socket fd for passt --fd (once), or -1.
Napi::Value VmWrap::TakeNetFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  unsigned index = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Uint32Value() : 0;
  return Napi::Number::New(env, machine_ ? machine_->take_net_fd(index) : -1);
}

// netStats(): [{rxFrames, rxBytes, txFrames, txBytes, link}] per NIC, cumulative.
Napi::Value VmWrap::NetStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  if (!machine_) return out;
  NicTraffic t;
  bool link = false;
  for (unsigned i = 0; machine_->nic_status(i, &t, &link); ++i) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("rxFrames", static_cast<double>(t.rx_frames));
    o.Set("rxBytes", static_cast<double>(t.rx_bytes));
    o.Set("txFrames", static_cast<double>(t.tx_frames));
    o.Set("txBytes", static_cast<double>(t.tx_bytes));
    o.Set("link", link);
    out.Set(i, o);
  }
  return out;
}

// setNetLink(index, up): plugs or unplugs the virtual cable (the guest sees LSC).
Napi::Value VmWrap::SetNetLink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!machine_ || info.Length() < 2 || !info[0].IsNumber()) return Napi::Boolean::New(env, false);
  return Napi::Boolean::New(env, machine_->set_nic_link(info[0].As<Napi::Number>().Uint32Value(), info[1].ToBoolean()));
}

}  // namespace vireo
