/*
 * bench_backdoor: times VMware backdoor calls for bench/backdoor.js (shared/docs/
 * vmware-backdoor.md). Runs the same under Vireo, QEMU (-M pc,vmport=on) and the bare
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
 * hosts (host-kvm.md): the loop costs the same under every VMM measured.
 * infoget: one RPCI channel (command 30 type 0, protocol 'RPCI' + cookie flag), an
 * `info-set guestinfo.bench vireo-bench`, then BENCH_INFOGET_M round trips of
 * `info-get guestinfo.bench` over the low-bandwidth port: send size (type 1) + one call
 * per 4 bytes (type 2, the request with its NUL as vmtoolsd sends it), receive size
 * (type 3) + one call per 4 bytes (type 4), receive status (type 5). The request words
 * are packed once; each round trip stores the reply words and the first and last replies
 * are checked. exits_per_op counts the `in` instructions of one round trip.
 *
 * Time: TSC, at the frequency from CPUID 0x40000010 EAX (VMware timing leaf: Vireo, QEMU
 * with vmware-cpuid-freq=on, bare_kvm.c) when 0x40000000 EAX reaches that leaf; else
 * calibrated against PIT channel 2 over 10 ms (lib/delay.h, as the timer guest does).
 *
 * qemu-check: skip a benchmark, not a test: run it through npm run bench:backdoor
 */
#include "guest.h"

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
#define ST_SUCCESS 0x0001u
#define ST_DORECV 0x0002u
enum { MSG_OPEN = 0, MSG_SEND_SIZE = 1, MSG_SEND_DATA = 2, MSG_RECV_SIZE = 3, MSG_RECV_DATA = 4,
       MSG_RECV_STATUS = 5, MSG_CLOSE = 6 };

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

static uint32_t tsc_khz(const char **source)
{
	uint32_t a, b, c, d;
	cpuid(0x40000000u, &a, &b, &c, &d);
	if (a >= 0x40000010u && a < 0x40000100u) {
		cpuid(0x40000010u, &a, &b, &c, &d);
		if (a) {
			*source = "cpuid";
			return a;
		}
	}
	struct pit_stopwatch sw;
	uint64_t ticks = 0;
	pit_stopwatch_start(&sw);
	uint64_t t0 = rdtsc();
	for (int i = 0; i < 100000 && ticks < PIT_HZ / 100; i++)
		ticks = pit_stopwatch_ticks(&sw);
	uint64_t cycles = rdtsc() - t0;
	if (ticks < PIT_HZ / 100)
		fail("no TSC frequency: no CPUID 0x40000010 and PIT channel 2 counted %u ticks", (uint32_t)ticks);
	uint64_t khz = cycles * PIT_HZ;
	div64_32(&khz, (uint32_t)ticks);
	div64_32(&khz, 1000);
	*source = "pit";
	return (uint32_t)khz;
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

struct chan {
	uint32_t id, hi, lo;
};

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

static uint32_t exits; /* `in` calls of the current round trip */

static struct regs msg(const struct chan *c, uint32_t type, uint32_t ebx)
{
	struct regs r = { ebx, type << 16 | CMD_MESSAGE, c->id << 16 | BDOOR_PORT, c->hi, c->lo };
	bd(&r);
	exits++;
	return r;
}

/* One request/reply on the channel; the reply words land in out (at most MAX_WORDS),
 * its length is returned (0 and a failure for any unexpected status). */
static uint32_t round_trip(const struct chan *c, const uint32_t *req, uint32_t len, uint32_t *out)
{
	struct regs r = msg(c, MSG_SEND_SIZE, len);
	if (!((r.ecx >> 16) & ST_SUCCESS))
		fail("send size: ECX 0x%x", r.ecx);
	for (uint32_t i = 0; i < (len + 3) / 4; i++)
		msg(c, MSG_SEND_DATA, req[i]);
	r = msg(c, MSG_RECV_SIZE, 0);
	if ((r.ecx >> 16) != (ST_SUCCESS | ST_DORECV) || r.ebx > MAX_WORDS * 4)
		fail("receive size: ECX 0x%x EBX 0x%x", r.ecx, r.ebx);
	uint32_t rlen = r.ebx;
	for (uint32_t i = 0; i < (rlen + 3) / 4; i++)
		out[i] = msg(c, MSG_RECV_DATA, ST_SUCCESS).ebx;
	msg(c, MSG_RECV_STATUS, ST_SUCCESS);
	return rlen;
}

static void check_reply(const uint32_t *words, uint32_t len, const char *want)
{
	const char *got = (const char *)words;
	if (len != slen(want) || memcmp(got, want, len) != 0)
		fail("RPCI reply %u bytes, wanted \"%s\"", len, want);
}

static void infoget(uint32_t khz)
{
	struct chan c = { 0, 0, 0 };
	struct regs r = msg(&c, MSG_OPEN, PROTO_RPCI | FLAG_COOKIE);
	if (r.ecx != 0x00010000u) {
		printf("bench: infoget skipped (no GuestRPC: open answered ECX 0x%x)\n", r.ecx);
		return;
	}
	c.id = r.edx >> 16;
	c.hi = r.esi;
	c.lo = r.edi;

	static uint32_t req[MAX_WORDS], reply[MAX_WORDS + 1];
	uint32_t len = pack(SET_REQUEST, req);
	check_reply(reply, round_trip(&c, req, len, reply), "1 ");
	len = pack(REQUEST, req);

	milestone(4);
	uint64_t t0 = rdtsc();
	uint32_t rlen = 0, per_op = 0;
	for (uint32_t i = 0; i < BENCH_INFOGET_M; i++) {
		exits = 0;
		rlen = round_trip(&c, req, len, reply);
		if (i == 0) {
			check_reply(reply, rlen, EXPECTED_REPLY);
			per_op = exits;
		}
	}
	uint64_t cycles = rdtsc() - t0;
	milestone(5);
	check_reply(reply, rlen, EXPECTED_REPLY);
	msg(&c, MSG_CLOSE, 0);
	((char *)reply)[rlen] = 0; /* rlen <= MAX_WORDS * 4 (round_trip) */
	printf("bench: infoget M=%u cycles=%llu ", BENCH_INFOGET_M, cycles);
	print_ns(cycles, BENCH_INFOGET_M, khz);
	printf(" exits_per_op=%u reply=%s\n", per_op, (const char *)reply);
}

void guest_main(void)
{
	const char *source = "";
	uint32_t khz = tsc_khz(&source);
	printf("bench: tsc_khz=%u source=%s\n", khz, source);
	getversion(khz);
	infoget(khz);
	pass();
}
