// Constants of the VMware "backdoor" guest interface (docs/vmware-backdoor.md).
// Numbers: open-vm-tools lib/include/backdoor_def.h (commands, magic, ports) and
// lib/include/guest_msg_def.h (message types, status bits, limits).
#pragma once
#include <cstdint>

namespace vireo {
namespace bdoor {

constexpr uint32_t kMagic = 0x564D5868;       // "VMXh", EAX of every call
constexpr uint16_t kPortLb = 0x5658;          // BDOOR_PORT: `in eax,dx`
constexpr uint16_t kPortHb = 0x5659;          // BDOORHB_PORT: `rep insb/outsb`
constexpr uint32_t kVersionMagic = 6;         // GETVERSION EAX (VmCheck_IsVirtualWorld needs 6)
constexpr uint32_t kUnsupported = 0xFFFFFFFF; // EAX for unknown commands (§1.1)

// ECX[15:0] command numbers (§3). Only the ones this device answers or names.
enum Cmd : uint16_t {
  kGetMhz = 1,
  kGetPtrLocation = 4,
  kSetPtrLocation = 5,
  kGetSelLength = 6,
  kGetNextPiece = 7,
  kSetSelLength = 8,
  kSetNextPiece = 9,
  kGetVersion = 10,
  kGetDeviceListElement = 11,
  kToggleDevice = 12,
  kGetGuiOptions = 13,
  kSetGuiOptions = 14,
  kGetScreenSize = 15,
  kGetHwVersion = 17,
  kGetUuid = 19,
  kGetTime = 23,
  kStopCatchup = 24,
  kMessage = 30,
  kIsMouseAbsolute = 36,
  kAbsPointerData = 39,
  kAbsPointerStatus = 40,
  kAbsPointerCommand = 41,
  kGetHz = 45,
  kGetTimeFull = 46,
  kGetTimeFullWithLag = 55,
  kNestingControl = 63,
  kGetVcpuInfo = 68,
  kMksGuestStats = 85,
  kAbsPointerRestrict = 86,
  kStealClock = 91,
  kGetBuildNum = 100,
};
// Statistics keep one counter per command number below this bound (BDOOR_CMD_MAX = 105).
constexpr unsigned kCmdCount = 128;

// GETGUIOPTIONS mask bits (VMWARE_GUI_*).
constexpr uint32_t kGuiExchangeSelections = 0x010;
constexpr uint32_t kGuiSyncTime = 0x400;

// GET_VCPU_INFO bits.
constexpr uint32_t kVcpuLegacyX2ApicOk = 1u << 3;

// Legacy clipboard: MAX_SELECTION_BUFFER_LENGTH = 65536 - 100 (§8.1).
constexpr uint32_t kMaxSelection = 65436;
constexpr int32_t kSelNotReady = -1;
constexpr int32_t kSelDontExchange = -2;
// GETPTRLOCATION x = -100: "pointer not grabbed by the VM".
constexpr int16_t kPtrUngrabbed = -100;

// Command 30 MESSAGE: ECX[31:16] message types (§4.1).
enum MsgType : uint16_t {
  kMsgOpen = 0,
  kMsgSendSize = 1,
  kMsgSendPayload = 2,
  kMsgRecvSize = 3,
  kMsgRecvPayload = 4,
  kMsgRecvStatus = 5,
  kMsgClose = 6,
};
// Status bits, in ECX[31:16] (LB) or EBX[31:16] (HB) (§4.2).
constexpr uint16_t kStSuccess = 0x0001;
constexpr uint16_t kStDoRecv = 0x0002;
constexpr uint16_t kStClosed = 0x0004;
constexpr uint16_t kStUnsent = 0x0008;
constexpr uint16_t kStCpt = 0x0010;
constexpr uint16_t kStPowerOff = 0x0020;
constexpr uint16_t kStTimeout = 0x0040;
constexpr uint16_t kStHb = 0x0080;

constexpr uint32_t kProtoRpci = 0x49435052;    // "RPCI": guest -> host requests
constexpr uint32_t kProtoTclo = 0x4F4C4354;    // "TCLO": host -> guest commands
constexpr uint32_t kFlagCookie = 0x80000000;   // GUESTMSG_FLAG_COOKIE
constexpr uint32_t kMaxMessage = 65536;        // GUESTMSG_MAX_IN_SIZE

// vmmouse (§9, Linux drivers/input/mouse/vmmouse.c).
constexpr uint32_t kMouseCmdEnable = 0x45414552;       // "REAE": enable / READ_ID
constexpr uint32_t kMouseCmdDisable = 0x000000F5;
constexpr uint32_t kMouseCmdAbsolute = 0x53424152;     // "RABS"
constexpr uint32_t kMouseCmdRelative = 0x4C455252;     // "RREL"
constexpr uint32_t kMouseVersion = 0x3442554A;         // pushed after ENABLE
constexpr uint16_t kMouseStatusError = 0xFFFF;
constexpr uint32_t kMouseRelativePacket = 0x00010000;  // flag in packet dword 0
constexpr uint32_t kMouseLeft = 0x20, kMouseRight = 0x10, kMouseMiddle = 0x08;

// Human name of a command number for the statistics panel ("cmd-<n>" when unnamed).
const char* command_name(unsigned cmd);

}  // namespace bdoor
}  // namespace vireo
