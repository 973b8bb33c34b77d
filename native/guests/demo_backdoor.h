/*
 * demo_backdoor.h: the VMware backdoor as the demo guest uses it (docs/vmware-backdoor.md
 * §1.1, §4, §5.1). Included once, by demo.c. Low-bandwidth port 0x5658 only: the guest
 * runs at CPL0, so `in eax,dx` needs no I/O bitmap.
 *   bd_cmd(cmd, ebx)              one LB call with EAX = magic; all six registers back
 *   bd_probe(&version, &type)     GETVERSION as VmCheck does it: EBX must come back magic
 *   chan_open(proto, &c)          GuestRPC OPEN (RPCI or TCLO), with the cookie flag first
 *                                 and without it if that fails (open-vm-tools message.c)
 *   chan_send(&c, data, len)      SENDSIZE + SENDPAYLOAD words
 *   chan_recv(&c, buf, cap, &len) RECVSIZE (+ RECVPAYLOAD words + RECVSTATUS if DORECV);
 *                                 keeps at most cap-1 bytes, NUL-terminates, strips one
 *                                 trailing NUL; *truncated set when more arrived
 *   chan_close(&c)
 *   rpci(&c, request)             request (with its NUL, as vmtoolsd sends it) and reply;
 *                                 true only for a reply starting "1 "
 * Every reply is checked: status bit SUCCESS, EDX[31:16] types of RECVSIZE (1) and
 * RECVPAYLOAD (2), lengths. A failed step returns false; the caller drops the channel.
 */
#ifndef DEMO_BACKDOOR_H
#define DEMO_BACKDOOR_H

#include "guest.h"
#include "demo_str.h"

#define BDOOR_MAGIC 0x564D5868u
#define BDOOR_PORT 0x5658u
#define BDOOR_GETVERSION 10
#define BDOOR_MESSAGE 30
enum { MSG_OPEN, MSG_SENDSIZE, MSG_SENDPAYLOAD, MSG_RECVSIZE, MSG_RECVPAYLOAD, MSG_RECVSTATUS, MSG_CLOSE };
#define MSG_ST_SUCCESS 0x0001u
#define MSG_ST_DORECV 0x0002u
#define MSG_PROTO_RPCI 0x49435052u
#define MSG_PROTO_TCLO 0x4F4C4354u
#define MSG_FLAG_COOKIE 0x80000000u
/* Host -> guest messages longer than this are refused (the guest -> host limit, §4.1). */
#define MSG_MAX_RECV 65536u

struct bd {
	uint32_t eax, ebx, ecx, edx, esi, edi;
};

static struct bd bd_call(struct bd r)
{
	__asm__ volatile("inl %%dx, %%eax"
			 : "+a"(r.eax), "+b"(r.ebx), "+c"(r.ecx), "+d"(r.edx), "+S"(r.esi), "+D"(r.edi)
			 :
			 : "memory");
	return r;
}

static struct bd bd_cmd(uint32_t cmd, uint32_t ebx)
{
	struct bd r = {BDOOR_MAGIC, ebx, cmd, BDOOR_PORT, 0, 0};
	return bd_call(r);
}

static bool bd_probe(uint32_t *version, uint32_t *type)
{
	/* ECX[31:16] = 0xFFFF and EBX = ~magic, as open-vm-tools' VmCheck sends them. */
	struct bd r = bd_cmd(0xffff0000u | BDOOR_GETVERSION, ~BDOOR_MAGIC);
	*version = r.eax;
	*type = r.ecx;
	return r.ebx == BDOOR_MAGIC && r.eax != 0xffffffffu;
}

struct chan {
	uint32_t id, cookie_hi, cookie_lo;
	bool open;
};

static struct bd msg_call(const struct chan *c, uint32_t type, uint32_t ebx)
{
	struct bd r = {BDOOR_MAGIC, ebx, type << 16 | BDOOR_MESSAGE, c->id << 16 | BDOOR_PORT, c->cookie_hi, c->cookie_lo};
	return bd_call(r);
}

static bool msg_ok(const struct bd *r)
{
	return (r->ecx >> 16) & MSG_ST_SUCCESS;
}

static bool chan_open(uint32_t proto, struct chan *c)
{
	static const uint32_t flags[2] = {MSG_FLAG_COOKIE, 0};
	for (unsigned i = 0; i < 2; i++) {
		struct chan none = {0, 0, 0, false};
		struct bd r = msg_call(&none, MSG_OPEN, proto | flags[i]);
		/* EAX all-ones: command 30 unknown (QEMU's vmport); EDX low half must be 0. */
		if (r.eax == 0xffffffffu || !msg_ok(&r) || (r.edx & 0xffff))
			continue;
		c->id = r.edx >> 16;
		c->cookie_hi = flags[i] ? r.esi : 0;
		c->cookie_lo = flags[i] ? r.edi : 0;
		c->open = true;
		return true;
	}
	c->open = false;
	return false;
}

static void chan_close(struct chan *c)
{
	if (c->open)
		msg_call(c, MSG_CLOSE, 0);
	c->open = false;
}

static bool chan_send(const struct chan *c, const char *data, uint32_t len)
{
	struct bd r = msg_call(c, MSG_SENDSIZE, len);
	if (!msg_ok(&r))
		return false;
	for (uint32_t i = 0; i < len; i += 4) {
		uint32_t w = 0;
		for (uint32_t j = 0; j < 4 && i + j < len; j++)
			w |= (uint32_t)(uint8_t)data[i + j] << (8 * j);
		r = msg_call(c, MSG_SENDPAYLOAD, w);
		if (!msg_ok(&r))
			return false;
	}
	return true;
}

static bool chan_recv(const struct chan *c, char *buf, uint32_t cap, uint32_t *out_len, bool *truncated)
{
	struct bd r = msg_call(c, MSG_RECVSIZE, 0);
	*out_len = 0;
	*truncated = false;
	buf[0] = 0;
	if (!msg_ok(&r))
		return false;
	if (!((r.ecx >> 16) & MSG_ST_DORECV))
		return true; /* nothing waiting */
	uint32_t len = r.ebx;
	if ((r.edx >> 16) != MSG_SENDSIZE || len > MSG_MAX_RECV)
		return false;
	for (uint32_t i = 0; i < len; i += 4) {
		r = msg_call(c, MSG_RECVPAYLOAD, MSG_ST_SUCCESS);
		if (!msg_ok(&r) || (r.edx >> 16) != MSG_SENDPAYLOAD)
			return false;
		for (uint32_t j = 0; j < 4 && i + j < len; j++)
			if (i + j < cap - 1)
				buf[i + j] = (char)(r.ebx >> (8 * j));
	}
	r = msg_call(c, MSG_RECVSTATUS, MSG_ST_SUCCESS);
	if (!msg_ok(&r))
		return false;
	*truncated = len > cap - 1;
	if (*truncated)
		len = cap - 1;
	else if (len && buf[len - 1] == 0)
		len--; /* senders may count the NUL (§4.3) */
	buf[len] = 0;
	*out_len = len;
	return true;
}

static char rpci_reply[256];

/* Sends one RPCI request; the reply (NUL-terminated) is left in rpci_reply. */
static bool rpci(const struct chan *c, const char *request)
{
	uint32_t len;
	bool truncated;
	rpci_reply[0] = 0;
	if (!c->open || !chan_send(c, request, str_len(request) + 1) ||
	    !chan_recv(c, rpci_reply, sizeof rpci_reply, &len, &truncated))
		return false;
	return str_starts(rpci_reply, "1 ");
}

#endif
