// The only N-API entry point: exports { Vm, hostInfo, exitReasons }.
#include <napi.h>

#include "addon/host_info.h"
#include "addon/vm_wrap.h"
#include "core/exit_stats.h"

namespace vireo {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Vm", VmWrap::Define(env));
  exports.Set("hostInfo", Napi::Function::New(env, HostInfo, "hostInfo"));
  Napi::Array reasons = Napi::Array::New(env);
  for (unsigned r = 0; r < static_cast<unsigned>(ExitReason::kCount); ++r)
    reasons.Set(r, exit_reason_name(static_cast<ExitReason>(r)));
  exports.Set("exitReasons", reasons);
  return exports;
}

}  // namespace vireo

static Napi::Object InitVireo(Napi::Env env, Napi::Object exports) { return vireo::Init(env, exports); }

NODE_API_MODULE(vireo_native, InitVireo)
