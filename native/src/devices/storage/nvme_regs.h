// Registers, queue entry layouts and opcodes of an NVMe 1.4 controller (NVM Express Base
// Specification 1.4c: 3.1 controller registers, 4.2/4.6 queue entries, 5 admin commands,
// 6 NVM commands) as far as Vireo's controller implements them.
#pragma once
#include <cstdint>

namespace vireo::nvme {

// Controller registers (3.1) in BAR 0.
constexpr unsigned kCap = 0x00, kVs = 0x08, kIntms = 0x0C, kIntmc = 0x10, kCc = 0x14,
                   kCsts = 0x1C, kNssr = 0x20, kAqa = 0x24, kAsq = 0x28, kAcq = 0x30;
constexpr unsigned kDoorbells = 0x1000;  // SQ y tail at 0x1000 + 8y, CQ y head at +4
constexpr uint32_t kVersion14 = 0x00010400;

constexpr uint32_t kCcEn = 1u << 0, kCsRdy = 1u << 0, kCsCfs = 1u << 1;
constexpr unsigned kCcShnShift = 14, kCsShstShift = 2;

constexpr unsigned kPageShift = 12;  // CC.MPS 0 = 4 KiB, the only page size offered
constexpr uint64_t kPage = 1ull << kPageShift;
constexpr unsigned kSqeBytes = 64, kCqeBytes = 16;

// Admin opcodes (5).
constexpr uint8_t kDeleteSq = 0x00, kCreateSq = 0x01, kGetLogPage = 0x02, kDeleteCq = 0x04,
                  kCreateCq = 0x05, kIdentify = 0x06, kAbort = 0x08, kSetFeatures = 0x09,
                  kGetFeatures = 0x0A, kAsyncEvent = 0x0C;
// NVM opcodes (6).
constexpr uint8_t kFlush = 0x00, kWrite = 0x01, kRead = 0x02;

// Status field (4.6.1.2): status code type << 8 | status code.
constexpr uint16_t kSuccess = 0x000, kInvalidOpcode = 0x001, kInvalidField = 0x002,
                   kDataTransferError = 0x004, kInternalError = 0x006, kInvalidNamespace = 0x00B,
                   kLbaOutOfRange = 0x080, kInvalidPrpOffset = 0x013,
                   kInvalidQueueId = 0x101, kInvalidQueueSize = 0x102, kInvalidCqId = 0x100,
                   kInvalidLogPage = 0x109, kWriteFault = 0x280, kUnrecoveredRead = 0x281;

}  // namespace vireo::nvme
