/*
 * bdfuzz: random VMware backdoor traffic from a hostile guest, then a check that the
 * backdoor still works (docs/vmware-backdoor.md §1-§5). BDFUZZ_CALLS port
 * accesses (default 20000; each one a VM exit, ~10-20 us on a PVM host) drawn by a
 * xorshift64 generator whose seed is printed. The seed comes from the kernel command
 * line `bdfuzz.seed=0x<hex>` (read through Vireo's zero page at 0x7000, boot protocol
 * header magic checked) or else from the TSC, so any run can be replayed with
 *   vireo run --kernel native/guests/build/bdfuzz.bin --append bdfuzz.seed=0x...
 * (build with EXTRA_CFLAGS=-DBDFUZZ_TRACE to print each access with its registers first).
 *
 * Operations (percent of draws):
 *   35  LB command: EAX magic (1 in 16 not), ECX = 0..105, random 16 or 32 bits; every
 *       other register random; `in` or `out`
 *   20  command 30 on a random channel number (0..40 or 16 bits) with random sub-command,
 *       cookies and EBX; OPEN sometimes with the real RPCI/TCLO protocol words
 *   20  a step on a channel this guest really opened (kept in a table of 8): any
 *       sub-command with the right cookies and random EBX, SENDSIZE of random sizes, HB
 *       `rep outsb`/`rep insb` with the right cookies and random lengths, or CLOSE
 *    8  a well-formed RPCI round trip on a fresh channel (LB or HB) with random text:
 *       the reply must start "1 " or "0 "
 *   17  raw access to 0x5658/0x5659: in/out of 1, 2, 4 bytes, `rep ins/outs` of 1, 2, 4
 *       bytes, forwards or backwards (DF set)
 * Every memory operand of a string instruction lies inside `scratch` (72 KiB: more than
 * one GuestRPC message, so over-long counts are tried): forwards, EDI/ESI + count fits
 * before its end; backwards, the count fits before EDI/ESI. KVM moves `rep ins` a page
 * per exit; outs that the device refuses are cut short by RCX = 0.
 *
 * Sanity afterwards: every tracked channel closed, GETVERSION = 6 / 'VMXh', and a fresh
 * RPCI `info-set guestinfo.fuzz done` / `info-get guestinfo.fuzz` = "1 done" over LB and
 * again over HB. Prints `bdfuzz: seed 0x...`, a summary line and `PASS bdfuzz`.
 * qemu-check: skip needs GuestRPC (QEMU's vmport has no command 30)
 */
#include "guest.h"
#include "bd_rpc.h"

#ifndef BDFUZZ_CALLS
#define BDFUZZ_CALLS 20000u
#endif
#define TRACKED 8
#define SCRATCH (72u * 1024)
#define FUZZ_KEYS 16 /* guestinfo.fuzz.0..15: the host keeps at most 512 keys */

/* Backdoor-port accesses other than `in eax,dx` / forward rep ins/outs (bd_rpc.h has those).
 * `cld` after each: the runtime and the compiler expect DF clear. */
__asm__(".macro BDF_CALL name, dir, insn:vararg\n"
	".text\n.globl \\name\n\\name:\n"
	"pushl %ebp\npushl %ebx\npushl %esi\npushl %edi\n"
	"movl 20(%esp), %eax\npushl %eax\n"
	"movl 24(%eax), %ebp\nmovl 4(%eax), %ebx\nmovl 8(%eax), %ecx\nmovl 12(%eax), %edx\n"
	"movl 16(%eax), %esi\nmovl 20(%eax), %edi\nmovl (%eax), %eax\n"
	"\\dir\n\\insn\ncld\n"
	"xchgl (%esp), %eax\n"
	"movl %ebx, 4(%eax)\nmovl %ecx, 8(%eax)\nmovl %edx, 12(%eax)\n"
	"movl %esi, 16(%eax)\nmovl %edi, 20(%eax)\nmovl %ebp, 24(%eax)\npopl (%eax)\n"
	"popl %edi\npopl %esi\npopl %ebx\npopl %ebp\nret\n"
	".endm\n"
	"BDF_CALL bdf_outl, cld, outl %eax, %dx\n"
	"BDF_CALL bdf_inb, cld, inb %dx, %al\n"
	"BDF_CALL bdf_inw, cld, inw %dx, %ax\n"
	"BDF_CALL bdf_outb, cld, outb %al, %dx\n"
	"BDF_CALL bdf_outw, cld, outw %ax, %dx\n"
	"BDF_CALL bdf_insw, cld, rep insw\n"
	"BDF_CALL bdf_insl, cld, rep insl\n"
	"BDF_CALL bdf_outsw, cld, rep outsw\n"
	"BDF_CALL bdf_outsl, cld, rep outsl\n"
	"BDF_CALL bdf_insb_back, std, rep insb\n"
	"BDF_CALL bdf_outsb_back, std, rep outsb\n");
void bdf_outl(struct bd *r), bdf_inb(struct bd *r), bdf_inw(struct bd *r), bdf_outb(struct bd *r),
	bdf_outw(struct bd *r), bdf_insw(struct bd *r), bdf_insl(struct bd *r), bdf_outsw(struct bd *r),
	bdf_outsl(struct bd *r), bdf_insb_back(struct bd *r), bdf_outsb_back(struct bd *r);

static uint8_t scratch[SCRATCH] __attribute__((aligned(4096)));
static uint32_t calls;
static struct {
	uint32_t commands, rpc_random, steps, round_trips, round_trips_hb, raw, string_bytes, opens;
} n;

/* ---- xorshift64 (Marsaglia 2003: shifts 13, 7, 17) ---------------------------------------- */

static uint64_t rng;

static uint32_t r32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32);
}

static uint32_t below(uint32_t bound)
{
	return r32() % bound;
}

/* ---- seed from the command line (boot protocol: "HdrS" at 0x202, cmd_line_ptr at 0x228) -- */

#define ZERO_PAGE 0x7000u

static bool seed_from_cmdline(uint64_t *seed)
{
	if (mmio_read32(ZERO_PAGE + 0x202) != 0x53726448u)
		return false;
	uint32_t ptr = mmio_read32(ZERO_PAGE + 0x228);
	if (!ptr || ptr >= 0x100000u - 256)
		return false; /* Vireo puts it at 0x20000; anything else is not ours to read */
	const char *s = (const char *)(uintptr_t)ptr;
	for (uint32_t i = 0; i < 256 && s[i]; i++) {
		if ((i && s[i - 1] != ' ') || !bd_starts(s + i, "bdfuzz.seed=0x"))
			continue;
		uint64_t v = 0;
		unsigned digits = 0;
		for (const char *p = s + i + 14; digits < 16; p++, digits++) {
			unsigned d = *p >= '0' && *p <= '9' ? (unsigned)(*p - '0')
				   : (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f' ? (unsigned)((*p | 0x20) - 'a' + 10) : 16;
			if (d == 16)
				break;
			v = v << 4 | d;
		}
		*seed = v;
		return digits > 0 && v != 0;
	}
	return false;
}

/* ---- one access ----------------------------------------------------------------------------- */

static void access(void (*fn)(struct bd *), struct bd *r)
{
#ifdef BDFUZZ_TRACE /* every access before it runs: replay a seed with this to find a hang */
	printf("T %u %p eax %x ebx %x ecx %x edx %x esi %x edi %x\n", calls, (void *)fn, r->eax, r->ebx, r->ecx, r->edx, r->esi, r->edi);
#endif
	fn(r);
	calls++;
}

/* A point in scratch and a count of `unit`-byte elements that stays inside it. */
static void string_operands(uint32_t unit, bool back, uint32_t *addr, uint32_t *count)
{
	uint32_t off = below(SCRATCH / unit) * unit;
	uint32_t room = back ? off / unit + 1 : (SCRATCH - off) / unit;
	uint32_t pick = below(16);
	uint32_t c = pick < 11 ? below(65) : pick < 15 ? below(4097) : r32();
	*count = c % (room + 1);
	*addr = (uint32_t)(uintptr_t)scratch + off;
}

static void raw_access(void)
{
	/* Only the two backdoor ports: other ports would reach real devices (0xf4, 0x64, 0xcf9). */
	struct bd r = { below(8) ? BDOOR_MAGIC : r32(), r32(), r32(), (r32() & 0xffff0000u) | (BDOOR_PORT_LB + below(2)),
			r32(), r32(), r32() };
	static void (*const plain[])(struct bd *) = { bd_lb, bdf_outl, bdf_inb, bdf_inw, bdf_outb, bdf_outw };
	static void (*const strings[])(struct bd *) = { bd_hb_in, bd_hb_out, bdf_insw, bdf_insl, bdf_outsw, bdf_outsl,
							bdf_insb_back, bdf_outsb_back };
	static const uint8_t units[] = { 1, 1, 2, 4, 2, 4, 1, 1 };
	static const bool outs[] = { false, true, false, false, true, true, false, true };
	n.raw++;
	if (below(2)) {
		access(plain[below(6)], &r);
		return;
	}
	unsigned k = below(8);
	uint32_t addr, count;
	string_operands(units[k], k >= 6, &addr, &count);
	/* Outs exit once per element unless the HB port refuses the first byte (RCX = 0),
	 * which it does for a forward `rep outsb` on foreign cookies: the others stay short. */
	bool cut_short = k == 1 && (r.edx & 0xffff) == BDOOR_PORT_HB;
	/* A 4-byte string access to 0x5658 with the magic is answered as one LB call per
	 * element, whose register writes (ECX, ESI, EDI) land in the middle of the `rep`:
	 * the count and pointer become the command's results and the guest writes where they
	 * point or spins (PVM hosts raise #UD instead). That hurts only the guest, but a
	 * fuzzer that scribbles over itself proves nothing: those accesses go without the
	 * magic (the bad-magic path is still exercised). Reported, not fuzzed. */
	if (units[k] == 4 && (r.edx & 0xffff) == BDOOR_PORT_LB && r.eax == BDOOR_MAGIC)
		r.eax = ~BDOOR_MAGIC;
	r.ecx = outs[k] && !cut_short ? count % 513 : count;
	r.esi = r.edi = addr;
	n.string_bytes += r.ecx * units[k];
	access(strings[k], &r);
}

/* ---- channels ----------------------------------------------------------------------------- */

static struct bd_chan table[TRACKED];
static bool tracked[TRACKED];

static void track(uint32_t id, uint32_t hi, uint32_t lo)
{
	n.opens++;
	for (unsigned i = 0; i < TRACKED; i++) {
		if (!tracked[i]) {
			table[i] = (struct bd_chan){ id, hi, lo };
			tracked[i] = true;
			return;
		}
	}
	struct bd_chan c = { id, hi, lo }; /* table full: give it straight back */
	struct bd r = bd_msg(&c, MSG_CLOSE, 0);
	(void)r;
	calls++;
}

/* Command 30 with the given registers; a successful OPEN is tracked so it gets closed. */
static void message_call(struct bd *r)
{
	uint32_t type = r->ecx >> 16;
	access(bd_lb, r);
	if (type == MSG_OPEN && (r->ecx >> 16) & BDOOR_ST_SUCCESS && !(r->edx & 0xffff))
		track(r->edx >> 16, r->esi, r->edi);
}

static void random_command(void)
{
	uint32_t pick = below(4), cmd = pick < 2 ? below(106) : pick == 2 ? below(0x10000) : r32();
	struct bd r = { below(16) ? BDOOR_MAGIC : r32(), r32(), cmd, (r32() & 0xffff0000u) | BDOOR_PORT_LB, r32(), r32(), r32() };
	n.commands++;
	if ((cmd & 0xffff) == BDOOR_CMD_MESSAGE && r.eax == BDOOR_MAGIC)
		message_call(&r);
	else
		access(below(5) ? bd_lb : bdf_outl, &r);
}

static void random_message(void)
{
	uint32_t type = below(4) ? below(8) : below(0x10000);
	uint32_t chan = below(2) ? below(41) : below(0x10000);
	static const uint32_t protos[] = { BDOOR_PROTO_RPCI, BDOOR_PROTO_TCLO, BDOOR_PROTO_RPCI | BDOOR_FLAG_COOKIE,
					   BDOOR_PROTO_TCLO | BDOOR_FLAG_COOKIE };
	uint32_t ebx = type == MSG_OPEN && below(2) ? protos[below(4)] : below(2) ? below(300) : r32();
	struct bd r = { BDOOR_MAGIC, ebx, type << 16 | BDOOR_CMD_MESSAGE, chan << 16 | BDOOR_PORT_LB, r32(), r32(), r32() };
	n.rpc_random++;
	message_call(&r);
}

static void channel_step(void)
{
	unsigned i = below(TRACKED);
	if (!tracked[i]) {
		struct bd r = { BDOOR_MAGIC, (below(2) ? BDOOR_PROTO_RPCI : BDOOR_PROTO_TCLO) | BDOOR_FLAG_COOKIE,
				BDOOR_CMD_MESSAGE, BDOOR_PORT_LB, 0, 0, 0 };
		message_call(&r);
		return;
	}
	const struct bd_chan *c = &table[i];
	n.steps++;
	uint32_t what = below(10);
	if (what < 6) { /* any sub-command with the right cookies */
		uint32_t type = what < 5 ? 1 + below(5) : below(0x10000);
		uint32_t ebx = type == MSG_SENDSIZE ? (below(8) ? below(300) : r32()) : below(2) ? below(2) : r32();
		struct bd r = { BDOOR_MAGIC, ebx, type << 16 | BDOOR_CMD_MESSAGE, c->id << 16 | BDOOR_PORT_LB, c->hi, c->lo, r32() };
		access(bd_lb, &r);
	} else if (what < 9) { /* HB with the right cookies and a random length */
		bool out = what < 8;
		uint32_t addr, count;
		string_operands(1, false, &addr, &count);
		for (uint32_t k = 0; out && k < 64; k++)
			scratch[(addr - (uint32_t)(uintptr_t)scratch + k) % SCRATCH] = (uint8_t)r32();
		struct bd r = { BDOOR_MAGIC, below(4) ? BDOOR_ST_SUCCESS << 16 : r32(), out ? count % 257 : count,
				c->id << 16 | BDOOR_PORT_HB, out ? addr : c->hi, out ? c->lo : addr, out ? c->hi : c->lo };
		n.string_bytes += r.ecx;
		access(out ? bd_hb_out : bd_hb_in, &r);
	} else {
		access(bd_lb, &(struct bd){ BDOOR_MAGIC, 0, MSG_CLOSE << 16 | BDOOR_CMD_MESSAGE, c->id << 16 | BDOOR_PORT_LB,
					    c->hi, c->lo, 0 });
		tracked[i] = false;
	}
}

/* ---- well-formed RPCI with random text -------------------------------------------------- */

static char text[320], reply[1024];

static uint32_t put(uint32_t at, const char *s)
{
	while (*s && at < sizeof text - 1)
		text[at++] = *s++;
	return at;
}

static uint32_t put_random(uint32_t at, uint32_t len, bool printable)
{
	for (uint32_t k = 0; k < len && at < sizeof text - 1; k++)
		text[at++] = (char)(printable ? 0x21 + below(94) : r32());
	return at;
}

static void round_trip(void)
{
	static const char *const prefixes[] = { "log ", "tools.capability.", "tools.set.versiontype ", "SetGuestInfo  ",
						"vmx.capability.", "tools.os.statechange.status ", "guest.log.", "" };
	static const char digits[] = "0123456789abcdef";
	uint32_t len = 0, pick = below(4);
	char key[] = "guestinfo.fuzz.x";
	key[15] = digits[below(FUZZ_KEYS)];
	if (pick == 0) {
		len = put(put(put(0, "info-set "), key), " ");
		len = put_random(len, below(40), true);
	} else if (pick == 1) {
		len = put(put(0, "info-get "), key);
	} else {
		len = put(0, prefixes[below(8)]);
		len = put_random(len, 1 + below(200), pick == 2); /* never empty: RPCI needs a command */
	}
	text[len] = 0;
	bool hb = below(2);
	struct bd_chan c;
	uint32_t got;
	n.round_trips++;
	n.round_trips_hb += hb;
	uint32_t sent = len + below(2); /* with or without the NUL */
	/* At most TRACKED channels of this guest are open, far below the host's 32. */
	if (!bd_chan_open(BDOOR_PROTO_RPCI, &c))
		fail("RPCI OPEN of a fresh channel failed (round trip %u)", n.round_trips);
	if (!bd_chan_send(&c, text, sent, hb) || !bd_chan_recv(&c, reply, sizeof reply, &got, hb))
		fail("RPCI round trip %u (%s) failed on a fresh channel", n.round_trips, hb ? "HB" : "LB");
	if (got < 2 || (reply[0] != '1' && reply[0] != '0') || reply[1] != ' ')
		fail("RPCI reply not framed as \"1 \" / \"0 \": %u bytes '%s'", got, reply);
	bd_chan_close(&c);
	/* OPEN, SENDSIZE, payload (HB: one string op), RECVSIZE, payload, RECVSTATUS, CLOSE */
	calls += 5 + (hb ? 2 : (sent + 3) / 4 + (got + 3) / 4);
}

/* ---- main --------------------------------------------------------------------------------- */

static void check_version(const char *when)
{
	struct bd v = bd_cmd(10, ~BDOOR_MAGIC);
	calls++;
	if (v.eax != 6 || v.ebx != BDOOR_MAGIC)
		fail("GETVERSION %s: EAX 0x%x EBX 0x%x", when, v.eax, v.ebx);
}

static void sanity(bool hb)
{
	struct bd_chan c;
	if (!bd_chan_open(BDOOR_PROTO_RPCI, &c))
		fail("sanity: RPCI OPEN failed after fuzzing");
	const char *value = hb ? "info-set guestinfo.fuzz done-hb" : "info-set guestinfo.fuzz done";
	if (!bd_rpci(&c, value, reply, sizeof reply, hb) || !bd_streq(reply, "1 "))
		fail("sanity: %s over %s: '%s'", value, hb ? "HB" : "LB", reply);
	if (!bd_rpci(&c, "info-get guestinfo.fuzz", reply, sizeof reply, hb) || !bd_streq(reply, hb ? "1 done-hb" : "1 done"))
		fail("sanity: info-get guestinfo.fuzz over %s: '%s'", hb ? "HB" : "LB", reply);
	if (!bd_chan_close(&c))
		fail("sanity: CLOSE failed");
	printf("bdfuzz: sanity over %s: info-set/info-get guestinfo.fuzz = %s\n", hb ? "HB" : "LB", reply + 2);
}

void guest_main(void)
{
	uint64_t seed;
	if (!seed_from_cmdline(&seed))
		seed = rdtsc() * 0x9E3779B97F4A7C15ull | 1;
	rng = seed;
	printf("bdfuzz: seed 0x%llx, %u calls (replay: --append bdfuzz.seed=0x%llx)\n", seed, BDFUZZ_CALLS, seed);
	check_version("before fuzzing");
	uint32_t next_check = 2000;
	while (calls < BDFUZZ_CALLS) {
		uint32_t p = below(100);
		if (p < 35)
			random_command();
		else if (p < 55)
			random_message();
		else if (p < 75)
			channel_step();
		else if (p < 83)
			round_trip();
		else
			raw_access();
		if (calls >= next_check) {
			check_version("during fuzzing");
			next_check += 2000;
		}
	}
	printf("bdfuzz: %u calls: %u commands, %u random GuestRPC, %u steps on open channels (%u opens), "
	       "%u RPCI round trips (%u HB), %u raw port accesses, %u string I/O bytes\n",
	       calls, n.commands, n.rpc_random, n.steps, n.opens, n.round_trips, n.round_trips_hb, n.raw, n.string_bytes);
	for (unsigned i = 0; i < TRACKED; i++)
		if (tracked[i])
			bd_chan_close(&table[i]);
	check_version("after fuzzing");
	sanity(false);
	sanity(true);
	pass();
}
