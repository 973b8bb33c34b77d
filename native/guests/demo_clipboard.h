/*
 * demo_clipboard.h: the legacy v1 clipboard of the backdoor (docs/vmware-backdoor.md §8.1,
 * commands 6-9) for the demo guest. Included once, by demo.c. The guest starts every
 * transfer: text is UTF-8 in 4-byte little-endian pieces, at most 65436 bytes.
 *   clip_poll()           GETSELLENGTH (-1 not ready, -2 do not exchange, 0 empty), then
 *                         GETNEXTPIECE for the first CLIP_MAX-1 bytes; true when that text
 *                         differs from the host text seen before and from the guest's
 *                         own last offer (a host may hand that back); the text is then
 *                         in clip.shown (control characters as spaces)
 *   clip_offer(text, n)   SETSELLENGTH + SETNEXTPIECE: the guest's selection for the host
 * Only the first CLIP_MAX-1 bytes are compared: two long texts with the same length and
 * the same beginning look alike (this keeps a poll at most 1 + 32 exits).
 */
#ifndef DEMO_CLIPBOARD_H
#define DEMO_CLIPBOARD_H

#include "demo_backdoor.h"

#define CLIP_MAX 129
#define CLIP_LIMIT 65436 /* MAX_SELECTION_BUFFER_LENGTH */
enum { BDOOR_GETSELLENGTH = 6, BDOOR_GETNEXTPIECE = 7, BDOOR_SETSELLENGTH = 8, BDOOR_SETNEXTPIECE = 9 };

/* A text by its length and first bytes (raw); len 0 = none. */
struct clip_text {
	int32_t len;
	char head[CLIP_MAX];
};

static struct {
	struct clip_text host;  /* last host text seen */
	struct clip_text mine;  /* last text the guest offered */
	char shown[CLIP_MAX];   /* the host text as printable, after clip_poll() returned true */
} clip;

static bool clip_same(const struct clip_text *t, const char *raw, int32_t len, uint32_t kept)
{
	return t->len == len && memcmp(t->head, raw, kept) == 0;
}

static void clip_remember(struct clip_text *t, const char *raw, int32_t len, uint32_t kept)
{
	t->len = len;
	memcpy(t->head, raw, kept);
	t->head[kept] = 0;
}

static bool clip_poll(void)
{
	char buf[CLIP_MAX];
	int32_t len = (int32_t)bd_cmd(BDOOR_GETSELLENGTH, 0).eax;
	if (len <= 0 || len > CLIP_LIMIT)
		return false;
	uint32_t n = (uint32_t)len < CLIP_MAX - 1 ? (uint32_t)len : CLIP_MAX - 1;
	for (uint32_t i = 0; i < n; i += 4) {
		uint32_t w = bd_cmd(BDOOR_GETNEXTPIECE, 0).eax;
		for (uint32_t j = 0; j < 4 && i + j < n; j++)
			buf[i + j] = (char)(w >> (8 * j));
	}
	buf[n] = 0;
	if (clip_same(&clip.host, buf, len, n))
		return false;
	clip_remember(&clip.host, buf, len, n);
	if (clip_same(&clip.mine, buf, len, n))
		return false;
	for (uint32_t i = 0; i <= n; i++) {
		uint8_t c = (uint8_t)buf[i];
		clip.shown[i] = (i < n && (c < 0x20 || c == 0x7f)) ? ' ' : (char)c;
	}
	return true;
}

static bool clip_offer(const char *text, uint32_t n)
{
	if (n > CLIP_LIMIT)
		return false;
	if (bd_cmd(BDOOR_SETSELLENGTH, n).eax == 0xffffffffu)
		return false; /* the command is unknown to this host (QEMU's vmport) */
	for (uint32_t i = 0; i < n; i += 4) {
		uint32_t w = 0;
		for (uint32_t j = 0; j < 4 && i + j < n; j++)
			w |= (uint32_t)(uint8_t)text[i + j] << (8 * j);
		bd_cmd(BDOOR_SETNEXTPIECE, w);
	}
	clip_remember(&clip.mine, text, (int32_t)n, n < CLIP_MAX - 1 ? n : CLIP_MAX - 1);
	return true;
}

#endif
