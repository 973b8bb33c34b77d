#include "addon/host_info.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "addon/errors.h"
#include "core/kvm.h"

namespace vireo {

namespace {

// Returns the first line of a sysfs file, or "" when it does not exist.
std::string read_param(const char* path) {
  std::ifstream in(path);
  std::string line;
  if (in) std::getline(in, line);
  return line;
}

}  // namespace

Napi::Value HostInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  std::string path = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "/dev/kvm";
  KvmSystem kvm;
  Status s = KvmSystem::open(&kvm, path.c_str());
  out.Set("kvm", Napi::Boolean::New(env, s.ok()));
  if (!s.ok()) {
    Napi::Object err = Napi::Object::New(env);
    err.Set("code", error_code_name(s.code));
    err.Set("message", s.message);
    out.Set("kvmError", err);
  } else {
    out.Set("maxVcpus", kvm.max_vcpus());
    out.Set("nestedState", kvm.check_extension(KVM_CAP_NESTED_STATE) > 0);
  }
  // Module parameters (Documentation/admin-guide/kernel-parameters.txt, kvm.*).
  out.Set("vmwareBackdoorParam", read_param("/sys/module/kvm/parameters/enable_vmware_backdoor"));
  std::string intel = read_param("/sys/module/kvm_intel/parameters/nested");
  std::string amd = read_param("/sys/module/kvm_amd/parameters/nested");
  out.Set("nestedParam", !intel.empty() ? intel : amd);
  // The vendor module that provides KVM (/sys/module/<name> exists when it is loaded or
  // built in). kvm_pvm is the page-table-based KVM that emulates every guest instruction.
  std::string vendor;
  for (const char* name : {"kvm_intel", "kvm_amd", "kvm_pvm"}) {
    if (access((std::string("/sys/module/") + name).c_str(), F_OK) == 0) vendor = name;
  }
  out.Set("vendorModule", vendor);
  return out;
}

}  // namespace vireo
