// Port I/O of a traced process, run on the real PioBus the way Linux KVM hands it to a
// VMM with kvm.enable_vmware_backdoor (the tracer stands in for that #GP path):
//   - only ports 0x5658 and 0x5659 pass (arch/x86/kvm/emulate.c
//     emulator_io_port_access_allowed: "VMware allows access to these ports even if
//     denied by TSS I/O permission bitmap"); any other port is the process's own #GP;
//   - IN/OUT: one access; IN stores AL/AX/EAX (EAX zero-extends into RAX);
//   - OUTS: one exit per element, RCX and RSI already past it (measured on this project's
//     hosts, native/src/devices/vmware/backdoor.h); the device may end a `rep` early by zeroing RCX;
//   - INS: one exit per read-ahead chunk of min(bytes left in RDI's page, 1024 / size,
//     count) elements (emulate.c pio_in_emulated; the page term is compared as an element
//     count there too), RCX and RDI still before the chunk; then the elements are stored.
// Each source byte is read from the process once; a byte that cannot be read or written
// stops the instruction there with RCX/RSI/RDI counting the elements done (the process
// then gets its SIGSEGV, as after a page fault inside a `rep`).
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/bus.h"
#include "insn_decode.h"

namespace bdtrace {

// The traced process's memory. Both calls return how many bytes were copied (a partial
// count stops at the first byte that is not mapped with the needed access).
class ProcessMemory {
 public:
  virtual ~ProcessMemory() = default;
  virtual size_t read(uint64_t addr, void* dst, size_t n) = 0;
  virtual size_t write(uint64_t addr, const void* src, size_t n) = 0;
};

enum class IoResult {
  kDone,     // completed; RIP is past the instruction
  kPartial,  // kMaxElements done, RCX/RSI/RDI count them, RIP unchanged: the `rep` goes
             // on when the thread runs again (a restartable instruction, as after an
             // interrupt), so one huge count cannot hold the tracer
  kFault,    // stopped at an inaccessible byte; RIP unchanged
  kNotOurs,  // not a backdoor port: nothing changed
};

// Elements of one string instruction served per stop.
constexpr uint64_t kMaxElements = 65536;

constexpr uint64_t kRflagsDf = 1u << 10;

// `insn` is IN, OUT, INS or OUTS; `seg_base` is the FS/GS base for an OUTS override.
IoResult run_port_io(const Insn& insn, vireo::PioBus& bus, vireo::VcpuContext& vcpu,
                     ProcessMemory& mem, uint64_t seg_base);

}  // namespace bdtrace
