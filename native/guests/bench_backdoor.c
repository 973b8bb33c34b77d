/*
 * bench_backdoor: times VMware backdoor calls for bench/backdoor.js
 * (docs/vmware-backdoor.md). Runs the same under Vireo, QEMU (-M pc,vmport=on) and the bare
 * KVM harness bench/bare_kvm.c, and prints machine-readable lines:
 *
 *   bench: tsc_khz=<kHz> source=cpuid|pit
 *   bench: getversion N=<n> cycles=<c> ns_per_op=<x.y>
 *   bench: infoget M=<m> cycles=<c> ns_per_op=<x.y> exits_per_op=<e> reply=<text>
 *   bench: infoget skipped (no GuestRPC)          (QEMU's vmport has no command 30)
 *
 * getversion: BENCH_GETVERSION_N times `in eax, dx` on 0x5658 with EAX = 'VMXh' magic,
 * ECX = 10 (GETVERSION); the host answers EAX = 6, EBX = magic. The loop is four
 * instructions around the `in`, because every guest instruction is emulated on the build
 * hosts (kvm_pvm; README.md "Benchmarks"): the loop costs the same under every VMM measured.
 * infoget: one RPCI channel (command 30 type 0, protocol 'RPCI' + cookie flag), an
 * `info-set guestinfo.bench vireo-bench`, then BENCH_INFOGET_M round trips of
 * `info-get guestinfo.bench` over the low-bandwidth port: send size (type 1) + one call
 * per 4 bytes (type 2, the request with its NUL as vmtoolsd sends it), receive size
 * (type 3) + one call per 4 bytes (type 4), receive status (type 5): 14 `in` exits
 * (exits_per_op). The round trip is assembly (rpc_round_trip) so that the guest's own
 * instructions stay small next to the exits; the reply is checked before and after the
 * timed loop.
 *
 * Time: TSC, at the frequency from CPUID 0x40000010 EAX (VMware timing leaf: Vireo, QEMU
 * with vmware-cpuid-freq=on, bare_kvm.c) when 0x40000000 EAX reaches that leaf; else
 * calibrated against PIT channel 2 over 10 ms (lib/delay.h, as the timer guest does).
 *
 * qemu-check: skip a benchmark, not a test: run it through npm run bench:backdoor
 */
#include "guest.h"

#include "tsc.h"

#ifndef BENCH_GETVERSION_N
#define BENCH_GETVERSION_N 100000u
#endif
#ifndef BENCH_INFOGET_M
#define BENCH_INFOGET_M 10000u
#endif

#define BDOOR_MAGIC 0x564D5868u
#define BDOOR_PORT 0x5658
#define CMD_GETVERSION 10u
#define CMD_MESSAGE 30u
#define PROTO_RPCI 0x49435052u
#define FLAG_COOKIE 0x80000000u
enum { MSG_OPEN = 0, MSG_CLOSE = 6 }; /* types 1-5: rpc_round_trip */

#define REQUEST "info-get guestinfo.bench"
#define SET_REQUEST "info-set guestinfo.bench vireo-bench"
#define EXPECTED_REPLY "1 vireo-bench"
#define MAX_WORDS 16

/* One backdoor call: EAX = magic, the rest in and out through r. */
struct regs {
	uint32_t ebx, ecx, edx, esi, edi;
};

static inline uint32_t bd(struct regs *r)
{
	uint32_t eax;
	__asm__ volatile("inl %%dx, %%eax"
			 : "=a"(eax), "+b"(r->ebx), "+c"(r->ecx), "+d"(r->edx), "+S"(r->esi), "+D"(r->edi)
			 : "a"(BDOOR_MAGIC)
			 : "memory");
	return eax;
}

/* Prints "ns_per_op=<x.y>" for `cycles` over `ops` operations. */
static void print_ns(uint64_t cycles, uint32_t ops, uint32_t khz)
{
	uint64_t tenths = cycles * 10000000ull; /* cycles * 1e6 / kHz = ns, times 10 */
	div64_32(&tenths, khz);
	div64_32(&tenths, ops);
	uint32_t frac = div64_32(&tenths, 10);
	printf("ns_per_op=%u.%u", (uint32_t)tenths, frac);
}

static void getversion(uint32_t khz)
{
	uint32_t eax = 0, ebx = ~BDOOR_MAGIC, n = BENCH_GETVERSION_N;
	struct regs w = { ~BDOOR_MAGIC, CMD_GETVERSION, BDOOR_PORT, 0, 0 };
	for (int i = 0; i < 16; i++) /* warm-up: first exits fault in host pages */
		bd(&w);
	milestone(2);
	uint64_t t0 = rdtsc();
	/* ESI counts down; EAX and ECX are reloaded because the reply overwrites them. */
	__asm__ volatile("1: movl %[magic], %%eax\n"
			 "movl %[cmd], %%ecx\n"
			 "inl %%dx, %%eax\n"
			 "decl %%esi\n"
			 "jnz 1b\n"
			 : "=&a"(eax), "+b"(ebx), "+S"(n)
			 : [magic] "i"(BDOOR_MAGIC), [cmd] "i"(CMD_GETVERSION), "d"(BDOOR_PORT)
			 : "ecx", "memory");
	uint64_t cycles = rdtsc() - t0;
	milestone(3);
	if (eax != 6 || ebx != BDOOR_MAGIC)
		fail("GETVERSION answered EAX 0x%x EBX 0x%x", eax, ebx);
	printf("bench: getversion N=%u cycles=%llu ", BENCH_GETVERSION_N, cycles);
	print_ns(cycles, BENCH_GETVERSION_N, khz);
	printf("\n");
}

static uint32_t slen(const char *s)
{
	uint32_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* Little-endian words of s including its NUL; returns the byte count. */
static uint32_t pack(const char *s, uint32_t *words)
{
	uint32_t len = slen(s) + 1;
	if (len > MAX_WORDS * 4)
		fail("request too long: %u bytes", len);
	memset(words, 0, MAX_WORDS * 4);
	memcpy(words, s, len);
	return len;
}

/* One round trip's state, at fixed offsets for rpc_round_trip's assembly (EBP = &rt). */
static struct {
	uint32_t edx;   /*  0: channel id << 16 | port */
	uint32_t len;   /*  4: request bytes (1..MAX_WORDS * 4) */
	uint32_t left;  /*  8: words still to move */
	uint32_t ptr;   /* 12: address of the next word */
	uint32_t rlen;  /* 16: reply bytes (receive size EBX) */
	uint32_t rstat; /* 20: receive size ECX: 0x00030000 when a reply is there */
	uint32_t req[MAX_WORDS];       /* 24 */
	uint32_t reply[MAX_WORDS + 1]; /* 88: one spare word for a NUL */
} rt;
_Static_assert(offsetof(__typeof__(rt), req) == 24 && offsetof(__typeof__(rt), reply) == 88, "rt layout");

#define CALL(type, ebx_src)                                                     \
	"movl $0x564D5868, %%eax\n movl $(" #type " << 16 | 30), %%ecx\n"      \
	"movl " ebx_src ", %%ebx\n movl (%%ebp), %%edx\n inl %%dx, %%eax\n"

/* One RPCI request/reply over LB (§4): send size (1), a word per 4 bytes (2), receive
 * size (3), a word per 4 bytes (4), receive status (5). ESI/EDI carry the cookie. Written
 * in assembly with the loop state in `rt` because every guest instruction is emulated:
 * C with a register struct per call spent more time in the guest than in the exits.
 * A reply longer than MAX_WORDS * 4 is left unread (rlen tells; the caller fails). */
static void __attribute__((noinline)) rpc_round_trip(uint32_t hi, uint32_t lo)
{
	__asm__ volatile("pushl %%ebp\n movl %[rt], %%ebp\n"
			 CALL(1, "4(%%ebp)")
			 "movl 4(%%ebp), %%ebx\n addl $3, %%ebx\n shrl $2, %%ebx\n movl %%ebx, 8(%%ebp)\n"
			 "leal 24(%%ebp), %%eax\n movl %%eax, 12(%%ebp)\n"
			 "1: movl 12(%%ebp), %%ebx\n addl $4, 12(%%ebp)\n"
			 CALL(2, "(%%ebx)")
			 "decl 8(%%ebp)\n jnz 1b\n"
			 CALL(3, "$0")
			 "movl %%ebx, 16(%%ebp)\n movl %%ecx, 20(%%ebp)\n"
			 "cmpl $0x00030000, %%ecx\n jne 3f\n"
			 "cmpl %[max], %%ebx\n ja 3f\n"
			 "addl $3, %%ebx\n shrl $2, %%ebx\n jz 2f\n movl %%ebx, 8(%%ebp)\n"
			 "leal 88(%%ebp), %%eax\n movl %%eax, 12(%%ebp)\n"
			 "1: " CALL(4, "$1")
			 "movl 12(%%ebp), %%eax\n movl %%ebx, (%%eax)\n addl $4, 12(%%ebp)\n"
			 "decl 8(%%ebp)\n jnz 1b\n"
			 "2: " CALL(5, "$1")
			 "3: popl %%ebp\n"
			 : "+S"(hi), "+D"(lo)
			 : [rt] "i"(&rt), [max] "i"(MAX_WORDS * 4)
			 : "eax", "ebx", "ecx", "edx", "memory", "cc");
}

/* `in` exits of the last round trip: 1 + request words + 1 + reply words + 1. */
static uint32_t round_trip_exits(void)
{
	return 1 + (rt.len + 3) / 4 + 1 + (rt.rlen + 3) / 4 + 1;
}

/* The reply in rt must be `want` exactly (and the channel must have had one). */
static void check_reply(const char *want)
{
	if (rt.rstat != 0x00030000u || rt.rlen != slen(want) || memcmp(rt.reply, want, rt.rlen) != 0)
		fail("RPCI reply: receive size ECX 0x%x, %u bytes, wanted \"%s\"", rt.rstat, rt.rlen, want);
}

static void infoget(uint32_t khz)
{
	struct regs r = { PROTO_RPCI | FLAG_COOKIE, CMD_MESSAGE | MSG_OPEN << 16, BDOOR_PORT, 0, 0 };
	bd(&r);
	if (r.ecx != 0x00010000u) {
		printf("bench: infoget skipped (no GuestRPC: open answered ECX 0x%x)\n", r.ecx);
		return;
	}
	uint32_t hi = r.esi, lo = r.edi;
	rt.edx = (r.edx & 0xffff0000u) | BDOOR_PORT;

	rt.len = pack(SET_REQUEST, rt.req);
	rpc_round_trip(hi, lo);
	check_reply("1 ");
	rt.len = pack(REQUEST, rt.req);
	rpc_round_trip(hi, lo); /* warm-up, and the reply checked before timing */
	check_reply(EXPECTED_REPLY);

	milestone(4);
	uint64_t t0 = rdtsc();
	for (uint32_t i = 0; i < BENCH_INFOGET_M; i++)
		rpc_round_trip(hi, lo);
	uint64_t cycles = rdtsc() - t0;
	milestone(5);
	check_reply(EXPECTED_REPLY);
	struct regs c = { 0, CMD_MESSAGE | MSG_CLOSE << 16, rt.edx, hi, lo };
	bd(&c);
	((char *)rt.reply)[rt.rlen] = 0; /* rlen <= MAX_WORDS * 4 (check_reply) */
	printf("bench: infoget M=%u cycles=%llu ", BENCH_INFOGET_M, cycles);
	print_ns(cycles, BENCH_INFOGET_M, khz);
	printf(" exits_per_op=%u reply=%s\n", round_trip_exits(), (const char *)rt.reply);
}

void guest_main(void)
{
	const char *source = "";
	uint32_t khz = tsc_khz_find(&source);
	printf("bench: tsc_khz=%u source=%s\n", khz, source);
	getversion(khz);
	infoget(khz);
	pass();
}
