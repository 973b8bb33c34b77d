/*
 * demo_time.h: clocks for the demo guest (included once, by demo.c).
 *   rtc_time_of_day(&secs)   UTC seconds since midnight from the MC146818 CMOS clock
 *                            (ports 0x70/0x71; register B bit 2 binary/BCD, bit 1 24 h);
 *                            false when no RTC answers or a value is out of range
 *   host_time(&secs)         host UTC seconds through the backdoor, tried in the order
 *                            of open-vm-tools timeSync.c (docs/vmware-backdoor.md §6):
 *                            55 GETTIMEFULL_WITH_LAG, 46 GETTIMEFULL (success = EAX
 *                            still magic, seconds in ESI:EDX), 23 GETTIME (EAX seconds,
 *                            all-ones = error)
 *   sb_clock(&b, secs)       "HH:MM:SS" of a time of day
 *   sb_date_time(&b, secs)   "YYYY-MM-DD HH:MM:SS" of Unix seconds (years 1970-9999)
 */
#ifndef DEMO_TIME_H
#define DEMO_TIME_H

#include "demo_backdoor.h"
#include "demo_str.h"

static uint8_t cmos_read(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static bool rtc_time_of_day(uint32_t *secs)
{
	uint8_t b = cmos_read(0x0b);
	uint8_t v[3] = {cmos_read(0x00), cmos_read(0x02), cmos_read(0x04)};
	if (b == 0xff)
		return false; /* no RTC: an open bus reads all-ones */
	bool pm = false;
	if (!(b & 0x02)) { /* 12-hour mode: PM in bit 7 of the hours */
		pm = v[2] & 0x80;
		v[2] &= 0x7f;
	}
	for (unsigned i = 0; i < 3 && !(b & 0x04); i++)
		v[i] = (uint8_t)((v[i] >> 4) * 10 + (v[i] & 0x0f));
	if (!(b & 0x02))
		v[2] = (uint8_t)(v[2] % 12 + (pm ? 12 : 0));
	if (v[0] > 59 || v[1] > 59 || v[2] > 23)
		return false;
	*secs = v[2] * 3600u + v[1] * 60u + v[0];
	return true;
}

static bool host_time(uint64_t *secs)
{
	static const uint32_t full[2] = {55, 46};
	for (unsigned i = 0; i < 2; i++) {
		struct bd r = bd_cmd(full[i], 0);
		uint64_t s = (uint64_t)r.esi << 32 | r.edx;
		if (r.eax == BDOOR_MAGIC && s) {
			*secs = s;
			return true;
		}
	}
	struct bd r = bd_cmd(23, 0);
	if (r.eax == 0xffffffffu || r.eax == 0 || r.eax == BDOOR_MAGIC)
		return false;
	*secs = r.eax;
	return true;
}

static void sb_clock(struct sbuf *b, uint32_t secs)
{
	sb_uint(b, secs / 3600 % 24, 2);
	sb_char(b, ':');
	sb_uint(b, secs / 60 % 60, 2);
	sb_char(b, ':');
	sb_uint(b, secs % 60, 2);
}

static bool leap_year(uint32_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool sb_date_time(struct sbuf *b, uint64_t secs)
{
	static const uint8_t month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (secs >= 253402300800ull) /* 10000-01-01 */
		return false;
	uint64_t days64 = secs;
	uint32_t in_day = div64_32(&days64, 86400);
	uint32_t days = (uint32_t)days64, year = 1970, month = 0;
	while (days >= (leap_year(year) ? 366u : 365u))
		days -= leap_year(year++) ? 366 : 365;
	for (;;) {
		uint32_t n = month_days[month] + (month == 1 && leap_year(year) ? 1u : 0u);
		if (days < n)
			break;
		days -= n;
		month++;
	}
	sb_uint(b, year, 4);
	sb_char(b, '-');
	sb_uint(b, month + 1, 2);
	sb_char(b, '-');
	sb_uint(b, days + 1, 2);
	sb_char(b, ' ');
	sb_clock(b, in_day);
	return true;
}

#endif
