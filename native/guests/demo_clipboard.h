/*
 * demo_clipboard.h: the legacy v1 clipboard of the backdoor (vmware-backdoor.md §8.1,
 * commands 6-9) for the demo guest. Included once, by demo.c. The guest starts every
 * transfer: text is UTF-8 in 4-byte little-endian pieces, at most 65436 bytes.
 *   clip_poll()           GETSELLENGTH (-1 not ready, -2 do not exchange, 0 empty), then
 *                         GETNEXTPIECE for the first CLIP_MAX-1 bytes; true when that text
 *                         differs from the last one seen, which is then in clip.shown
 *                         (control characters as spaces)
 *   clip_offer(text, n)   SETSELLENGTH + SETNEXTPIECE: the guest's selection for the host;
 *                         remembered as seen, so a host that hands it back is not news
 * Only the first CLIP_MAX-1 bytes are compared: two long texts with the same length and
 * the same beginning look alike (this keeps a poll at most 1 + 32 exits).
 */
#ifndef DEMO_CLIPBOARD_H
#define DEMO_CLIPBOARD_H

#include "demo_backdoor.h"

#define CLIP_MAX 129
#define CLIP_LIMIT 65436 /* MAX_SELECTION_BUFFER_LENGTH */
enum { BDOOR_GETSELLENGTH = 6, BDOOR_GETNEXTPIECE = 7, BDOOR_SETSELLENGTH = 8, BDOOR_SETNEXTPIECE = 9 };

static struct {
	int32_t last_len;      /* length of the last text seen (host's or offered); 0 = none */
	char last[CLIP_MAX];   /* its first bytes, raw */
	char shown[CLIP_MAX];  /* the host text as printable, after clip_poll() returned true */
} clip;

static void clip_remember(const char *raw, int32_t len, uint32_t kept)
{
	clip.last_len = len;
	memcpy(clip.last, raw, kept);
	clip.last[kept] = 0;
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
	if (len == clip.last_len && memcmp(buf, clip.last, n) == 0)
		return false;
	clip_remember(buf, len, n);
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
	clip_remember(text, (int32_t)n, n < CLIP_MAX - 1 ? n : CLIP_MAX - 1);
	return true;
}

#endif
