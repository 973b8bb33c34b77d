/*
 * timesync: a guest whose clock is one hour behind is corrected by the host's tools
 * service, the way open-vm-tools' timeSync plugin does it (docs/vmware-backdoor.md
 * §5.3, §6).
 *
 *   1. The guest's wall clock is a software clock (TSC at the rate GETHZ reports) seeded
 *      from the CMOS RTC, which Vireo serves from host UTC. The guest first writes the RTC
 *      one hour back (Vireo keeps the offset) and seeds its clock from that.
 *   2. A tools agent opens TCLO and RPCI and answers the host: `reset` -> `OK ATR
 *      toolbox`, `Capabilities_Register` (sends `tools.set.versiontype`), `ping`,
 *      `Set_Option ...` -> `OK `, anything else -> `ERROR Unknown Command`.
 *   3. `Time_Synchronize <n>`: host time from 55 GETTIMEFULL_WITH_LAG (46 GETTIMEFULL if
 *      55 fails), sampled host/guest/host up to 4 times until the two host reads are
 *      within 2000 us, host = their midpoint. The guest steps when it is behind by more
 *      than the host's max lag (ECX), or ahead with n = 1 (backward allowed); then it
 *      writes its clock to the RTC (`hwclock --systohc`) and issues 24 STOPCATCHUP.
 *   4. When the host has nothing more to send, the RTC is read back and checked.
 *
 * Prints `timesync: guest clock before sync <s> (host-3600), after <s>`, then
 * `timesync: RTC reads back <s>, guest clock <s>, host <s>` and passes when clock and RTC
 * are within 2 s of GETTIMEFULL and the clock was 3600 +- 3 s behind before the step.
 * qemu-check: skip needs GuestRPC and a host tools service (Vireo only)
 */
#include "guest.h"
#include "bd_rpc.h"
#include "bd_rtc.h"

#define HOUR 3600u
#define MAX_POLLS 1000 /* 10 ms apart when idle: the host has 10 s to send Time_Synchronize */
#define SAMPLE_TRIES 4
#define SAMPLE_SPREAD_US 2000u

/* ---- the guest's wall clock ------------------------------------------------------------ */

static uint32_t tsc_hz;
static uint64_t clock_base_us, clock_base_tsc;

static uint64_t clock_us(void)
{
	uint64_t d = rdtsc() - clock_base_tsc;
	uint32_t rest = div64_32(&d, tsc_hz);      /* d = whole seconds */
	uint64_t frac = (uint64_t)rest * 1000000u; /* rest < tsc_hz < 2^32: no overflow */
	div64_32(&frac, tsc_hz);
	return clock_base_us + d * 1000000u + frac;
}

static void clock_set_us(uint64_t us)
{
	clock_base_tsc = rdtsc();
	clock_base_us = us;
}

static uint64_t seconds(uint64_t us)
{
	div64_32(&us, 1000000u);
	return us;
}

/* ---- host time (§6) ---------------------------------------------------------------------- */

struct host_time {
	uint64_t us;
	uint32_t max_error_us;
};

static bool host_read(struct host_time *h)
{
	static const uint32_t cmds[2] = { 55, 46 }; /* GETTIMEFULL_WITH_LAG, GETTIMEFULL */
	for (unsigned i = 0; i < 2; i++) {
		struct bd r = bd_cmd(cmds[i], 0);
		uint64_t s = (uint64_t)r.esi << 32 | r.edx;
		if (r.eax != BDOOR_MAGIC || !s || r.ebx >= 1000000u)
			continue; /* EAX changed: the command failed */
		h->us = s * 1000000u + r.ebx;
		h->max_error_us = r.ecx;
		return true;
	}
	return false;
}

/* host, guest, host; retried until the two host reads are close (timeSync.c). */
static bool sample(struct host_time *host, uint64_t *guest_us)
{
	for (unsigned i = 0; i < SAMPLE_TRIES; i++) {
		struct host_time a, b;
		if (!host_read(&a))
			return false;
		*guest_us = clock_us();
		if (!host_read(&b))
			return false;
		if (b.us >= a.us && b.us - a.us <= SAMPLE_SPREAD_US) {
			host->us = a.us + (b.us - a.us) / 2;
			host->max_error_us = b.max_error_us;
			return true;
		}
	}
	return false;
}

/* ---- Time_Synchronize -------------------------------------------------------------------- */

static bool synced;
static uint64_t before_s, after_s;
static int32_t before_off_s;

static const char *time_synchronize(const char *arg)
{
	bool backward = arg[0] == '1';
	struct host_time host;
	uint64_t guest;
	if (!sample(&host, &guest))
		return "ERROR Unable to sync time";
	int64_t error_us = (int64_t)(guest - host.us);
	before_s = seconds(guest);
	before_off_s = (int32_t)((int64_t)before_s - (int64_t)seconds(host.us));
	bool behind = error_us < -(int64_t)host.max_error_us;
	bool ahead = error_us > (int64_t)host.max_error_us;
	if (behind || (ahead && backward)) {
		clock_set_us(host.us);
		rtc_write(seconds(clock_us())); /* hwclock --systohc */
		bd_cmd(24, 0);                  /* STOPCATCHUP after every step */
	}
	after_s = seconds(clock_us());
	printf("timesync: guest clock before sync %llu (host%c%u), after %llu\n", before_s,
	       before_off_s < 0 ? '-' : '+', (uint32_t)(before_off_s < 0 ? -before_off_s : before_off_s), after_s);
	synced = true;
	return "OK ";
}

/* ---- the tools agent (rpcin.c's loop, §5.2-5.3) ------------------------------------------ */

static char command[512], reply[256];

static const char *answer(const struct bd_chan *rpci)
{
	if (bd_streq(command, "reset")) {
		if (!bd_rpci(rpci, "vmx.capability.unified_loop toolbox", reply, sizeof reply, false))
			fail("RPCI vmx.capability.unified_loop failed");
		return "OK ATR toolbox";
	}
	if (bd_streq(command, "ping"))
		return "OK ";
	if (bd_streq(command, "Capabilities_Register")) {
		if (!bd_rpci(rpci, "tools.set.versiontype 12389 4", reply, sizeof reply, false) || !bd_starts(reply, "1 "))
			fail("RPCI tools.set.versiontype: reply '%s'", reply);
		return "OK ";
	}
	if (bd_starts(command, "Set_Option "))
		return "OK ";
	if (bd_starts(command, "Time_Synchronize "))
		return time_synchronize(command + 17);
	return "ERROR Unknown Command";
}

static void tools_agent(void)
{
	struct bd_chan tclo, rpci;
	if (!bd_chan_open(BDOOR_PROTO_TCLO, &tclo) || !bd_chan_open(BDOOR_PROTO_RPCI, &rpci))
		fail("cannot open the TCLO and RPCI channels (command 30 OPEN)");
	const char *out = ""; /* the first message on TCLO is empty */
	uint32_t idle_us = 10000;
	for (unsigned polls = 0;; polls++) {
		if (polls == MAX_POLLS)
			fail("no Time_Synchronize from the host after %u polls", polls);
		uint32_t len;
		if (!bd_chan_send(&tclo, out, bd_strlen(out), false) ||
		    !bd_chan_recv(&tclo, command, sizeof command, &len, false))
			fail("TCLO poll %u failed", polls);
		out = "";
		if (len == 0) {
			if (synced)
				break; /* the OK of Time_Synchronize went out and the host is idle */
			delay_us(idle_us);
			continue;
		}
		printf("timesync: tclo <- %s\n", command);
		out = answer(&rpci);
	}
	bd_chan_close(&tclo);
	bd_chan_close(&rpci);
}

/* ---- main -------------------------------------------------------------------------------- */

static uint32_t distance(uint64_t a, uint64_t b)
{
	return (uint32_t)(a > b ? a - b : b - a);
}

void guest_main(void)
{
	struct bd v = bd_cmd(10, ~BDOOR_MAGIC); /* GETVERSION */
	if (v.eax != 6 || v.ebx != BDOOR_MAGIC)
		fail("no VMware backdoor (GETVERSION EAX 0x%x)", v.eax);
	struct bd hz = bd_cmd(45, 0xffffffffu); /* GETHZ: EBX:EAX = TSC Hz */
	if (hz.eax == 0xffffffffu || hz.ebx != 0 || hz.eax < 1000000u) /* 32-bit rate: < 4.29 GHz */
		fail("GETHZ gave no usable TSC rate (EBX:EAX 0x%x:%x)", hz.ebx, hz.eax);
	tsc_hz = hz.eax;

	uint64_t rtc;
	if (!rtc_read(&rtc))
		fail("the CMOS RTC does not answer");
	rtc_write(rtc - HOUR);
	uint64_t rtc_behind;
	if (!rtc_read(&rtc_behind))
		fail("the CMOS RTC does not read back");
	clock_set_us(rtc_behind * 1000000u);
	printf("timesync: RTC %llu set one hour back to %llu; guest clock seeded from it\n", rtc, rtc_behind);

	tools_agent();

	struct host_time host;
	uint64_t rtc_after;
	if (!host_read(&host))
		fail("GETTIMEFULL failed after the sync");
	if (!rtc_read(&rtc_after))
		fail("the CMOS RTC does not read back after the sync");
	uint64_t now = seconds(clock_us()), host_s = seconds(host.us);
	printf("timesync: RTC reads back %llu, guest clock %llu, host %llu\n", rtc_after, now, host_s);
	if (before_off_s < -(int32_t)HOUR - 3 || before_off_s > -(int32_t)HOUR + 3)
		fail("the clock was %d s off before the sync, not -3600", before_off_s);
	if (distance(now, host_s) > 2)
		fail("the guest clock is %u s from the host after the sync", distance(now, host_s));
	if (distance(rtc_after, host_s) > 2)
		fail("the RTC is %u s from the host after the sync", distance(rtc_after, host_s));
	pass();
}
