// Register offsets and bit fields of the Intel 8254x family as the 82545EM implements
// them (Intel "PCI/PCI-X Family of Gigabit Ethernet Controllers Software Developer's
// Manual" 8254x, section 13; the same names as Linux drivers/net/ethernet/intel/e1000/
// e1000_hw.h and QEMU hw/net/e1000_regs.h). Offsets are bytes into BAR 0.
#pragma once
#include <cstdint>

namespace vireo::e1000 {

// General (13.4).
constexpr uint32_t kCtrl = 0x0000, kStatus = 0x0008, kEecd = 0x0010, kEerd = 0x0014, kCtrlExt = 0x0018,
                   kMdic = 0x0020, kFcal = 0x0028, kFcah = 0x002C, kFct = 0x0030, kVet = 0x0038,
                   kIcr = 0x00C0, kItr = 0x00C4, kIcs = 0x00C8, kIms = 0x00D0, kImc = 0x00D8,
                   kRctl = 0x0100, kFcttv = 0x0170, kTxcw = 0x0178, kRxcw = 0x0180, kTctl = 0x0400,
                   kTipg = 0x0410, kLedctl = 0x0E00, kPba = 0x1000, kFcrtl = 0x2160, kFcrth = 0x2168;
// Receive and transmit rings (13.4.27-13.4.44).
constexpr uint32_t kRdbal = 0x2800, kRdbah = 0x2804, kRdlen = 0x2808, kRdh = 0x2810, kRdt = 0x2818,
                   kRdtr = 0x2820, kRxdctl = 0x2828, kRadv = 0x282C, kRsrpd = 0x2C00, kTxdmac = 0x3000,
                   kTdbal = 0x3800, kTdbah = 0x3804, kTdlen = 0x3808, kTdh = 0x3810, kTdt = 0x3818,
                   kTidv = 0x3820, kTxdctl = 0x3828, kTadv = 0x382C, kTspmt = 0x3830;
// Statistics 0x4000-0x40FF (13.7), receive checksum, filter tables, wake-up, manageability.
constexpr uint32_t kStatsBase = 0x4000, kStatsEnd = 0x4100;
constexpr uint32_t kRxcsum = 0x5000, kMta = 0x5200, kRa = 0x5400, kVfta = 0x5600, kWuc = 0x5800,
                   kWufc = 0x5808, kWus = 0x5810, kManc = 0x5820, kIpav = 0x5838;
constexpr unsigned kMtaWords = 128, kRaPairs = 16, kVftaWords = 128;
constexpr uint32_t kBarSize = 0x20000;  // 128 KiB memory BAR
constexpr uint32_t kIoBarSize = 0x40;   // IOADDR at +0, IODATA at +4 (13.2.1)
constexpr uint32_t kIoAddr = 0x0, kIoData = 0x4;

// CTRL (13.4.1).
constexpr uint32_t kCtrlFd = 1u << 0, kCtrlLrst = 1u << 3, kCtrlAsde = 1u << 5, kCtrlSlu = 1u << 6,
                   kCtrlSpeed1000 = 2u << 8, kCtrlFrcspd = 1u << 11, kCtrlFrcdplx = 1u << 12,
                   kCtrlRst = 1u << 26, kCtrlVme = 1u << 30, kCtrlPhyRst = 1u << 31;
// STATUS (13.4.2): full duplex, link up, 1000 Mb/s speed and auto-detected speed.
constexpr uint32_t kStatusFd = 1u << 0, kStatusLu = 1u << 1, kStatusSpeed1000 = 2u << 6,
                   kStatusAsdv1000 = 2u << 8;
// EECD (13.4.3).
constexpr uint32_t kEecdSk = 1u << 0, kEecdCs = 1u << 1, kEecdDi = 1u << 2, kEecdDo = 1u << 3,
                   kEecdFwe = 3u << 4, kEecdReq = 1u << 6, kEecdGnt = 1u << 7, kEecdPres = 1u << 8;
// EERD (13.4.4, the 8254x layout: start bit 0, done bit 4, address 15:8, data 31:16).
constexpr uint32_t kEerdStart = 1u << 0, kEerdDone = 1u << 4;
// MDIC (13.4.5).
constexpr uint32_t kMdicOpWrite = 1u << 26, kMdicOpRead = 2u << 26, kMdicReady = 1u << 28,
                   kMdicIntEn = 1u << 29, kMdicError = 1u << 30;

// Interrupt causes: ICR/ICS/IMS/IMC share the layout (13.4.17).
constexpr uint32_t kIntTxdw = 1u << 0, kIntTxqe = 1u << 1, kIntLsc = 1u << 2, kIntRxseq = 1u << 3,
                   kIntRxdmt0 = 1u << 4, kIntRxo = 1u << 6, kIntRxt0 = 1u << 7, kIntMdac = 1u << 9,
                   kIntRxcfg = 1u << 10, kIntTxdLow = 1u << 15, kIntSrpd = 1u << 16;
constexpr uint32_t kIntValid = 0x0001F6DF;  // defined cause bits of the 82545EM

// RCTL (13.4.22).
constexpr uint32_t kRctlEn = 1u << 1, kRctlSbp = 1u << 2, kRctlUpe = 1u << 3, kRctlMpe = 1u << 4,
                   kRctlLpe = 1u << 5, kRctlBam = 1u << 15, kRctlVfe = 1u << 18, kRctlBsex = 1u << 25,
                   kRctlSecrc = 1u << 26;
constexpr unsigned kRctlLbmShift = 6, kRctlRdmtsShift = 8, kRctlMoShift = 12, kRctlBsizeShift = 16;
// TCTL (13.4.33).
constexpr uint32_t kTctlEn = 1u << 1;
// RXCSUM (13.4.48): packet checksum start 7:0, IP and TCP/UDP checksum offload.
constexpr uint32_t kRxcsumIpofl = 1u << 8, kRxcsumTuofl = 1u << 9;
// RAH (13.4.51): address valid.
constexpr uint32_t kRahAv = 1u << 31;

// Descriptors are 16 bytes (3.2.3 receive, 3.3 transmit).
constexpr unsigned kDescSize = 16;
// Receive descriptor status and errors.
constexpr uint8_t kRxStatDd = 1 << 0, kRxStatEop = 1 << 1, kRxStatIxsm = 1 << 2, kRxStatVp = 1 << 3,
                  kRxStatTcpcs = 1 << 5, kRxStatIpcs = 1 << 6;
constexpr uint8_t kRxErrTcpe = 1 << 5, kRxErrIpe = 1 << 6, kRxErrRxe = 1 << 7;
// Transmit descriptor command (legacy CMD, data DCMD, context TUCMD share most bits).
constexpr uint8_t kTxCmdEop = 1 << 0, kTxCmdIfcs = 1 << 1, kTxCmdIc = 1 << 2, kTxCmdTse = 1 << 2,
                  kTxCmdRs = 1 << 3, kTxCmdRps = 1 << 4, kTxCmdDext = 1 << 5, kTxCmdVle = 1 << 6,
                  kTxCmdIde = 1 << 7;
constexpr uint8_t kTucmdTcp = 1 << 0, kTucmdIp = 1 << 1;  // context: TCP (else UDP), IPv4 (else IPv6)
constexpr uint8_t kTxStaDd = 1 << 0;
constexpr uint8_t kPoptsIxsm = 1 << 0, kPoptsTxsm = 1 << 1;  // data descriptor: insert IP / L4 checksum
constexpr unsigned kDtypContext = 0, kDtypData = 1;

}  // namespace vireo::e1000
