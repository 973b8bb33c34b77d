/*
 * ap_trampoline.h: real-mode code for application processors, copied by the BSP to a
 * 4 KiB-aligned page below 1 MiB and started with INIT-SIPI-SIPI (lapic_start_ap).
 * Each AP reads its initial APIC ID (CPUID.01H:EBX[31:24]), takes a slot with
 * `lock xadd` on the counter, stores its APIC ID in ids[slot] (if slot < AP_TRAMP_MAX_IDS)
 * and halts with interrupts off forever.
 *   ap_trampoline_start / ap_trampoline_end    the bytes to copy
 *   AP_TRAMP_COUNTER  u32 at this offset: APs that ran (the BSP zeroes it before use)
 *   AP_TRAMP_IDS      u8[AP_TRAMP_MAX_IDS]: APIC IDs by slot; the BSP fills it with 0xff
 *                     first, as an ID is stored just after the counter moves
 */
#ifndef GUEST_AP_TRAMPOLINE_H
#define GUEST_AP_TRAMPOLINE_H

#define AP_TRAMP_COUNTER 4
#define AP_TRAMP_IDS 8
#define AP_TRAMP_MAX_IDS 32

#ifndef __ASSEMBLER__
extern const char ap_trampoline_start[];
extern const char ap_trampoline_end[];
#endif

#endif
