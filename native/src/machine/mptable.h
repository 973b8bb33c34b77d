// Intel MultiProcessor Specification 1.4 tables: how a guest without ACPI finds every
// vCPU, the I/O APIC and the ISA interrupt routing (Linux arch/x86/kernel/mpparse.c
// scans the EBDA for the floating pointer "_MP_").
#pragma once
#include <cstdint>

#include "core/guest_memory.h"
#include "core/status.h"

namespace vireo {

// Writes the floating pointer and configuration table at `addr` (inside the EBDA).
Status write_mptable(GuestMemory& mem, uint64_t addr, unsigned cpus);

}  // namespace vireo
