/*
 * bd_rtc.h: the MC146818 CMOS clock (ports 0x70/0x71) as a Linux guest's hwclock uses
 * it, in Unix seconds. Included once, by timesync.c.
 *   rtc_read(&secs)    reads 0x00 seconds, 0x02 minutes, 0x04 hours, 0x07 day, 0x08 month,
 *                      0x09 year, 0x32 century until two passes agree (a second may tick
 *                      between two bytes); register B bit 2 = binary (else BCD), bit 1 =
 *                      24-hour (else 12-hour with PM in hours bit 7). False when no RTC
 *                      answers or a field is out of range
 *   rtc_write(secs)    register B SET (bit 7) on, the seven fields, SET off: the clock
 *                      restarts from the written time (Linux mc146818_set_time)
 *   civil_to_unix(y, m, d, hh, mm, ss), unix_to_civil(secs, &tm)
 *                      proleptic Gregorian calendar, years 1970..9999
 */
#ifndef BD_RTC_H
#define BD_RTC_H

#include "guest.h"

#define RTC_INDEX 0x70
#define RTC_DATA 0x71
enum { RTC_SEC = 0x00, RTC_MIN = 0x02, RTC_HOUR = 0x04, RTC_DAY = 0x07, RTC_MONTH = 0x08,
       RTC_YEAR = 0x09, RTC_REG_B = 0x0b, RTC_CENTURY = 0x32 };
#define RTC_B_SET 0x80
#define RTC_B_BINARY 0x04
#define RTC_B_24H 0x02
#define RTC_PM 0x80

struct civil {
	uint32_t year, month, day, hour, min, sec;
};

static uint8_t cmos_read(uint8_t reg)
{
	outb(RTC_INDEX, reg);
	return inb(RTC_DATA);
}

static void cmos_write(uint8_t reg, uint8_t v)
{
	outb(RTC_INDEX, reg);
	outb(RTC_DATA, v);
}

/* Days since 1970-01-01 of a date: years counted from March so that February's leap day
 * ends the year, eras of 400 years = 146097 days. */
static uint32_t days_from_civil(uint32_t y, uint32_t m, uint32_t d)
{
	y -= m <= 2;
	uint32_t era = y / 400, yoe = y - era * 400;
	uint32_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	uint32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468; /* 719468 = days from 0000-03-01 to 1970-01-01 */
}

static uint64_t civil_to_unix(const struct civil *t)
{
	return (uint64_t)days_from_civil(t->year, t->month, t->day) * 86400u + t->hour * 3600u + t->min * 60u + t->sec;
}

static void unix_to_civil(uint64_t secs, struct civil *t)
{
	uint32_t sod = div64_32(&secs, 86400);
	uint32_t z = (uint32_t)secs + 719468;
	uint32_t era = z / 146097, doe = z - era * 146097;
	uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint32_t mp = (5 * doy + 2) / 153;
	t->day = doy - (153 * mp + 2) / 5 + 1;
	t->month = mp < 10 ? mp + 3 : mp - 9;
	t->year = yoe + era * 400 + (t->month <= 2);
	t->hour = sod / 3600;
	t->min = sod / 60 % 60;
	t->sec = sod % 60;
}

static bool rtc_decode(uint8_t raw, bool binary, uint32_t *v)
{
	if (binary) {
		*v = raw;
		return true;
	}
	if ((raw & 0x0f) > 9 || (raw >> 4) > 9)
		return false;
	*v = (raw >> 4) * 10u + (raw & 0x0f);
	return true;
}

static uint8_t rtc_encode(uint32_t v, bool binary)
{
	return binary ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static bool rtc_read(uint64_t *secs)
{
	static const uint8_t regs[7] = { RTC_SEC, RTC_MIN, RTC_HOUR, RTC_DAY, RTC_MONTH, RTC_YEAR, RTC_CENTURY };
	uint8_t raw[7], again[7];
	uint8_t b = cmos_read(RTC_REG_B);
	if (b == 0xff)
		return false; /* no RTC: an open bus reads all-ones */
	for (unsigned i = 0; i < 7; i++)
		again[i] = cmos_read(regs[i]);
	for (unsigned tries = 0;; tries++) {
		memcpy(raw, again, sizeof raw);
		for (unsigned i = 0; i < 7; i++)
			again[i] = cmos_read(regs[i]);
		if (!memcmp(raw, again, sizeof raw))
			break;
		if (tries == 4)
			return false;
	}
	bool binary = b & RTC_B_BINARY, pm = false;
	if (!(b & RTC_B_24H)) {
		pm = raw[2] & RTC_PM;
		raw[2] &= (uint8_t)~RTC_PM;
	}
	uint32_t v[7];
	for (unsigned i = 0; i < 7; i++)
		if (!rtc_decode(raw[i], binary, &v[i]))
			return false;
	if (!(b & RTC_B_24H)) {
		if (v[2] < 1 || v[2] > 12)
			return false;
		v[2] = v[2] % 12 + (pm ? 12 : 0);
	}
	struct civil t = { v[6] * 100 + v[5], v[4], v[3], v[2], v[1], v[0] };
	if (t.sec > 59 || t.min > 59 || t.hour > 23 || t.day < 1 || t.day > 31 || t.month < 1 || t.month > 12 ||
	    t.year < 1970)
		return false;
	*secs = civil_to_unix(&t);
	return true;
}

static void rtc_write(uint64_t secs)
{
	struct civil t;
	unix_to_civil(secs, &t);
	uint8_t b = cmos_read(RTC_REG_B);
	bool binary = b & RTC_B_BINARY;
	uint32_t hour = t.hour;
	uint8_t hour_raw;
	if (b & RTC_B_24H) {
		hour_raw = rtc_encode(hour, binary);
	} else {
		hour_raw = rtc_encode(hour % 12 == 0 ? 12 : hour % 12, binary) | (hour >= 12 ? RTC_PM : 0);
	}
	cmos_write(RTC_REG_B, b | RTC_B_SET);
	cmos_write(RTC_SEC, rtc_encode(t.sec, binary));
	cmos_write(RTC_MIN, rtc_encode(t.min, binary));
	cmos_write(RTC_HOUR, hour_raw);
	cmos_write(RTC_DAY, rtc_encode(t.day, binary));
	cmos_write(RTC_MONTH, rtc_encode(t.month, binary));
	cmos_write(RTC_YEAR, rtc_encode(t.year % 100, binary));
	cmos_write(RTC_CENTURY, rtc_encode(t.year / 100, binary));
	cmos_write(RTC_REG_B, b & (uint8_t)~RTC_B_SET);
}

#endif
