/*
 * backdoor: plays open-vm-tools' conversations with the VMware backdoor
 * (docs/vmware-backdoor.md) and asserts every reply, at CPL0 and again at CPL3.
 *
 *   probe     GETVERSION (EAX 6, EBX 'VMXh'), a call with bad magic (EAX all-ones),
 *             an unknown command (EAX all-ones), GET_VCPU_INFO bit 31 clear,
 *             GETTIMEFULL / GETTIMEFULL_WITH_LAG (EAX stays magic), GETHZ
 *   rpci      LB: open RPCI with the cookie flag, info-set / info-get
 *             guestinfo.vireo.backdoor, info-get of a missing key, close
 *   rpci-hb   the same request and reply moved with `rep outsb` / `rep insb` on 0x5659
 *   rpci-hb-pages  a 6000-byte guestinfo value out and back over HB, buffers across pages
 *             (EBX must come back exactly 0x00010000, as OpenBSD vmt checks)
 *   tclo      open TCLO, poll with an empty message, expect "reset", answer
 *             "OK ATR toolbox", then answer every command until the host is idle
 *             (Capabilities_Register must come second and triggers capability RPCIs)
 *   clipboard legacy v1: GETSELLENGTH/GETNEXTPIECE (host text printed), then
 *             SETSELLENGTH/SETNEXTPIECE of "vireo guest clipboard"
 *   vmmouse   ENABLE, STATUS = 1 queued, DATA(1) = 0x3442554A, RESTRICT(1),
 *             REQUEST_ABSOLUTE, DISABLE -> STATUS 0xFFFF0000
 *   cpl3      a TSS whose I/O bitmap grants only 0x5658-0x565b (IOPL stays 0: with
 *             IOPL=3 and no bitmap grant this host's KVM gave #GP), SYSEXIT to ring 3, GETVERSION,
 *             an RPCI round trip over LB and HB, vmmouse STATUS refused (restricted to
 *             CPL0 above), SYSENTER back; results are checked at CPL0.
 *
 * A host without GuestRPC (command 30 answered EAX = all-ones: QEMU's vmport) gets only
 * what QEMU 7.2 implements (probe without 46/55, vmmouse without RESTRICT, cpl3
 * GETVERSION) and the line "backdoor: no GuestRPC on this host: subset only": that
 * still checks the guest's own ring-3 machinery under QEMU/KVM. Vireo's tests must
 * see every "<phase> ok" line, not only PASS.
 */
#include "guest.h"

#include "bd_call.h"

#define PORT_LB BDOOR_PORT_LB
#define PORT_HB BDOOR_PORT_HB
#define ST_SUCCESS 0x0001u
#define ST_DORECV 0x0002u
#define PROTO_RPCI 0x49435052u
#define PROTO_TCLO 0x4F4C4354u
#define FLAG_COOKIE 0x80000000u

/* Failures are recorded, not printed, so the same checks run at CPL3 (no serial). */
static const char *failed_check;
static uint32_t failed_value;
/* The host implements GuestRPC (Vireo); false under QEMU's vmport. */
static bool full;
#define EXPECT(cond, val)                                     \
	do {                                                  \
		if (!(cond) && !failed_check) {               \
			failed_check = #cond;                 \
			failed_value = (uint32_t)(val);       \
		}                                             \
	} while (0)

static void phase_done(const char *phase)
{
	if (failed_check)
		fail("%s: %s (value 0x%x)", phase, failed_check, failed_value);
	printf("backdoor: %s ok\n", phase);
}

static struct bd cmd(uint32_t c, uint32_t ebx)
{
	struct bd r = { BDOOR_MAGIC, ebx, c, PORT_LB, 0, 0, 0 };
	bd_lb(&r);
	return r;
}

/* ---- GuestRPC (command 30, §4) -------------------------------------------------- */

struct chan {
	uint32_t id, hi, lo;
	bool ok;
};

static struct bd msg(const struct chan *c, uint32_t type, uint32_t ebx)
{
	struct bd r = { BDOOR_MAGIC, ebx, (type << 16) | 30, (c->id << 16) | PORT_LB, c->hi, c->lo, 0 };
	bd_lb(&r);
	return r;
}

static struct chan chan_open(uint32_t proto)
{
	struct chan c = { 0, 0, 0, false };
	struct bd r = msg(&c, 0, proto | FLAG_COOKIE);
	EXPECT(r.ecx == 0x00010000u, r.ecx);
	EXPECT((r.edx & 0xffff) == 0, r.edx);
	c.id = r.edx >> 16;
	c.hi = r.esi;
	c.lo = r.edi;
	c.ok = r.ecx == 0x00010000u;
	return c;
}

static void chan_close(const struct chan *c)
{
	struct bd r = msg(c, 6, 0);
	EXPECT(r.ecx == 0x00010000u, r.ecx);
}

/* Sends len bytes, over LB words or one HB `rep outsb`. */
static void chan_send(const struct chan *c, const char *s, uint32_t len, bool hb)
{
	struct bd r = msg(c, 1, len);
	/* Exactly what a VMware host answers: SUCCESS | HB (some clients compare). */
	EXPECT(r.ecx == 0x00810000u, r.ecx);
	if (hb && len) {
		struct bd h = { BDOOR_MAGIC, ST_SUCCESS << 16, len, (c->id << 16) | PORT_HB,
				(uint32_t)(uintptr_t)s, c->lo, c->hi };
		bd_hb_out(&h);
		/* As after a real `rep outsb`: count spent, source past the message. */
		EXPECT(h.ebx == 0x00010000u, h.ebx);
		EXPECT(h.ecx == 0, h.ecx);
		EXPECT(h.esi == (uint32_t)(uintptr_t)s + len, h.esi);
		return;
	}
	for (uint32_t i = 0; i < len; i += 4) {
		uint32_t w = 0;
		for (uint32_t j = 0; j < 4 && i + j < len; j++)
			w |= (uint32_t)(uint8_t)s[i + j] << (8 * j);
		r = msg(c, 2, w);
		EXPECT(r.ecx == 0x00010000u, r.ecx);
	}
}

/* Receives into buf (NUL-terminated, at most cap-1 bytes kept); returns the length. */
static uint32_t chan_recv(const struct chan *c, char *buf, uint32_t cap, bool hb)
{
	struct bd r = msg(c, 3, 0);
	/* VMware: 0x0083 (SUCCESS | DORECV | HB) with a reply waiting, else 0x0001. */
	EXPECT(r.ecx == 0x00830000u || r.ecx == 0x00010000u, r.ecx);
	buf[0] = 0;
	if (!((r.ecx >> 16) & ST_DORECV))
		return 0;
	EXPECT((r.edx >> 16) == 1, r.edx);
	uint32_t len = r.ebx;
	EXPECT(len < cap, len);
	if (len >= cap)
		return 0;
	if (hb) {
		struct bd h = { BDOOR_MAGIC, ST_SUCCESS << 16, len, (c->id << 16) | PORT_HB,
				c->hi, (uint32_t)(uintptr_t)buf, c->lo };
		bd_hb_in(&h);
		EXPECT(h.ebx == 0x00010000u, h.ebx);
		EXPECT(h.ecx == 0, h.ecx);
		EXPECT(h.edi == (uint32_t)(uintptr_t)buf + len, h.edi);
	} else {
		for (uint32_t i = 0; i < len; i += 4) {
			r = msg(c, 4, ST_SUCCESS);
			EXPECT(r.ecx == 0x00010000u, r.ecx);
			EXPECT((r.edx >> 16) == 2, r.edx);
			for (uint32_t j = 0; j < 4 && i + j < len; j++)
				buf[i + j] = (char)(r.ebx >> (8 * j));
		}
	}
	buf[len] = 0;
	r = msg(c, 5, ST_SUCCESS);
	EXPECT(r.ecx == 0x00010000u, r.ecx);
	return len;
}

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static bool starts(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return false;
	return true;
}

static uint32_t slen(const char *s)
{
	uint32_t n = 0;
	while (s[n])
		n++;
	return n;
}

static char reply[512];

/* One RPCI request (sent with its NUL, as vmtoolsd does); the reply lands in `reply`. */
static void rpci(const struct chan *c, const char *req, bool hb)
{
	chan_send(c, req, slen(req) + 1, hb);
	chan_recv(c, reply, sizeof reply, hb);
}

static void rpci_round_trip(bool hb)
{
	struct chan c = chan_open(PROTO_RPCI);
	if (!c.ok)
		return;
	rpci(&c, hb ? "info-set guestinfo.vireo.backdoor hb-value" : "info-set guestinfo.vireo.backdoor lb-value", hb);
	EXPECT(streq(reply, "1 "), reply[0]);
	rpci(&c, "info-get guestinfo.vireo.backdoor", hb);
	EXPECT(streq(reply, hb ? "1 hb-value" : "1 lb-value"), reply[0]);
	rpci(&c, "info-get guestinfo.vireo.missing", hb);
	EXPECT(starts(reply, "0 "), reply[0]);
	chan_close(&c);
	struct bd r = msg(&c, 3, 0); /* the closed channel is gone */
	EXPECT(!((r.ecx >> 16) & ST_SUCCESS), r.ecx);
}

/* ---- TCLO: rpcin.c's loop (§5.2-5.3) -------------------------------------------- */

static void tclo_conversation(void)
{
	struct chan t = chan_open(PROTO_TCLO);
	struct chan rc = chan_open(PROTO_RPCI);
	if (!t.ok || !rc.ok)
		return;
	static char command[256];
	const char *answer = "";
	unsigned n = 0;
	bool saw_option = false;
	for (; n < 40; n++) {
		chan_send(&t, answer, slen(answer), false);
		if (chan_recv(&t, command, sizeof command, false) == 0)
			break;
		printf("backdoor: tclo <- %s\n", command);
		if (n == 0) EXPECT(streq(command, "reset"), n);
		if (n == 1) EXPECT(streq(command, "Capabilities_Register"), n);
		if (streq(command, "reset")) {
			rpci(&rc, "vmx.capability.unified_loop toolbox", false);
			EXPECT(streq(reply, "1 "), 0);
			answer = "OK ATR toolbox";
		} else if (streq(command, "Capabilities_Register")) {
			rpci(&rc, "tools.capability.statechange ", false);
			EXPECT(streq(reply, "1 "), 1);
			rpci(&rc, "tools.set.versiontype 12389 4", false);
			EXPECT(streq(reply, "1 "), 2);
			answer = "OK ";
		} else if (starts(command, "Set_Option ")) {
			saw_option = true;
			answer = "OK ";
		} else if (starts(command, "Time_Synchronize ") || streq(command, "ping")) {
			answer = "OK ";
		} else {
			answer = "ERROR Unknown Command";
		}
	}
	EXPECT(n >= 2 && n < 40, n);
	EXPECT(saw_option, n);
	chan_close(&t);
	chan_close(&rc);
}

/* ---- legacy clipboard and vmmouse ---------------------------------------------------- */

static void clipboard(void)
{
	static char host[128];
	int32_t len = (int32_t)cmd(6, 0).eax; /* GETSELLENGTH */
	EXPECT(len >= -2 && len <= 65436, len);
	for (int32_t i = 0; i < len; i += 4) {
		uint32_t w = cmd(7, 0).eax; /* GETNEXTPIECE */
		for (int32_t j = 0; j < 4 && i + j < len; j++)
			if (i + j < (int32_t)sizeof host - 1)
				host[i + j] = (char)(w >> (8 * j));
		if (len - i < 4) /* the final word is zero-padded */
			EXPECT((w >> (8 * (len - i))) == 0, w);
	}
	printf("backdoor: host clipboard %d bytes: %s\n", len, len > 0 ? host : "");
	const char *mine = "vireo guest clipboard";
	uint32_t n = slen(mine);
	cmd(8, n); /* SETSELLENGTH */
	for (uint32_t i = 0; i < n; i += 4) {
		uint32_t w = 0;
		for (uint32_t j = 0; j < 4 && i + j < n; j++)
			w |= (uint32_t)(uint8_t)mine[i + j] << (8 * j);
		cmd(9, w); /* SETNEXTPIECE */
	}
}

static void vmmouse(void)
{
	cmd(41, 0x45414552u); /* ABSPOINTER_COMMAND ENABLE (READ_ID) */
	EXPECT(cmd(40, 0).eax == 1, cmd(40, 0).eax);
	EXPECT(cmd(39, 1).eax == 0x3442554Au, 0);
	if (full)
		cmd(86, 1); /* ABSPOINTER_RESTRICT: CPL0 only */
	cmd(41, 0x53424152u); /* REQUEST_ABSOLUTE */
	EXPECT((cmd(40, 0).eax & 0xffff0000u) == 0, 0);
}

/* ---- ring 3 ---------------------------------------------------------------------------- */

/* GDT: 0x10/0x18 as the runtime's (the IDT gates use 0x10), then the SYSENTER layout:
 * SYSENTER_CS = 0x10 gives SS 0x18, SYSEXIT gives CS 0x20|3 and SS 0x28|3; TSS at 0x30. */
static uint64_t gdt[7] __attribute__((aligned(8))) = {
	0, 0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull,
	0x00cffa000000ffffull, 0x00cff2000000ffffull, 0,
};

/* 32-bit TSS (SDM vol. 3 fig. 7-2) + I/O bitmap covering ports 0..0x565b + the 0xff byte
 * that must follow it. A set bit denies the port. */
#define IOPB_BYTES ((PORT_LB + 3) / 8 + 1)
static struct {
	uint32_t link, esp0, ss0, unused[22];
	uint16_t trap, iomap_base;
	uint8_t iopb[IOPB_BYTES + 1];
} __attribute__((packed, aligned(16))) tss;

uint8_t user_stack[4096] __attribute__((aligned(16))); /* used by enter_user */
static uint8_t entry_stack[1024] __attribute__((aligned(16)));
uint32_t kernel_esp;
void enter_user(void);
void user_main(void);

static void wrmsr(uint32_t msr, uint32_t lo)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"(lo), "d"(0));
}

/* enter_user(): saves the callee-saved registers, SYSEXITs to ring 3 (EDX = EIP,
 * ECX = ESP), runs user_main() there and SYSENTERs back to kernel_return. */
__asm__(".text\n.globl enter_user\nenter_user:\n"
	"pushl %ebp\npushl %ebx\npushl %esi\npushl %edi\n"
	"movl %esp, kernel_esp\n"
	"movl $user_stack + 4096, %ecx\nmovl $1f, %edx\nsysexit\n"
	"1: movl $0x2b, %eax\nmovw %ax, %ds\nmovw %ax, %es\n"
	"call user_main\nsysenter\n"
	".globl kernel_return\nkernel_return:\n"
	"movl $0x18, %eax\nmovw %ax, %ds\nmovw %ax, %es\n"
	"movl kernel_esp, %esp\npopl %edi\npopl %esi\npopl %ebx\npopl %ebp\nret\n");
extern char kernel_return[];

static struct bd user_version;
static uint32_t user_mouse_status, user_cs;

void user_main(void)
{
	__asm__ volatile("movl %%cs, %0" : "=r"(user_cs));
	user_version = cmd(10, ~BDOOR_MAGIC);
	user_mouse_status = cmd(40, 0).eax;
	if (full) {
		rpci_round_trip(false);
		rpci_round_trip(true);
	}
}

static void ring3(void)
{
	uint32_t base = (uint32_t)(uintptr_t)&tss, limit = sizeof tss - 1;
	memset(&tss, 0, sizeof tss);
	tss.ss0 = 0x18;
	tss.esp0 = (uint32_t)(uintptr_t)(entry_stack + sizeof entry_stack);
	tss.iomap_base = (uint16_t)((uintptr_t)tss.iopb - (uintptr_t)&tss);
	memset(tss.iopb, 0xff, sizeof tss.iopb);
	/* A 4-byte `in eax,dx` needs the bits of all four ports 0x5658..0x565b (SDM vol. 1
	 * 19.5.2); `rep insb/outsb` on 0x5659 needs its own bit. */
	for (unsigned port = PORT_LB; port < PORT_LB + 4; port++)
		tss.iopb[port / 8] &= (uint8_t)~(1u << (port % 8));
	/* Available 32-bit TSS (type 9), present, DPL 0, byte granularity. */
	gdt[6] = (limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) | (0x89ull << 40) |
		 ((uint64_t)((limit >> 16) & 0xf) << 48) | ((uint64_t)(base >> 24) << 56);
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) gdtr = { sizeof gdt - 1, (uint32_t)(uintptr_t)gdt };
	__asm__ volatile("lgdt %0\n ljmp $0x10, $1f\n1:" : : "m"(gdtr) : "memory");
	__asm__ volatile("ltr %w0" : : "r"(0x30));
	wrmsr(0x174, 0x10);                                             /* SYSENTER_CS */
	wrmsr(0x175, (uint32_t)(uintptr_t)(entry_stack + sizeof entry_stack)); /* SYSENTER_ESP */
	wrmsr(0x176, (uint32_t)(uintptr_t)kernel_return);               /* SYSENTER_EIP */
	enter_user();
	EXPECT((user_cs & 3) == 3, user_cs);
	EXPECT(user_version.eax == 6 && user_version.ebx == BDOOR_MAGIC, user_version.eax);
	if (full)
		EXPECT(user_mouse_status == 0xffffffffu, user_mouse_status); /* restricted to CPL0 */
}

/* ---- main ---------------------------------------------------------------------------- */

static void probe(void)
{
	struct bd r = cmd(0xffff0000u | 10, ~BDOOR_MAGIC); /* GETVERSION as VmCheck does it */
	EXPECT(r.eax == 6, r.eax);
	EXPECT(r.ebx == BDOOR_MAGIC, r.ebx);
	printf("backdoor: version %u, product type %u\n", r.eax, r.ecx);
	struct bd bad = { 0x12345678u, 0x55, 10, PORT_LB, 0, 0, 0 };
	bd_lb(&bad);
	EXPECT(bad.eax == 0xffffffffu && bad.ebx == 0x55, bad.eax);
	EXPECT(cmd(2, 0).eax == 0xffffffffu, 2); /* APMFUNCTION: unsupported */
	EXPECT(!(cmd(68, 0).eax & 0x80000000u), 68); /* GET_VCPU_INFO implemented */
	uint32_t seconds = 0;
	if (full) {
		r = cmd(46, 0); /* GETTIMEFULL: EAX stays magic, ESI:EDX seconds */
		EXPECT(r.eax == BDOOR_MAGIC && r.esi == 0 && r.edx > 1600000000u, r.edx);
		seconds = r.edx;
		r = cmd(55, 0); /* GETTIMEFULL_WITH_LAG */
		EXPECT(r.eax == BDOOR_MAGIC && r.edi == 0, r.eax);
	}
	r = cmd(45, 0xffffffffu); /* GETHZ: EBX:EAX = TSC Hz, or EAX all-ones if unknown */
	uint64_t khz = r.eax == 0xffffffffu ? 0 : ((uint64_t)r.ebx << 32) | r.eax;
	div64_32(&khz, 1000);
	printf("backdoor: time %u s, TSC %u kHz (0 = not reported)\n", seconds, (uint32_t)khz);
}

/*
 * HB across pages: a 6000-byte value sent from a buffer that crosses two page
 * boundaries and read back into one that crosses two more. KVM hands the `rep outsb` to
 * the VMM one byte per exit and the `rep insb` in chunks that end at page boundaries and
 * after its 1 KiB read-ahead (arch/x86/kvm/emulate.c pio_in_emulated); the registers
 * after each instruction must still be those of one complete `rep` (checked in
 * chan_send/chan_recv).
 */
#define BIG_VALUE 6000
static char big_out[3 * 4096] __attribute__((aligned(4096)));
static char big_in[3 * 4096] __attribute__((aligned(4096)));

static void rpci_hb_pages(void)
{
	struct chan c = chan_open(PROTO_RPCI);
	if (!c.ok)
		return;
	static const char set[] = "info-set guestinfo.vireo.big ";
	char *req = big_out + 4096 - 100;
	uint32_t n = 0;
	for (const char *p = set; *p; p++)
		req[n++] = *p;
	for (uint32_t i = 0; i < BIG_VALUE; i++)
		req[n++] = (char)('a' + i % 26);
	req[n++] = 0;
	chan_send(&c, req, n, true);
	chan_recv(&c, reply, sizeof reply, true);
	EXPECT(streq(reply, "1 "), reply[0]);
	static const char get[] = "info-get guestinfo.vireo.big";
	chan_send(&c, get, sizeof get, true);
	char *in = big_in + 4096 - 10;
	uint32_t len = chan_recv(&c, in, 2 * 4096, true);
	EXPECT(len == 2 + BIG_VALUE, len);
	EXPECT(in[0] == '1' && in[1] == ' ', in[0]);
	for (uint32_t i = 0; i < BIG_VALUE && i + 2 < len; i++)
		if (in[2 + i] != (char)('a' + i % 26)) {
			EXPECT(false, i);
			break;
		}
	chan_close(&c);
}

void guest_main(void)
{
	/* GuestRPC present? Vireo leaves EAX = magic on command 30; QEMU answers all-ones. */
	struct chan none = { 0, 0, 0, false };
	struct bd open = msg(&none, 0, PROTO_RPCI | FLAG_COOKIE);
	full = open.eax == BDOOR_MAGIC;
	if (full) {
		struct chan c = { open.edx >> 16, open.esi, open.edi, true };
		chan_close(&c);
	} else {
		printf("backdoor: no GuestRPC on this host: subset only\n");
	}
	probe();
	phase_done("probe");
	if (full) {
		rpci_round_trip(false);
		phase_done("rpci");
		rpci_round_trip(true);
		phase_done("rpci-hb");
		rpci_hb_pages();
		phase_done("rpci-hb-pages");
		tclo_conversation();
		phase_done("tclo");
		clipboard();
		phase_done("clipboard");
	}
	vmmouse();
	phase_done("vmmouse");
	ring3();
	phase_done("cpl3");
	cmd(41, 0xf5); /* vmmouse DISABLE */
	EXPECT(cmd(40, 0).eax == 0xffff0000u, 0);
	phase_done("vmmouse-disable");
	pass();
}
