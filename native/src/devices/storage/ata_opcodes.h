// ATA command opcodes (ATA8-ACS table 13) shared by the IDE channel and the AHCI port.
#pragma once
#include <cstdint>

namespace vireo::ata {

constexpr uint8_t kDeviceReset = 0x08, kReadSectors = 0x20, kReadSectorsNoRetry = 0x21,
                  kReadSectorsExt = 0x24, kReadDmaExt = 0x25, kReadNativeMaxExt = 0x27,
                  kReadMultipleExt = 0x29, kWriteSectors = 0x30, kWriteSectorsNoRetry = 0x31,
                  kWriteSectorsExt = 0x34, kWriteDmaExt = 0x35, kWriteMultipleExt = 0x39,
                  kReadVerify = 0x40, kReadVerifyNoRetry = 0x41, kReadVerifyExt = 0x42,
                  kSeek = 0x70, kDiagnostic = 0x90, kInitParams = 0x91, kPacket = 0xA0,
                  kIdentifyPacket = 0xA1, kReadMultiple = 0xC4, kWriteMultiple = 0xC5,
                  kSetMultiple = 0xC6, kReadDma = 0xC8, kReadDmaNoRetry = 0xC9, kWriteDma = 0xCA,
                  kWriteDmaNoRetry = 0xCB, kStandbyImmediate = 0xE0, kIdleImmediate = 0xE1,
                  kStandby = 0xE2, kIdle = 0xE3, kCheckPower = 0xE5, kSleep = 0xE6,
                  kFlushCache = 0xE7, kFlushCacheExt = 0xEA, kIdentify = 0xEC,
                  kSetFeatures = 0xEF, kReadNativeMax = 0xF8;

// Status and error register bits (ATA8-ACS 6.1.9, 6.1.2).
constexpr uint8_t kStBsy = 0x80, kStDrdy = 0x40, kStDf = 0x20, kStDsc = 0x10, kStDrq = 0x08,
                  kStErr = 0x01;
constexpr uint8_t kErrAbrt = 0x04, kErrIdnf = 0x10, kErrUnc = 0x40;
constexpr uint8_t kDeviceLba = 0x40;  // device register: LBA addressing

}  // namespace vireo::ata
