/* clock.c — time helpers; see clock.h. */
#include "clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

uint64_t clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t clock_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_rfc3339_ms(int64_t epoch_ms, char out[32])
{
    time_t s = (time_t)(epoch_ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    /* the years 0-9999 fit; clamp so the compiler can see they do */
    unsigned year = (unsigned)(tm.tm_year + 1900) % 10000u, mon = (unsigned)tm.tm_mon % 12u + 1;
    unsigned ms = (unsigned)(epoch_ms % 1000 + 1000) % 1000u;
    snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", year, mon, (unsigned)tm.tm_mday % 32u,
             (unsigned)tm.tm_hour % 24u, (unsigned)tm.tm_min % 60u, (unsigned)tm.tm_sec % 61u, ms);
}

void clock_rfc3339(int64_t epoch_s, char out[32])
{
    time_t s = (time_t)epoch_s;
    struct tm tm;
    gmtime_r(&s, &tm);
    unsigned year = (unsigned)(tm.tm_year + 1900) % 10000u, mon = (unsigned)tm.tm_mon % 12u + 1;
    snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02uZ", year, mon, (unsigned)tm.tm_mday % 32u,
             (unsigned)tm.tm_hour % 24u, (unsigned)tm.tm_min % 60u, (unsigned)tm.tm_sec % 61u);
}

int64_t clock_parse_rfc3339(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!p) return -1;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') p++;
    }
    long off = 0;
    if (*p == 'Z' || *p == 'z') p++;
    else if (*p == '+' || *p == '-') {
        int hh, mm;
        if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2) return -1;
        off = (hh * 60 + mm) * 60 * (*p == '+' ? 1 : -1);
        p += 6;
    } else return -1;
    if (*p) return -1;
    return (int64_t)timegm(&tm) - off;
}
