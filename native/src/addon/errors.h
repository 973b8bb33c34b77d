// Status -> JS Error with a `code` from VmmErrorCode (electron/common/errors.ts).
#pragma once
#include <napi.h>

#include "core/status.h"

namespace vireo {

inline const char* error_code_name(ErrorCode c) {
  static const char* const kNames[] = {"ok",  "no-kvm", "kvm-permission", "kvm-capability", "host-limit",
                                       "invalid-argument", "image-format", "io", "internal"};
  return kNames[static_cast<int>(c)];
}

inline Napi::Error to_js_error(Napi::Env env, const Status& s) {
  Napi::Error e = Napi::Error::New(env, s.message);
  e.Set("code", Napi::String::New(env, error_code_name(s.code)));
  if (s.sys_errno) e.Set("errno", Napi::Number::New(env, s.sys_errno));
  return e;
}

}  // namespace vireo
