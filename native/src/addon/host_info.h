// hostInfo(): what this host's KVM can do, for the UI toggles and the CLI's warnings.
#pragma once
#include <napi.h>

namespace vireo {
Napi::Value HostInfo(const Napi::CallbackInfo& info);
}
