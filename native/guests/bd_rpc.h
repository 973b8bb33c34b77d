/*
 * bd_rpc.h: the VMware backdoor and its GuestRPC channels for the timesync and bdfuzz
 * guests (docs/vmware-backdoor.md §1, §4, §5). Included once per guest; the
 * calls themselves (bd_lb, bd_hb_out, bd_hb_in) are bd_call.h's.
 *   bd_cmd(cmd, ebx)           one LB call with EAX = magic, EDX = 0x5658
 *   bd_chan_open(proto, &c)    GuestRPC OPEN (type 0) with the cookie flag
 *   bd_chan_send(&c, s, n, hb) SENDSIZE + SENDPAYLOAD words, or one HB `rep outsb`
 *   bd_chan_recv(&c, buf, cap, &n, hb)
 *                              RECVSIZE (+ payload + RECVSTATUS when DORECV); keeps at
 *                              most cap-1 bytes, NUL-terminated; fails on a longer reply
 *   bd_chan_close(&c)
 *   bd_rpci(&c, req, buf, cap, hb)
 *                              request (with its NUL, as vmtoolsd sends it) and reply
 *   bd_streq, bd_starts, bd_strlen
 * Every channel step checks the status bits of §4.2 and the EDX[31:16] types of §4.1;
 * a failed step returns false.
 */
#ifndef BD_RPC_H
#define BD_RPC_H

#include "bd_call.h"
#include "guest.h"

#define BDOOR_CMD_MESSAGE 30u
#define BDOOR_ST_SUCCESS 0x0001u
#define BDOOR_ST_DORECV 0x0002u
#define BDOOR_PROTO_RPCI 0x49435052u /* "RPCI" */
#define BDOOR_PROTO_TCLO 0x4F4C4354u /* "TCLO" */
#define BDOOR_FLAG_COOKIE 0x80000000u
enum { MSG_OPEN, MSG_SENDSIZE, MSG_SENDPAYLOAD, MSG_RECVSIZE, MSG_RECVPAYLOAD, MSG_RECVSTATUS, MSG_CLOSE };

static inline struct bd bd_cmd(uint32_t cmd, uint32_t ebx)
{
	struct bd r = { BDOOR_MAGIC, ebx, cmd, BDOOR_PORT_LB, 0, 0, 0 };
	bd_lb(&r);
	return r;
}

static inline uint32_t bd_strlen(const char *s)
{
	uint32_t n = 0;
	while (s[n])
		n++;
	return n;
}

static inline bool bd_streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static inline bool bd_starts(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return false;
	return true;
}

/* ---- channels (command 30, §4.1) -------------------------------------------------------- */

struct bd_chan {
	uint32_t id, hi, lo;
};

static inline struct bd bd_msg(const struct bd_chan *c, uint32_t type, uint32_t ebx)
{
	struct bd r = { BDOOR_MAGIC, ebx, (type << 16) | BDOOR_CMD_MESSAGE, (c->id << 16) | BDOOR_PORT_LB,
			c->hi, c->lo, 0 };
	bd_lb(&r);
	return r;
}

static inline bool bd_ok(uint32_t ecx)
{
	return (ecx >> 16) & BDOOR_ST_SUCCESS;
}

static inline bool bd_chan_open(uint32_t proto, struct bd_chan *c)
{
	struct bd_chan none = { 0, 0, 0 };
	struct bd r = bd_msg(&none, MSG_OPEN, proto | BDOOR_FLAG_COOKIE);
	if (!bd_ok(r.ecx) || (r.edx & 0xffff) != 0)
		return false;
	c->id = r.edx >> 16;
	c->hi = r.esi;
	c->lo = r.edi;
	return true;
}

static inline bool bd_chan_close(const struct bd_chan *c)
{
	return bd_ok(bd_msg(c, MSG_CLOSE, 0).ecx);
}

static inline bool bd_chan_send(const struct bd_chan *c, const char *s, uint32_t len, bool hb)
{
	if (!bd_ok(bd_msg(c, MSG_SENDSIZE, len).ecx))
		return false;
	if (hb && len) {
		/* §1.2 send: ESI = source, EDI = cookie-low, EBP = cookie-high. */
		struct bd h = { BDOOR_MAGIC, BDOOR_ST_SUCCESS << 16, len, (c->id << 16) | BDOOR_PORT_HB,
				(uint32_t)(uintptr_t)s, c->lo, c->hi };
		bd_hb_out(&h);
		return h.ebx == 0x00010000u;
	}
	for (uint32_t i = 0; i < len; i += 4) {
		uint32_t w = 0;
		for (uint32_t j = 0; j < 4 && i + j < len; j++)
			w |= (uint32_t)(uint8_t)s[i + j] << (8 * j);
		if (!bd_ok(bd_msg(c, MSG_SENDPAYLOAD, w).ecx))
			return false;
	}
	return true;
}

static inline bool bd_chan_recv(const struct bd_chan *c, char *buf, uint32_t cap, uint32_t *out_len, bool hb)
{
	struct bd r = bd_msg(c, MSG_RECVSIZE, 0);
	buf[0] = 0;
	*out_len = 0;
	if (!bd_ok(r.ecx))
		return false;
	if (!((r.ecx >> 16) & BDOOR_ST_DORECV))
		return true; /* nothing waiting */
	uint32_t len = r.ebx;
	if ((r.edx >> 16) != MSG_SENDSIZE || len >= cap)
		return false;
	if (hb && len) {
		/* §1.2 receive: ESI = cookie-high, EDI = destination, EBP = cookie-low. */
		struct bd h = { BDOOR_MAGIC, BDOOR_ST_SUCCESS << 16, len, (c->id << 16) | BDOOR_PORT_HB,
				c->hi, (uint32_t)(uintptr_t)buf, c->lo };
		bd_hb_in(&h);
		if (h.ebx != 0x00010000u)
			return false;
	} else {
		for (uint32_t i = 0; i < len; i += 4) {
			r = bd_msg(c, MSG_RECVPAYLOAD, BDOOR_ST_SUCCESS);
			if (!bd_ok(r.ecx) || (r.edx >> 16) != MSG_SENDPAYLOAD)
				return false;
			for (uint32_t j = 0; j < 4 && i + j < len; j++)
				buf[i + j] = (char)(r.ebx >> (8 * j));
		}
	}
	buf[len] = 0;
	*out_len = len;
	return bd_ok(bd_msg(c, MSG_RECVSTATUS, BDOOR_ST_SUCCESS).ecx);
}

static inline bool bd_rpci(const struct bd_chan *c, const char *req, char *reply, uint32_t cap, bool hb)
{
	uint32_t n;
	return bd_chan_send(c, req, bd_strlen(req) + 1, hb) && bd_chan_recv(c, reply, cap, &n, hb);
}

#endif
