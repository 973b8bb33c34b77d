// Register offsets, bits and in-memory layouts of an AHCI 1.3 host bus adapter (Serial
// ATA AHCI 1.3.1 specification: section 3 registers, 4.2 system memory structures) and
// the FIS layouts of SATA 2.6 section 10.3 that the HBA reads and writes.
#pragma once
#include <cstdint>

namespace vireo::ahci {

// Generic host control (3.1).
constexpr unsigned kCap = 0x00, kGhc = 0x04, kIs = 0x08, kPi = 0x0C, kVs = 0x10, kCccCtl = 0x14,
                   kCccPorts = 0x18, kEmLoc = 0x1C, kEmCtl = 0x20, kCap2 = 0x24, kBohc = 0x28;
constexpr unsigned kPortBase = 0x100, kPortStride = 0x80;

// CAP bits used here.
constexpr uint32_t kCapS64a = 1u << 31, kCapSam = 1u << 18, kCapSss = 1u << 27,
                   kCapIssGen1 = 1u << 20, kCapNcsShift = 8;
// GHC bits.
constexpr uint32_t kGhcHr = 1u << 0, kGhcIe = 1u << 1, kGhcAe = 1u << 31;
constexpr uint32_t kVersion13 = 0x00010300;

// Port registers (3.3), offsets inside one port's 0x80 bytes.
constexpr unsigned kPxClb = 0x00, kPxClbu = 0x04, kPxFb = 0x08, kPxFbu = 0x0C, kPxIs = 0x10,
                   kPxIe = 0x14, kPxCmd = 0x18, kPxTfd = 0x20, kPxSig = 0x24, kPxSsts = 0x28,
                   kPxSctl = 0x2C, kPxSerr = 0x30, kPxSact = 0x34, kPxCi = 0x38, kPxSntf = 0x3C,
                   kPxFbs = 0x40;

// PxIS / PxIE bits (3.3.5).
constexpr uint32_t kIsDhrs = 1u << 0,  // D2H register FIS received
    kIsPss = 1u << 1,                  // PIO setup FIS received
    kIsTfes = 1u << 30;                // task file error
constexpr uint32_t kIsMask = 0xFDC000FF;  // implemented (RW1C) bits

// PxCMD bits (3.3.7).
constexpr uint32_t kCmdSt = 1u << 0, kCmdSud = 1u << 1, kCmdPod = 1u << 2, kCmdClo = 1u << 3,
                   kCmdFre = 1u << 4, kCmdFr = 1u << 14, kCmdCr = 1u << 15, kCmdCps = 1u << 16,
                   kCmdAtapi = 1u << 24;
// Bits software may set (ST, SUD, POD, FRE, PMA 17, APSTE 23, ATAPI, DLAE 25, ALPE 26, ASP 27).
constexpr uint32_t kCmdWritable = kCmdSt | kCmdSud | kCmdPod | kCmdFre | 1u << 17 | 1u << 23 |
                                  kCmdAtapi | 1u << 25 | 1u << 26 | 1u << 27;

// PxSSTS: device present and PHY communication established (DET 3), Gen1 (SPD 1),
// interface active (IPM 1).
constexpr uint32_t kSstsLinkUp = 0x113;
// PxSIG after reset (ATA8-ACS signature: count/lba low/mid/high).
constexpr uint32_t kSigDisk = 0x00000101, kSigAtapi = 0xEB140101;

// Command header (4.2.2): 32 bytes per slot in the command list; the HBA uses the first 16.
struct CommandHeader {
  uint32_t flags;   // CFL 4:0 (dwords), A 5 (ATAPI), W 6 (write), PRDTL 31:16
  uint32_t prdbc;   // bytes transferred, written by the HBA
  uint32_t ctba;    // command table base, 128-byte aligned
  uint32_t ctbau;
};
constexpr unsigned kHeaderBytes = 32, kSlots = 32, kCommandListBytes = kSlots * kHeaderBytes;

// Command table (4.2.3): command FIS at 0, ATAPI command at 0x40, PRDT at 0x80.
constexpr unsigned kCfisBytes = 64, kAcmdOffset = 0x40, kPrdtOffset = 0x80, kPrdBytes = 16;
// PRD DW3: DBC 21:0 = byte count - 1 (bit 0 always 1: even counts), I 31.
constexpr uint32_t kPrdDbcMask = 0x3FFFFF;

// Received FIS area (4.2.1), 256 bytes: PIO setup at 0x20, D2H register at 0x40.
constexpr unsigned kRfisPioSetup = 0x20, kRfisD2h = 0x40, kFisAreaBytes = 256;

// FIS types (SATA 2.6 10.3).
constexpr uint8_t kFisH2d = 0x27, kFisD2h = 0x34, kFisPioSetup = 0x5F;
constexpr uint8_t kH2dCommandBit = 0x80;  // byte 1 bit 7: the FIS carries a command

}  // namespace vireo::ahci
