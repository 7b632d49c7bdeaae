/* watchers.c — bench/sim's watch fan-out client: N watches of one kubesim
 * path over plain HTTP/1.1 from one poll() loop, for S seconds, reporting
 * how far behind each watcher is.
 *
 *   watchers PORT PATH N SECONDS
 *   (PATH includes the query, e.g. "/api/v1/pods?watch=1&resourceVersion=123")
 *
 * Two lag figures, both in milliseconds:
 *  - stamp lag: kubesim --churn writes the annotation kubesim.io/churn-ts
 *    (wall-clock µs) into every metadata change it makes. Later changes of
 *    the same object carry the old stamp, so only the first event carrying
 *    a given stamp at a given watcher is the stamping write: lag = arrival −
 *    stamp for those.
 *  Both are sampled after a 2 s warm-up (the window's replay at connect
 *  carries old stamps).
 *  - spread: for every resourceVersion, arrival at this watcher − first
 *    arrival at any watcher (how much a slow watcher trails the fastest).
 * One line of key=value figures on stdout; a watcher whose stream ends
 * early or carries an ERROR event is counted in dropped/errors.
 * events_per_s and stamped_per_s are the slowest watcher's events and
 * stamping writes per second of the run (stamped_per_s is churn's metadata
 * changes of the watched kind as that watcher saw them).
 *
 * Owned by bench/sim (the sim maintainer). Not part of the build: run.sh
 * compiles it with cc.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MAXW 256
#define RV_SPAN (1u << 22) /* resourceVersions tracked after the first one seen */

typedef struct watcher {
    int fd;
    char *buf; /* raw bytes not yet decoded */
    size_t len, cap;
    bool headers_done, closed;
    size_t chunk_left; /* bytes left in the current chunk, 0 = expect a size line */
    char *line;        /* the event line being assembled */
    size_t llen, lcap;
    uint64_t events, stamped, errors;
    uint64_t last_rv;
} watcher_t;

static int64_t now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* samples */
static double *stamp_ms, *spread_ms;
static size_t nstamp, capstamp, nspread, capspread;
static void push(double **v, size_t *n, size_t *cap, double x)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 4096;
        *v = realloc(*v, *cap * sizeof **v);
    }
    (*v)[(*n)++] = x;
}

/* first arrival per resourceVersion */
static uint64_t rv0;
static int64_t *first_at;

/* stamp value → bitmask of watchers that already saw it (open addressing) */
typedef struct seen {
    int64_t stamp;
    uint64_t mask[MAXW / 64];
} seen_t;
static seen_t *seen;
static size_t seen_cap = 1u << 20;

static seen_t *seen_get(int64_t stamp)
{
    size_t i = (size_t)((uint64_t)stamp * 0x9E3779B97F4A7C15ull >> 40) & (seen_cap - 1);
    while (seen[i].stamp && seen[i].stamp != stamp) i = (i + 1) & (seen_cap - 1);
    seen[i].stamp = stamp;
    return &seen[i];
}

/* Events replayed from the window at connect carry old stamps: samples
 * start after a warm-up. */
static int64_t measure_from, started_at;

static void on_event(watcher_t *w, int idx, const char *p, size_t n)
{
    int64_t t = now_us();
    bool sample = t >= measure_from;
    w->events++;
    if (n > 9 && memcmp(p, "{\"type\":\"ERROR\"", 15 < n ? 15 : n) == 0) w->errors++;
    static const char rvk[] = "\"resourceVersion\":\"";
    const char *r = memmem(p, n, rvk, sizeof rvk - 1);
    if (r) {
        uint64_t rv = strtoull(r + sizeof rvk - 1, NULL, 10);
        w->last_rv = rv;
        if (!rv0) rv0 = rv;
        if (rv >= rv0 && rv - rv0 < RV_SPAN) {
            int64_t *f = &first_at[rv - rv0];
            if (!*f) *f = t;
            else if (sample) push(&spread_ms, &nspread, &capspread, (double)(t - *f) / 1000.0);
        }
    }
    static const char sk[] = "\"kubesim.io/churn-ts\":\"";
    const char *s = memmem(p, n, sk, sizeof sk - 1);
    if (s) {
        int64_t stamp = strtoll(s + sizeof sk - 1, NULL, 10);
        /* A stamp from before this program started may belong to a write
         * older than the watch's resourceVersion: its first sighting here
         * is some later change of the object, not the stamping one. */
        if (stamp >= started_at) {
            seen_t *e = seen_get(stamp);
            uint64_t bit = 1ull << (idx % 64);
            if (!(e->mask[idx / 64] & bit)) {
                e->mask[idx / 64] |= bit;
                w->stamped++;
                if (sample) push(&stamp_ms, &nstamp, &capstamp, (double)(t - stamp) / 1000.0);
            }
        }
    }
}

static void line_add(watcher_t *w, int idx, const char *p, size_t n)
{
    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        if (w->llen + take > w->lcap) {
            w->lcap = (w->llen + take) * 2;
            w->line = realloc(w->line, w->lcap);
        }
        memcpy(w->line + w->llen, p, take);
        w->llen += take;
        if (!nl) return;
        if (w->llen) on_event(w, idx, w->line, w->llen);
        w->llen = 0;
        p = nl + 1;
        n -= take + 1;
    }
}

/* Decode what is buffered: headers once, then chunked transfer coding. */
static void decode(watcher_t *w, int idx)
{
    size_t pos = 0;
    if (!w->headers_done) {
        char *end = memmem(w->buf, w->len, "\r\n\r\n", 4);
        if (!end) return;
        if (strncmp(w->buf, "HTTP/1.1 200", 12) != 0) {
            fprintf(stderr, "watcher %d: %.*s\n", idx, (int)(strchr(w->buf, '\r') - w->buf), w->buf);
            w->errors++;
        }
        w->headers_done = true;
        pos = (size_t)(end + 4 - w->buf);
    }
    for (;;) {
        if (w->chunk_left == 0) {
            char *crlf = memmem(w->buf + pos, w->len - pos, "\r\n", 2);
            if (!crlf) break;
            if (crlf == w->buf + pos) { /* the CRLF after a chunk's data */
                pos += 2;
                continue;
            }
            size_t sz = strtoul(w->buf + pos, NULL, 16);
            pos = (size_t)(crlf + 2 - w->buf);
            if (sz == 0) {
                w->closed = true;
                break;
            }
            w->chunk_left = sz;
        }
        size_t avail = w->len - pos;
        if (!avail) break;
        size_t take = avail < w->chunk_left ? avail : w->chunk_left;
        line_add(w, idx, w->buf + pos, take);
        pos += take;
        w->chunk_left -= take;
    }
    memmove(w->buf, w->buf + pos, w->len - pos);
    w->len -= pos;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
    if (!n) return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i];
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: watchers PORT PATH N SECONDS\n");
        return 2;
    }
    int port = atoi(argv[1]), n = atoi(argv[3]);
    double secs = atof(argv[4]);
    if (n < 1 || n > MAXW) return 2;
    first_at = calloc(RV_SPAN, sizeof *first_at);
    seen = calloc(seen_cap, sizeof *seen);
    watcher_t *ws = calloc((size_t)n, sizeof *ws);
    struct pollfd *pfd = calloc((size_t)n, sizeof *pfd);
    char req[2048];
    int rl = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n",
                      argv[2]);
    for (int i = 0; i < n; i++) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        ws[i].fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(ws[i].fd, (struct sockaddr *)&a, sizeof a) < 0 || write(ws[i].fd, req, (size_t)rl) != rl) {
            perror("connect");
            return 1;
        }
        ws[i].cap = 1 << 20;
        ws[i].buf = malloc(ws[i].cap);
        pfd[i].fd = ws[i].fd;
        pfd[i].events = POLLIN;
    }
    started_at = now_us();
    measure_from = started_at + 2000000;
    int64_t end = now_us() + (int64_t)(secs * 1e6);
    while (now_us() < end) {
        int r = poll(pfd, (nfds_t)n, 100);
        if (r < 0 && errno != EINTR) break;
        for (int i = 0; i < n; i++) {
            if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            watcher_t *w = &ws[i];
            if (w->cap - w->len < 65536) {
                w->cap *= 2;
                w->buf = realloc(w->buf, w->cap);
            }
            ssize_t got = read(w->fd, w->buf + w->len, w->cap - w->len);
            if (got <= 0) {
                w->closed = true;
                pfd[i].fd = -1;
                continue;
            }
            w->len += (size_t)got;
            decode(w, i);
            if (w->closed) pfd[i].fd = -1;
        }
    }
    uint64_t min_ev = UINT64_MAX, max_ev = 0, max_rv = 0, min_rv = UINT64_MAX, dropped = 0, errors = 0;
    uint64_t min_stamped = UINT64_MAX;
    for (int i = 0; i < n; i++) {
        if (ws[i].stamped < min_stamped) min_stamped = ws[i].stamped;
        if (ws[i].events < min_ev) min_ev = ws[i].events;
        if (ws[i].events > max_ev) max_ev = ws[i].events;
        if (ws[i].last_rv > max_rv) max_rv = ws[i].last_rv;
        if (ws[i].last_rv < min_rv) min_rv = ws[i].last_rv;
        dropped += ws[i].closed;
        errors += ws[i].errors;
    }
    qsort(stamp_ms, nstamp, sizeof *stamp_ms, cmp_d);
    qsort(spread_ms, nspread, sizeof *spread_ms, cmp_d);
    printf("watchers=%d seconds=%.0f events_min=%llu events_max=%llu rv_gap_at_end=%llu dropped=%llu errors=%llu "
           "stamped=%zu lag_p50_ms=%.1f lag_p99_ms=%.1f lag_max_ms=%.1f spread_p50_ms=%.2f spread_p99_ms=%.1f "
           "spread_max_ms=%.1f events_per_s=%.1f stamped_per_s=%.1f\n",
           n, secs, (unsigned long long)min_ev, (unsigned long long)max_ev, (unsigned long long)(max_rv - min_rv),
           (unsigned long long)dropped, (unsigned long long)errors, nstamp, pct(stamp_ms, nstamp, 0.5),
           pct(stamp_ms, nstamp, 0.99), nstamp ? stamp_ms[nstamp - 1] : 0, pct(spread_ms, nspread, 0.5),
           pct(spread_ms, nspread, 0.99), nspread ? spread_ms[nspread - 1] : 0, (double)min_ev / secs,
           (double)min_stamped / secs);
    return 0;
}
