// Backdoor LB commands: register shapes per docs/vmware-backdoor.md §3, the legacy
// clipboard (§8.1) and vmmouse (§9). GuestRPC channels are in backdoor_rpc_test.cc.
#include <string>
#include <vector>

#include "check.h"
#include "devices/vmware/backdoor.h"
#include "fake_vcpu.h"

using namespace vireo;

namespace {

struct FixedClock : HostClock {
  int64_t now = 0;
  int64_t utc_us() override { return now; }
};

struct Sinks : ClipboardSink, MouseModeSink {
  std::vector<std::string> clips;
  std::vector<std::pair<bool, bool>> modes;
  void on_guest_clipboard(std::string text) override { clips.push_back(std::move(text)); }
  void on_vmmouse_mode(bool en, bool abs) override { modes.push_back({en, abs}); }
};

struct Rig {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  FixedClock clock;
  Sinks sinks;
  BackdoorConfig cfg;
  std::unique_ptr<Backdoor> bd;
  explicit Rig(BackdoorConfig c = {}) : cfg(c) {
    cfg.clock = &clock;
    bd = std::make_unique<Backdoor>(cfg, nullptr, &sinks, &sinks);
  }
  // `in eax,dx` on 0x5658 as the core does it: the data area lands in RAX.
  Regs& in(uint32_t cmd, uint32_t ebx = 0, uint64_t eax = bdoor::kMagic) {
    Regs& r = vcpu.regs_;
    r.rax = eax;
    r.rbx = ebx;
    r.rcx = cmd;
    r.rdx = bdoor::kPortLb;
    vcpu.dirty = false;
    uint8_t data[4] = {0xFF, 0xFF, 0xFF, 0xFF};
    bd->pio_read(bdoor::kPortLb, data, 4, vcpu);
    r.rax = uint32_t(data[0] | data[1] << 8 | data[2] << 16 | uint32_t(data[3]) << 24);
    return r;
  }
};

}  // namespace

TEST(backdoor_bad_magic_reads_all_ones_and_leaves_registers) {
  Rig t;
  t.vcpu.regs_.rsi = 0x1234;
  Regs& r = t.in(bdoor::kGetVersion, 0x55, 0x12345678);
  CHECK_EQ(r.rax, 0xFFFFFFFFu);
  CHECK_EQ(r.rbx, 0x55u);
  CHECK_EQ(r.rcx, uint64_t(bdoor::kGetVersion));
  CHECK_EQ(r.rsi, 0x1234u);
  CHECK(!t.vcpu.dirty);
}

TEST(backdoor_getversion_shape) {
  BackdoorConfig c;
  c.product_type = 2;
  Rig t(c);
  // Guests pass ~magic in EBX and 0xFFFF in ECX[31:16]; the command is ECX[15:0].
  Regs& r = t.in(0xFFFF0000u | bdoor::kGetVersion, ~bdoor::kMagic);
  CHECK_EQ(r.rax, 6u);
  CHECK_EQ(r.rbx, uint64_t(bdoor::kMagic));
  CHECK_EQ(r.rcx, 2u);
  CHECK(t.vcpu.dirty);
  CHECK_EQ(t.bd->stats().command(bdoor::kGetVersion), 1u);
}

TEST(backdoor_unknown_command_is_unsupported) {
  Rig t;
  t.vcpu.regs_.rdi = 7;
  Regs& r = t.in(2 /* APMFUNCTION */, 9);
  CHECK_EQ(r.rax, 0xFFFFFFFFu);
  CHECK_EQ(r.rbx, 9u);
  CHECK_EQ(r.rdi, 7u);
  CHECK_EQ(t.bd->stats().unsupported(), 1u);
  t.in(0xFFFF);  // beyond the counter table: counted, still unsupported
  CHECK_EQ(t.vcpu.regs_.rax, 0xFFFFFFFFu);
}

TEST(backdoor_gethz_and_getmhz) {
  Rig t;
  Regs& r0 = t.in(bdoor::kGetHz, 0xFFFFFFFF);
  CHECK_EQ(r0.rax, 0xFFFFFFFFu);  // unknown TSC: unsupported, EBX stays ~0
  CHECK_EQ(r0.rbx, 0xFFFFFFFFu);
  t.bd->host().set_tsc_khz(5000000);  // 5 GHz: Hz needs 33 bits
  t.bd->host().set_bus_khz(1000000);
  Regs& r = t.in(bdoor::kGetHz, 0xFFFFFFFF);
  CHECK_EQ(r.rax, uint64_t(uint32_t(5000000000ULL)));
  CHECK_EQ(r.rbx, 1u);
  CHECK_EQ(r.rcx, 1000000000u);
  CHECK_EQ(t.in(bdoor::kGetMhz).rax, 5000u);
}

TEST(backdoor_time_commands) {
  Rig t;
  t.clock.now = 0x123456789LL * 1000000 + 654321;  // seconds need more than 32 bits
  t.vcpu.regs_.rdi = 99;
  Regs& f = t.in(bdoor::kGetTimeFull);
  CHECK_EQ(f.rax, uint64_t(bdoor::kMagic));  // success = EAX unchanged
  CHECK_EQ(f.rsi, 1u);
  CHECK_EQ(f.rdx, 0x23456789u);
  CHECK_EQ(f.rbx, 654321u);
  CHECK_EQ(f.rcx, 1000000u);
  CHECK_EQ(f.rdi, 99u);  // 46 leaves EDI alone
  Regs& l = t.in(bdoor::kGetTimeFullWithLag);
  CHECK_EQ(l.rax, uint64_t(bdoor::kMagic));
  CHECK_EQ(l.rdi, 0u);  // interrupt lag
  Regs& g = t.in(bdoor::kGetTime);
  CHECK_EQ(g.rax, 0x23456789u);
  CHECK_EQ(g.rbx, 654321u);
  t.clock.now = 0;
  CHECK_EQ(t.in(bdoor::kGetTimeFull).rax, 0xFFFFFFFFu);
  t.vcpu.regs_.rbx = 5;
  Regs& s = t.in(bdoor::kStopCatchup, 5);
  CHECK_EQ(s.rax, uint64_t(bdoor::kMagic));
  CHECK_EQ(s.rbx, 5u);
}

TEST(backdoor_platform_queries) {
  BackdoorConfig c;
  c.x2apic_ok = true;
  c.hw_version = 19;
  c.build_number = 4242;
  for (int i = 0; i < 16; ++i) c.uuid[i] = uint8_t(i + 1);
  Rig t(c);
  CHECK_EQ(t.in(bdoor::kGetVcpuInfo).rax, 8u);  // bit 3, never bit 31
  Regs& h = t.in(bdoor::kGetHwVersion, ~bdoor::kMagic);
  CHECK_EQ(h.rax, 19u);
  CHECK_EQ(h.rbx, uint64_t(bdoor::kMagic));
  CHECK_EQ(t.in(bdoor::kGetBuildNum).rax, 4242u);
  CHECK_EQ(t.in(bdoor::kStealClock).rax, 0xFFFFFFFFu);
  CHECK_EQ(t.in(0x20000 | bdoor::kNestingControl).rax, 0xFFFFFFFFu);
  Regs& u = t.in(bdoor::kGetUuid);
  CHECK_EQ(u.rax, 0x04030201u);
  CHECK_EQ(u.rdx, 0x100F0E0Du);
  t.bd->host().set_screen_size(1920, 1080);
  CHECK_EQ(t.in(bdoor::kGetScreenSize).rax, (1920u << 16) | 1080u);
  t.bd->host().set_gui_options(bdoor::kGuiSyncTime | bdoor::kGuiExchangeSelections);
  CHECK_EQ(t.in(bdoor::kGetGuiOptions).rax, 0x410u);
  CHECK_EQ(t.in(bdoor::kGetDeviceListElement, 0).rax, 0u);
}

TEST(backdoor_mks_stats_is_cpl0_only) {
  Rig t;
  CHECK_EQ(t.in(bdoor::kMksGuestStats, 0x1234).rax, uint64_t(bdoor::kMagic));
  t.vcpu.cpl_value = 3;
  CHECK_EQ(t.in(bdoor::kMksGuestStats, 0x1234).rax, 0xFFFFFFFFu);
}

TEST(backdoor_out_is_answered_in_eax) {
  Rig t;
  Regs& r = t.vcpu.regs_;
  r.rax = bdoor::kMagic;
  r.rcx = bdoor::kGetVersion;
  uint8_t data[4] = {0x68, 0x58, 0x4D, 0x56};
  t.bd->pio_write(bdoor::kPortLb, data, 4, t.vcpu);
  CHECK_EQ(r.rax, 6u);
  CHECK(t.vcpu.dirty);
  // Byte-wide accesses are not backdoor calls.
  r.rax = bdoor::kMagic;
  uint8_t b = 0xFF;
  t.bd->pio_read(bdoor::kPortLb, &b, 1, t.vcpu);
  CHECK_EQ(b, 0xFF);
}

TEST(backdoor_pointer_grab_signalling) {
  Rig t;
  CHECK_EQ(t.in(bdoor::kGetPtrLocation).rax >> 16, 0xFF9Cu);  // x = -100: ungrabbed
  t.bd->host().set_pointer(true, 300, -2);
  CHECK_EQ(t.in(bdoor::kGetPtrLocation).rax, (300u << 16) | 0xFFFEu);
  t.in(bdoor::kSetPtrLocation, (10u << 16) | 20);
  CHECK_EQ(t.bd->host().guest_pointer(), (10u << 16) | 20);
  CHECK_EQ(t.in(bdoor::kIsMouseAbsolute).rax, 1u);
}

TEST(backdoor_clipboard_host_to_guest) {
  Rig t;
  CHECK_EQ(t.in(bdoor::kGetSelLength).rax, 0u);  // nothing on the host clipboard
  t.bd->clipboard().set_host_text("hello");
  CHECK_EQ(t.in(bdoor::kGetSelLength).rax, 5u);
  CHECK_EQ(t.in(bdoor::kGetNextPiece).rax, 0x6C6C6568u);  // "hell"
  CHECK_EQ(t.in(bdoor::kGetNextPiece).rax, 0x6Fu);        // "o", zero-padded
  CHECK_EQ(t.in(bdoor::kGetNextPiece).rax, 0u);           // past the end
  CHECK_EQ(t.in(bdoor::kGetSelLength).rax, 5u);           // rewinds
  CHECK_EQ(t.in(bdoor::kGetNextPiece).rax, 0x6C6C6568u);
  t.bd->clipboard().set_policy(true, false);
  CHECK_EQ(t.in(bdoor::kGetSelLength).rax, 0xFFFFFFFEu);  // -2: don't exchange
  CHECK_EQ(t.in(bdoor::kGetNextPiece).rax, 0u);
}

TEST(backdoor_clipboard_host_text_is_cut_at_the_limit) {
  Rig t;
  std::string big(bdoor::kMaxSelection - 1, 'a');
  big += "\xC3\xA9";  // 'é' straddles the 65436-byte limit: dropped whole
  t.bd->clipboard().set_host_text(big);
  CHECK_EQ(t.in(bdoor::kGetSelLength).rax, uint64_t(bdoor::kMaxSelection - 1));
}

TEST(backdoor_clipboard_guest_to_host) {
  Rig t;
  t.in(bdoor::kSetSelLength, 6);
  t.in(bdoor::kSetNextPiece, 0x6C6C6568);  // "hell"
  CHECK(t.sinks.clips.empty());
  t.in(bdoor::kSetNextPiece, 0x00216F);  // "o!"
  CHECK_EQ(t.sinks.clips.size(), 1u);
  CHECK(t.sinks.clips[0] == "hello!");
  t.in(bdoor::kSetNextPiece, 0x41414141);  // stray piece: ignored
  CHECK_EQ(t.sinks.clips.size(), 1u);
  // Over the limit: ignored.
  t.in(bdoor::kSetSelLength, bdoor::kMaxSelection + 1);
  for (int i = 0; i < 20000; ++i) t.in(bdoor::kSetNextPiece, 0x41414141);
  CHECK_EQ(t.sinks.clips.size(), 1u);
  // Copy not allowed by policy: nothing delivered.
  t.bd->clipboard().set_policy(false, true);
  t.in(bdoor::kSetSelLength, 1);
  t.in(bdoor::kSetNextPiece, 0x41);
  CHECK_EQ(t.sinks.clips.size(), 1u);
  // Exactly the limit is accepted.
  t.bd->clipboard().set_policy(true, true);
  t.in(bdoor::kSetSelLength, bdoor::kMaxSelection);
  for (uint32_t i = 0; i < bdoor::kMaxSelection / 4; ++i) t.in(bdoor::kSetNextPiece, 0x42424242);
  CHECK_EQ(t.sinks.clips.size(), 2u);
  CHECK_EQ(t.sinks.clips.back().size(), size_t(bdoor::kMaxSelection));
}

TEST(backdoor_vmmouse_linux_enable_sequence) {
  Rig t;
  CHECK_EQ(t.in(bdoor::kAbsPointerStatus).rax, 0xFFFF0000u);  // disabled
  CHECK(!t.bd->mouse().push_absolute(bdoor::kMouseLeft, 1, 2, 0));  // not enabled: dropped
  t.in(bdoor::kAbsPointerCommand, bdoor::kMouseCmdEnable);
  CHECK_EQ(t.in(bdoor::kAbsPointerStatus).rax, 1u);
  CHECK_EQ(t.in(bdoor::kAbsPointerData, 1).rax, uint64_t(bdoor::kMouseVersion));
  t.in(bdoor::kAbsPointerRestrict, 1);
  t.in(bdoor::kAbsPointerCommand, bdoor::kMouseCmdAbsolute);
  CHECK(t.bd->mouse().absolute());
  CHECK(t.sinks.modes.size() == 2 && t.sinks.modes[1].second);

  CHECK(t.bd->mouse().push_absolute(bdoor::kMouseLeft | bdoor::kMouseRight, 0x8000, 0xFFFF, 1));
  CHECK_EQ(t.in(bdoor::kAbsPointerStatus).rax, 4u);
  Regs& r = t.in(bdoor::kAbsPointerData, 4);
  CHECK_EQ(r.rax, 0x30u);
  CHECK_EQ(r.rbx, 0x8000u);
  CHECK_EQ(r.rcx, 0xFFFFu);
  CHECK_EQ(r.rdx, 0xFFu);  // wheel +1 -> z = -1 as s8
  CHECK(t.bd->mouse().push_relative(0, -3, 4, 0));
  Regs& q = t.in(bdoor::kAbsPointerData, 4);
  CHECK_EQ(q.rax, uint64_t(bdoor::kMouseRelativePacket));
  CHECK_EQ(q.rbx, uint64_t(uint32_t(-3)));
  CHECK_EQ(q.rcx, uint64_t(uint32_t(-4)));

  // Restricted to CPL0: a CPL3 caller is refused.
  t.vcpu.cpl_value = 3;
  CHECK_EQ(t.in(bdoor::kAbsPointerStatus).rax, 0xFFFFFFFFu);
  t.vcpu.cpl_value = 0;
  // Reading more than queued disables the device (QEMU rule); STATUS reports it.
  t.in(bdoor::kAbsPointerData, 4);
  CHECK_EQ(t.in(bdoor::kAbsPointerStatus).rax, 0xFFFF0000u);
  t.in(bdoor::kAbsPointerCommand, bdoor::kMouseCmdEnable);
  t.in(bdoor::kAbsPointerCommand, bdoor::kMouseCmdDisable);
  CHECK_EQ(t.in(bdoor::kAbsPointerStatus).rax, 0xFFFF0000u);
}

TEST(backdoor_vmmouse_queue_is_bounded) {
  Rig t;
  t.in(bdoor::kAbsPointerCommand, bdoor::kMouseCmdEnable);
  t.in(bdoor::kAbsPointerData, 1);
  int queued = 0;
  for (int i = 0; i < 1000; ++i) queued += t.bd->mouse().push_absolute(0, 1, 1, 0);
  CHECK_EQ(queued, int(VmMouse::kQueueDwords / 4));
  CHECK_EQ(t.in(bdoor::kAbsPointerStatus).rax, uint64_t(VmMouse::kQueueDwords));
}

TEST(backdoor_stats_snapshot_names_commands) {
  Rig t;
  t.in(bdoor::kGetVersion);
  t.in(bdoor::kGetVersion);
  t.in(bdoor::kGetVersion, 0, 1);  // bad magic
  bool saw_version = false, saw_magic = false;
  for (const auto& c : t.bd->stats().snapshot()) {
    if (c.name == "GETVERSION") saw_version = c.count == 2;
    if (c.name == "bad-magic") saw_magic = c.count == 1;
  }
  CHECK(saw_version);
  CHECK(saw_magic);
}
