// Whether a thread-safe-function call may run JavaScript now. Node dispatches calls still
// queued when the process exits (Environment::CleanupHandles) with a valid env in which
// JavaScript can no longer run: every napi_* call behind NAPI_PREAMBLE then fails, and
// node-addon-api (built without C++ exceptions) turns that failure into a fatal error
// ("Error::ThrowAsJavaScriptException napi_throw"), killing a process that was exiting
// cleanly with a VM still running. The probe uses the C API, which reports instead.
#pragma once
#include <node_api.h>

namespace vireo {

inline bool can_call_js(napi_env env) {
  napi_value probe, value;
  if (napi_create_object(env, &probe) != napi_ok || napi_get_undefined(env, &value) != napi_ok) return false;
  return napi_set_named_property(env, probe, "probe", value) == napi_ok;
}

}  // namespace vireo
