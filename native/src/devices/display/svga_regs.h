// VMware SVGA II register, capability, FIFO and command numbers (the device interface
// documented by VMware in svga_reg.h / svga_interface.txt; values checked against the
// Linux vmwgfx copy of svga_reg.h and QEMU's vmware_vga.c).
#pragma once
#include <cstdint>

namespace vireo::svga {

// PCI identity (vendor VMware, "SVGA II").
constexpr uint16_t kPciVendor = 0x15AD, kPciDevice = 0x0405;

// BAR0 I/O port offsets. vmwgfx writes the register index as a dword to +0, then
// reads/writes the value as a dword at the odd port +1.
constexpr unsigned kIndexPort = 0, kValuePort = 1, kBiosPort = 2, kIrqStatusPort = 8;
constexpr uint32_t kIoBarSize = 16;

// SVGA_ID_0/1/2: version negotiation values for REG_ID.
constexpr uint32_t kId0 = 0x90000000, kId1 = 0x90000001, kId2 = 0x90000002;

// Registers (index written to the index port).
enum Reg : uint32_t {
  kRegId = 0,
  kRegEnable = 1,          // bit 0 enable, bit 1 hide (device on, SVGA image not shown)
  kRegWidth = 2,
  kRegHeight = 3,
  kRegMaxWidth = 4,
  kRegMaxHeight = 5,
  kRegDepth = 6,
  kRegBitsPerPixel = 7,
  kRegPseudocolor = 8,
  kRegRedMask = 9,
  kRegGreenMask = 10,
  kRegBlueMask = 11,
  kRegBytesPerLine = 12,
  kRegFbStart = 13,
  kRegFbOffset = 14,
  kRegVramSize = 15,
  kRegFbSize = 16,
  kRegCapabilities = 17,
  kRegMemStart = 18,
  kRegMemSize = 19,
  kRegConfigDone = 20,
  kRegSync = 21,
  kRegBusy = 22,
  kRegGuestId = 23,
  kRegCursorId = 24,
  kRegCursorX = 25,
  kRegCursorY = 26,
  kRegCursorOn = 27,
  kRegHostBitsPerPixel = 28,
  kRegScratchSize = 29,
  kRegMemRegs = 30,
  kRegNumDisplays = 31,
  kRegPitchlock = 32,
  kRegIrqMask = 33,
  kRegNumGuestDisplays = 34,
  kRegDisplayId = 35,
  kRegDisplayIsPrimary = 36,
  kRegDisplayPositionX = 37,
  kRegDisplayPositionY = 38,
  kRegDisplayWidth = 39,
  kRegDisplayHeight = 40,
  kRegTraces = 45,
  kRegTop = 48,           // first index past the register file we know
  kPaletteBase = 1024,    // 256 entries x (R, G, B), one register per component
  kScratchBase = 1024 + 768,
};
constexpr uint32_t kEnableOn = 1, kEnableHide = 2;

// Capability bits (REG_CAPABILITIES).
constexpr uint32_t kCapRectFill = 0x00000001;  // legacy 2D fill, still in old headers
constexpr uint32_t kCapRectCopy = 0x00000002;
constexpr uint32_t kCapCursor = 0x00000020;
constexpr uint32_t kCapCursorBypass = 0x00000040;
constexpr uint32_t kCapCursorBypass2 = 0x00000080;
constexpr uint32_t kCap8BitEmulation = 0x00000100;
constexpr uint32_t kCapAlphaCursor = 0x00000200;
constexpr uint32_t kCapExtendedFifo = 0x00008000;
constexpr uint32_t kCapPitchlock = 0x00020000;

// FIFO registers: 32-bit word indices at the start of BAR2 (they exist only below MIN).
enum FifoReg : uint32_t {
  kFifoMin = 0,
  kFifoMax = 1,
  kFifoNextCmd = 2,
  kFifoStop = 3,
  kFifoCapabilities = 4,
  kFifoFlags = 5,
  kFifoFence = 6,
  kFifoBusy = 290,
  kFifoNumRegs = 291,  // REG_MEM_REGS value
};
constexpr uint32_t kFifoCapFence = 1u << 0, kFifoCapReserve = 1u << 6;

// FIFO commands; lengths are in 32-bit words including the opcode.
enum Cmd : uint32_t {
  kCmdUpdate = 1,              // x, y, w, h
  kCmdRectFill = 2,            // color, x, y, w, h
  kCmdRectCopy = 3,            // src x, src y, dst x, dst y, w, h
  kCmdDefineCursor = 19,       // id, hot x, hot y, w, h, and depth, xor depth, masks
  kCmdDefineAlphaCursor = 22,  // id, hot x, hot y, w, h, w*h premultiplied BGRA words
  kCmdUpdateVerbose = 25,      // x, y, w, h, reason
  kCmdFence = 30,              // fence value
  kCmdEscape = 33,             // namespace, byte size, ceil(size/4) words
  kCmd3dFirst = 1000,          // 3D range: id, byte size, payload (skipped)
  kCmd3dLast = 1999,
};

}  // namespace vireo::svga
