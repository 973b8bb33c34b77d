#include "devices/vmware/backdoor_stats.h"

namespace vireo {
namespace bdoor {

// Names as in open-vm-tools backdoor_def.h without the BDOOR_CMD_ prefix.
const char* command_name(unsigned cmd) {
  switch (cmd) {
    case kGetMhz: return "GETMHZ";
    case kGetPtrLocation: return "GETPTRLOCATION";
    case kSetPtrLocation: return "SETPTRLOCATION";
    case kGetSelLength: return "GETSELLENGTH";
    case kGetNextPiece: return "GETNEXTPIECE";
    case kSetSelLength: return "SETSELLENGTH";
    case kSetNextPiece: return "SETNEXTPIECE";
    case kGetVersion: return "GETVERSION";
    case kGetDeviceListElement: return "GETDEVICELISTELEMENT";
    case kToggleDevice: return "TOGGLEDEVICE";
    case kGetGuiOptions: return "GETGUIOPTIONS";
    case kSetGuiOptions: return "SETGUIOPTIONS";
    case kGetScreenSize: return "GETSCREENSIZE";
    case kGetHwVersion: return "GETHWVERSION";
    case kGetUuid: return "GETUUID";
    case kGetTime: return "GETTIME";
    case kStopCatchup: return "STOPCATCHUP";
    case kMessage: return "MESSAGE";
    case kIsMouseAbsolute: return "ISMOUSEABSOLUTE";
    case kAbsPointerData: return "ABSPOINTER_DATA";
    case kAbsPointerStatus: return "ABSPOINTER_STATUS";
    case kAbsPointerCommand: return "ABSPOINTER_COMMAND";
    case kGetHz: return "GETHZ";
    case kGetTimeFull: return "GETTIMEFULL";
    case kGetTimeFullWithLag: return "GETTIMEFULL_WITH_LAG";
    case kNestingControl: return "NESTING_CONTROL";
    case kGetVcpuInfo: return "GET_VCPU_INFO";
    case kMksGuestStats: return "MKS_GUEST_STATS";
    case kAbsPointerRestrict: return "ABSPOINTER_RESTRICT";
    case kStealClock: return "STEALCLOCK";
    case kGetBuildNum: return "GETBUILDNUM";
    default: return nullptr;
  }
}

}  // namespace bdoor

std::vector<BackdoorCounter> BackdoorStats::snapshot() const {
  static const char* const kMsgNames[] = {"open", "sendsize", "sendpayload", "recvsize",
                                          "recvpayload", "recvstatus", "close"};
  std::vector<BackdoorCounter> out;
  auto add = [&out](std::string name, const std::atomic<uint64_t>& c) {
    uint64_t v = c.load(std::memory_order_relaxed);
    if (v) out.push_back({std::move(name), v});
  };
  for (unsigned i = 0; i < bdoor::kCmdCount; ++i) {
    const char* n = bdoor::command_name(i);
    add(n ? std::string(n) : "cmd-" + std::to_string(i), cmds_[i]);
  }
  add("cmd-out-of-range", cmd_over_);
  for (unsigned i = 0; i <= bdoor::kMsgClose; ++i) add(std::string("MESSAGE.") + kMsgNames[i], msgs_[i]);
  add("MESSAGE.bad-type", msg_bad_);
  add("bad-magic", bad_magic_);
  add("unsupported", unsupported_);
  add("hb-send", hb_send_);
  add("hb-recv", hb_recv_);
  add("hb-bytes", hb_bytes_);
  add("rpc-failures", rpc_fail_);
  add("vmmouse-dropped", mouse_drop_);
  return out;
}

}  // namespace vireo
