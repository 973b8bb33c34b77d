// VMware vmxnet3 (PCI 15AD:07B0, class 02h/00h) revision 1 as drivers see it: registers
// in BAR 0 ("PT": interrupt masks and producer doorbells) and BAR 1 ("VD": revision
// selection, the driver-shared area address, commands, MAC, interrupt and event cause),
// and the little-endian structures the driver places in guest memory (DriverShared,
// Tx/RxQueueDesc, the descriptor and completion rings with generation bits). Offsets and
// bit fields as Linux drivers/net/vmxnet3/vmxnet3_defs.h and iPXE
// src/drivers/net/vmxnet3.h define them (the packed layouts, byte offsets given here).
#pragma once
#include <cstdint>

namespace vireo::vmxnet3 {

constexpr uint32_t kPtBarSize = 0x1000, kVdBarSize = 0x1000;
// BAR 0.
constexpr uint32_t kPtImr = 0x000, kPtTxProd = 0x600, kPtRxProd = 0x800, kPtRxProd2 = 0xA00;  // 8-byte stride
// BAR 1.
constexpr uint32_t kVdVrrs = 0x00, kVdUvrs = 0x08, kVdDsal = 0x10, kVdDsah = 0x18, kVdCmd = 0x20, kVdMacl = 0x28,
                   kVdMach = 0x30, kVdIcr = 0x38, kVdEcr = 0x40;

// Commands written to VD.CMD; "get" commands leave their result there.
constexpr uint32_t kCmdActivate = 0xCAFE0000, kCmdQuiesce = 0xCAFE0001, kCmdReset = 0xCAFE0002,
                   kCmdUpdateRxMode = 0xCAFE0003, kCmdUpdateMacFilters = 0xCAFE0004,
                   kCmdUpdateVlanFilters = 0xCAFE0005, kCmdUpdateFeature = 0xCAFE0009;
constexpr uint32_t kCmdGetQueueStatus = 0xF00D0000, kCmdGetStats = 0xF00D0001, kCmdGetLink = 0xF00D0002,
                   kCmdGetPermMacLo = 0xF00D0003, kCmdGetPermMacHi = 0xF00D0004, kCmdGetDidLo = 0xF00D0005,
                   kCmdGetDidHi = 0xF00D0006, kCmdGetDevExtraInfo = 0xF00D0007, kCmdGetConfIntr = 0xF00D0008;

// Events in DriverShared.ecr (cleared by writing ones to VD.ECR).
constexpr uint32_t kEcrRqErr = 1 << 0, kEcrTqErr = 1 << 1, kEcrLink = 1 << 2;

// DriverShared (720 bytes).
constexpr uint32_t kSharedMagic = 0xBABEFEE1;
constexpr unsigned kShMagic = 0, kShVersion = 8, kShQueueDescPa = 40, kShQueueDescLen = 52, kShMtu = 56,
                   kShNumTxQueues = 62, kShNumRxQueues = 63, kShIntrMaskMode = 80, kShIntrNum = 81,
                   kShEventIntr = 82, kShIntrCtrl = 108, kShRxMode = 120, kShMfTableLen = 124, kShMfTablePa = 128,
                   kShVfTable = 136, kShEcr = 696, kSharedSize = 720;
constexpr uint32_t kIntrCtrlDisableAll = 1;
// Receive filter modes.
constexpr uint32_t kRxmUcast = 0x01, kRxmMcast = 0x02, kRxmBcast = 0x04, kRxmAllMulti = 0x08, kRxmPromisc = 0x10;

// Tx/RxQueueDesc: 256 bytes each, TX queues first.
constexpr unsigned kQueueDescSize = 256;
constexpr unsigned kTqRingPa = 16, kTqCompPa = 32, kTqRingSize = 56, kTqCompSize = 64, kTqIntr = 72;
constexpr unsigned kRqRingPa0 = 16, kRqRingPa1 = 24, kRqCompPa = 32, kRqRingSize0 = 56, kRqRingSize1 = 60,
                   kRqCompSize = 64, kRqIntr = 72;
constexpr unsigned kQStatusStopped = 80, kQStatusError = 84;

// Descriptors and completions are 16 bytes.
constexpr unsigned kDescSize = 16;
// Tx descriptor dword 2: len 13:0 (0 = 16384), gen 14, dtype 16, ext1 17, msscof 31:18;
// dword 3: hlen 9:0, om 11:10 (0 none, 2 checksum, 3 TSO), eop 12, cq 13, ti 15, tci 31:16.
constexpr uint32_t kTxGen = 1u << 14, kTxEop = 1u << 12, kTxCq = 1u << 13, kTxTi = 1u << 15;
constexpr unsigned kOmNone = 0, kOmCsum = 2, kOmTso = 3;
// Tx completion: dword 0 txdIdx 11:0; dword 3 type 30:24 (0), gen 31.
// Rx descriptor dword 2: len 13:0, btype 14, dtype 15, gen 31.
constexpr uint32_t kRxGen = 1u << 31;
// Rx completion: dword 0 rxdIdx 11:0, eop 14, sop 15, rqID 25:16; dword 2 len 13:0, err 14,
// ts 15, tci 31:16; dword 3 csum 15:0, tuc 16, udp 17, tcp 18, ipc 19, v6 20, v4 21, frg 22,
// fcs 23, type 30:24 (3), gen 31.
constexpr uint32_t kRcEop = 1u << 14, kRcSop = 1u << 15, kRcTs = 1u << 15, kRcTuc = 1u << 16, kRcUdp = 1u << 17,
                   kRcTcp = 1u << 18, kRcIpc = 1u << 19, kRcV4 = 1u << 21, kRcCnc = 1u << 30, kRcTypeRx = 3u << 24,
                   kRcGen = 1u << 31;
constexpr unsigned kMaxRing = 4096;  // ring sizes Linux accepts (VMXNET3_TX_RING_MAX_SIZE)

// GET_CONF_INTR: interrupt type INTx (1) in bits 1:0, mask mode "active" (1) in bits 3:2:
// the driver masks and unmasks through IMR itself.
constexpr uint32_t kConfIntrIntxActive = 1 | 1u << 2;
// GET_LINK: link up (bit 0) at 10000 Mb/s (bits 31:16).
constexpr uint32_t kLinkSpeedMbps = 10000;

}  // namespace vireo::vmxnet3
