/*
 * demo_tools.h: the demo guest's small VMware Tools agent over GuestRPC (docs/vmware-backdoor.md
 * §5). Included once, by demo.c, which defines the hooks declared below.
 *   tools_start()   GETVERSION probe; opens one RPCI channel (kept open, like vmtoolsd)
 *                   and one TCLO channel, publishes the guest info
 *   tools_tick(t)   the rpcin.c loop (§5.2), called on every timer tick: when due, sends
 *                   the reply to the last command (empty when there was none), reads the
 *                   next command and handles it; several commands in a row are handled
 *                   at once, an idle channel is polled every TOOLS_IDLE_TICKS. A failed
 *                   call closes both channels; they are re-opened TOOLS_RETRY_TICKS later.
 * TCLO commands (§5.4): reset, ping, Capabilities_Register, Set_Option, Time_Synchronize
 * (prints the host time from GETTIMEFULL), Resolution_Set, DisplayTopology_Set, OS_Halt / OS_PowerOff (reply, then power off
 * through port 0xf4 code 0), OS_Reboot (reply, then i8042 reset), OS_PowerOn / OS_Resume
 * / OS_Suspend (status only); anything else gets "ERROR Unknown Command".
 */
#ifndef DEMO_TOOLS_H
#define DEMO_TOOLS_H

#include "demo_backdoor.h"
#include "demo_time.h"

#define TOOLS_IDLE_TICKS 10    /* 100 ms at 100 Hz, rpcin.c's RPCIN_MAX_DELAY */
#define TOOLS_RETRY_TICKS 500  /* 5 s between attempts to re-open failed channels */
#define TOOLS_BURST 16         /* commands handled back to back in one tick */
#define TOOLS_APP "toolbox"
/* 12.3.5 encoded as major << 10 | minor << 5 | base; type 0 = unknown (not open-vm-tools). */
#define TOOLS_VERSION "12389"
#define DEMO_IP "10.0.2.15"

/* Hooks, defined in demo.c. */
static void demo_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool demo_has_display(void);
static bool demo_resolution_set(uint32_t w, uint32_t h);
static void demo_show_tools(const char *status);
static void demo_show_command(const char *command);
static void demo_registered(void);

enum tools_after { AFTER_NOTHING, AFTER_POWER_OFF, AFTER_REBOOT };

static struct {
	bool backdoor;            /* GETVERSION answered */
	bool rpc;                 /* both channels are open */
	bool gave_up;             /* the host has no GuestRPC: do not retry */
	struct chan rpci, tclo;
	uint32_t next_poll, failures;
	enum tools_after after;   /* what to do once the current reply went out */
	char reply[128];
	char command[512];
} tools;

static bool tools_rpci(const char *request)
{
	if (rpci(&tools.rpci, request))
		return true;
	demo_note("demo: RPCI \"%s\" failed: \"%s\"", request, rpci_reply);
	return false;
}

static void tools_set_reply(const char *text)
{
	struct sbuf b;
	sb_init(&b, tools.reply, sizeof tools.reply);
	sb_str(&b, text);
}

/* The guest information open-vm-tools' guestInfo plugin publishes (§5.5): SetGuestInfo
 * keys 5 OS_NAME_FULL and 6 OS_NAME (the VMware guest-OS id; "other" for an unknown
 * 32-bit OS), the host name (key 1), and the primary IP as guestinfo.ip, which is what
 * the host's GuestInfoStore.ipAddress() reads. */
static void tools_publish_info(void)
{
	tools_rpci("info-set guestinfo.demo.status running");
	tools_rpci("SetGuestInfo  5 Vireo demo guest");
	tools_rpci("SetGuestInfo  6 other");
	tools_rpci("SetGuestInfo  1 vireo-demo");
	tools_rpci("info-set guestinfo.ip " DEMO_IP);
}

static void tools_open(uint32_t now)
{
	if (!chan_open(MSG_PROTO_RPCI, &tools.rpci) || !chan_open(MSG_PROTO_TCLO, &tools.tclo)) {
		chan_close(&tools.rpci);
		if (!tools.failures++) {
			demo_note("demo: backdoor without GuestRPC (command 30): no tools agent");
			demo_show_tools("backdoor only, no GuestRPC");
			tools.gave_up = true;
		}
		tools.next_poll = now + TOOLS_RETRY_TICKS;
		return;
	}
	tools.rpc = true;
	tools.failures = 0;
	tools.reply[0] = 0;
	tools.after = AFTER_NOTHING;
	tools.next_poll = now;
	rpci(&tools.rpci, "log demo: Vireo demo guest tools agent started");
	tools_publish_info();
	demo_show_tools("waiting for the host");
}

static void tools_fail(uint32_t now, const char *what)
{
	chan_close(&tools.tclo);
	chan_close(&tools.rpci);
	tools.rpc = false;
	tools.next_poll = now + TOOLS_RETRY_TICKS;
	if (!tools.failures++)
		demo_note("demo: tools channel failed (%s); re-opening every %u s", what, TOOLS_RETRY_TICKS / 100);
	demo_show_tools("channel failed, retrying");
}

static void tools_start(void)
{
	uint32_t version, type;
	if (!bd_probe(&version, &type)) {
		printf("demo: no VMware backdoor\n");
		demo_show_tools("no VMware backdoor");
		return;
	}
	tools.backdoor = true;
	printf("demo: VMware backdoor version %u, product type %u\n", version, type);
	tools_open(0);
}

static void tools_capabilities(void)
{
	bool ok = tools_rpci("tools.capability.statechange ") && tools_rpci("tools.capability.softpowerop_retry ");
	if (!tools_rpci("tools.set.versiontype " TOOLS_VERSION " 0"))
		ok = tools_rpci("tools.set.version " TOOLS_VERSION) && ok;
	/* Resolution support only with a display (§7): Resolution_Set goes to this app. */
	if (demo_has_display())
		ok = tools_rpci("tools.capability.resolution_set 1") &&
		     tools_rpci("tools.capability.resolution_server " TOOLS_APP " 1") &&
		     tools_rpci("tools.capability.display_topology_set 2") && ok;
	if (ok)
		demo_registered();
	tools_set_reply(ok ? "OK " : "ERROR Capabilities registration failed");
}

static void tools_time_sync(void)
{
	char text[32];
	struct sbuf b;
	uint64_t secs;
	sb_init(&b, text, sizeof text);
	if (!host_time(&secs) || !sb_date_time(&b, secs)) {
		demo_note("demo: Time_Synchronize: the host gave no usable time");
		tools_set_reply("ERROR Unable to sync time");
		return;
	}
	demo_note("demo: host time %s UTC", text);
	tools_set_reply("OK ");
}

/* "<w> <h>" (Resolution_Set) or "<n> , <x> <y> <w> <h> ..." (DisplayTopology_Set; the
 * first display's size is used: this guest has one screen). */
static bool parse_size(const char *s, bool topology, uint32_t *w, uint32_t *h)
{
	uint32_t n, x, y;
	if (topology) {
		if (!parse_u32(&s, 16, &n) || n < 1 || !str_starts(s, " , "))
			return false;
		s += 3;
		if (!parse_u32(&s, 65535, &x) || *s++ != ' ' || !parse_u32(&s, 65535, &y) || *s++ != ' ')
			return false;
	}
	if (!parse_u32(&s, 65535, w) || *s++ != ' ' || !parse_u32(&s, 65535, h))
		return false;
	return (*s == 0 || (topology && *s == ' ')) && *w && *h;
}

static void tools_resize(const char *args, bool topology)
{
	uint32_t w, h;
	if (!parse_size(args, topology, &w, &h))
		tools_set_reply(topology ? "ERROR ResolutionSetTopology failed" : "ERROR Invalid arguments");
	else if (!demo_resolution_set(w, h))
		tools_set_reply("ERROR Invalid guest state: resolution set not initialized");
	else
		tools_set_reply("OK ");
}

/* OS_* (§5.4): tools.os.statechange.status <ok> <id> goes first (no script runs here). */
static void tools_power(char id, enum tools_after after)
{
	char request[] = "tools.os.statechange.status 1 0";
	request[sizeof request - 2] = id;
	tools_rpci(request);
	tools.after = after;
	tools_set_reply("OK ");
}

static void tools_handle(void)
{
	const char *c = tools.command;
	if (!str_eq(c, "ping"))
		demo_show_command(c);
	if (str_eq(c, "reset")) {
		rpci(&tools.rpci, "vmx.capability.unified_loop " TOOLS_APP); /* failure only costs a warning in vmtoolsd */
		tools_set_reply("OK ATR " TOOLS_APP);
		demo_show_tools("running (" TOOLS_APP ")");
	} else if (str_eq(c, "ping")) {
		tools_set_reply("OK ");
	} else if (str_eq(c, "Capabilities_Register")) {
		tools_capabilities();
	} else if (str_starts(c, "Set_Option ")) {
		if (str_eq(c, "Set_Option broadcastIP 1"))
			tools_rpci("info-set guestinfo.ip " DEMO_IP);
		tools_set_reply("OK ");
	} else if (str_starts(c, "Time_Synchronize")) {
		tools_time_sync();
	} else if (str_starts(c, "Resolution_Set ")) {
		tools_resize(c + 15, false);
	} else if (str_starts(c, "DisplayTopology_Set ")) {
		tools_resize(c + 20, true);
	} else if (str_eq(c, "OS_Halt") || str_eq(c, "OS_PowerOff")) {
		tools_power('1', AFTER_POWER_OFF);
	} else if (str_eq(c, "OS_Reboot")) {
		tools_power('2', AFTER_REBOOT);
	} else if (str_eq(c, "OS_PowerOn")) {
		tools_power('3', AFTER_NOTHING);
	} else if (str_eq(c, "OS_Resume")) {
		tools_power('4', AFTER_NOTHING);
	} else if (str_eq(c, "OS_Suspend")) {
		tools_power('5', AFTER_NOTHING);
	} else {
		tools_set_reply("ERROR Unknown Command");
	}
}

static void tools_power_action(void)
{
	if (tools.after == AFTER_POWER_OFF) {
		demo_note("demo: powering off (asked by the host)");
		vm_exit(0);
	}
	demo_note("demo: rebooting (asked by the host)");
	cli();
	outb(0x64, 0xfe); /* i8042: pulse the reset line */
	delay_us(100000);
	/* No i8042 reset: a triple fault (empty IDT, then an exception) resets the CPU. */
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) none = {0, 0};
	__asm__ volatile("lidt %0\n ud2" : : "m"(none));
	for (;;)
		hlt();
}

static void tools_tick(uint32_t now)
{
	if (!tools.backdoor || (int32_t)(now - tools.next_poll) < 0)
		return;
	if (!tools.rpc) {
		if (!tools.gave_up)
			tools_open(now);
		return;
	}
	for (unsigned n = 0; n < TOOLS_BURST; n++) {
		uint32_t len;
		bool truncated;
		if (!chan_send(&tools.tclo, tools.reply, str_len(tools.reply)))
			return tools_fail(now, "send");
		tools.reply[0] = 0;
		if (tools.after != AFTER_NOTHING)
			tools_power_action();
		if (!chan_recv(&tools.tclo, tools.command, sizeof tools.command, &len, &truncated))
			return tools_fail(now, "receive");
		if (!len) {
			tools.next_poll = now + TOOLS_IDLE_TICKS;
			return;
		}
		if (truncated)
			tools_set_reply("ERROR Command too long");
		else
			tools_handle();
	}
	tools.next_poll = now + 1; /* more commands are probably queued: come back next tick */
}

#endif
