/* wsload.c — many WebSocket subscribers against kubilitics, for bench/api
 * (built by run.sh with cc; replaces the Python driver, which could not
 * keep up with 1,000 sockets under churn and measured itself).
 *
 *   wsload --kb 127.0.0.1:PORT --sim 127.0.0.1:PORT --token T --cluster ID
 *          --clients 1000 --namespaces ns1,ns2,… [--probes 200]
 *          [--probe-ms 50] [--server-pid PID]
 *
 * 1. Opens --clients WebSockets to /api/v1/ws without subscribing and reads
 *    the server's resident memory (/proc/PID/status) before and after: the
 *    cost of an idle socket.
 * 2. Subscribes client i to namespace i mod len(namespaces), waits for every
 *    "subscribed".
 * 3. A second thread writes --probes ConfigMaps named wsp-PID-N into those
 *    namespaces (round robin, one every --probe-ms) straight to kubesim over
 *    a keep-alive connection, noting the monotonic time just before each
 *    request is sent. The main thread reads every socket (epoll) and, for
 *    each subscriber of the probe's namespace, takes the time from that
 *    write to the first delta naming the probe: the delivery latency of a
 *    change written to the cluster, under whatever churn kubesim runs.
 *    (kubesim's churn stamps its writes with kubesim.io/churn-ts, but
 *    topology deltas do not carry annotations, so the probes carry the
 *    write time instead.)
 * 4. Reference in the same run: one plain watch on kubesim's ConfigMaps
 *    (what kubilitics' reflector sees), read by the same epoll loop; the
 *    time from each probe's write to its watch event is kubesim's own
 *    share of the delivery latency (sim_latency_ms_*).
 * Prints one JSON line of figures. Loopback only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct client {
    int fd;
    int ns;           /* index into the namespaces */
    bool upgraded, subscribed;
    char *buf;        /* unread bytes */
    size_t len, cap;
    char *msg;        /* a fragmented message being assembled */
    size_t mlen, mcap;
} client_t;

static struct {
    const char *kb_host, *sim_host, *token, *cluster;
    int kb_port, sim_port;
    int clients, probes, probe_ms, server_pid;
    char **nss;
    int nns;
} A = {.clients = 1000, .probes = 200, .probe_ms = 50};

static _Atomic int64_t *probe_t; /* µs monotonic; 0 = not written yet */
static _Atomic int probes_sent;
static uint8_t *got;              /* probes × clients: delivered */
static double *lat;               /* ms */
static size_t nlat;
static double *slat;              /* ms, probe write → kubesim watch event */
static size_t nslat;
static uint8_t *sgot;
static uint64_t messages, bytes, resyncs, errors_seen;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long rss_bytes(void)
{
    if (A.server_pid <= 0) return -1;
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", A.server_pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1) break;
    fclose(f);
    return kb * 1024;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static int dial(const char *host, int port, bool block)
{
    int fd = socket(AF_INET, SOCK_STREAM | (block ? 0 : SOCK_NONBLOCK), 0);
    if (fd < 0) die("socket");
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &a.sin_addr);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) die("connect");
    return fd;
}

static void write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                usleep(100);
                continue;
            }
            die("write");
        }
        c += w;
        n -= (size_t)w;
    }
}

/* A client frame: masked, as RFC 6455 requires (mask 0: the XOR is a no-op). */
static void send_frame(int fd, int op, const char *p, size_t n)
{
    char h[14];
    size_t hl = 0;
    h[hl++] = (char)(0x80 | op);
    if (n < 126) h[hl++] = (char)(0x80 | n);
    else {
        h[hl++] = (char)(0x80 | 126);
        h[hl++] = (char)(n >> 8);
        h[hl++] = (char)n;
    }
    memset(h + hl, 0, 4);
    hl += 4;
    char *f = malloc(hl + n);
    memcpy(f, h, hl);
    memcpy(f + hl, p, n);
    write_all(fd, f, hl + n);
    free(f);
}

static void on_message(client_t *c, int idx, const char *p, size_t n)
{
    messages++;
    bytes += n;
    /* the type is near the start ({"sub":"ID","type":…}): no need to scan a
     * whole delta for it */
    size_t hn = n < 96 ? n : 96;
    if (!c->subscribed && memmem(p, hn, "\"subscribed\"", 12)) c->subscribed = true;
    if (memmem(p, hn, "\"type\":\"resync\"", 15)) resyncs++;
    if (memmem(p, hn, "\"type\":\"error\"", 14)) errors_seen++;
    char tag[32];
    int tl = snprintf(tag, sizeof tag, "wsp-%d-", (int)getpid());
    int64_t t = now_us();
    const char *q = p, *end = p + n;
    while ((q = memmem(q, (size_t)(end - q), tag, (size_t)tl))) {
        q += tl;
        long k = strtol(q, NULL, 10);
        if (k < 0 || k >= A.probes) continue;
        int64_t t0 = atomic_load(&probe_t[k]);
        uint8_t *g = &got[(size_t)k * (size_t)A.clients + (size_t)idx];
        if (!t0 || *g) continue;
        *g = 1;
        lat[nlat++] = (double)(t - t0) / 1000.0;
    }
}

/* Parse what a client has read: the 101 answer, then server frames. */
static void drain(client_t *c, int idx)
{
    size_t off = 0;
    if (!c->upgraded) {
        char *e = memmem(c->buf, c->len, "\r\n\r\n", 4);
        if (!e) return;
        if (c->len < 12 || memcmp(c->buf + 9, "101", 3) != 0) {
            fprintf(stderr, "upgrade refused: %.*s\n", (int)(c->len < 200 ? c->len : 200), c->buf);
            exit(1);
        }
        c->upgraded = true;
        off = (size_t)(e + 4 - c->buf);
    }
    for (;;) {
        const unsigned char *b = (const unsigned char *)c->buf + off;
        size_t avail = c->len - off;
        if (avail < 2) break;
        int op = b[0] & 0x0f;
        bool fin = b[0] & 0x80;
        uint64_t n = b[1] & 0x7f;
        size_t hl = 2;
        if (n == 126) {
            if (avail < 4) break;
            n = (uint64_t)b[2] << 8 | b[3];
            hl = 4;
        } else if (n == 127) {
            if (avail < 10) break;
            n = 0;
            for (int i = 0; i < 8; i++) n = n << 8 | b[2 + i];
            hl = 10;
        }
        if (avail < hl + n) break;
        const char *pl = (const char *)b + hl;
        if (op == 9) send_frame(c->fd, 10, pl, (size_t)n); /* ping → pong */
        else if (op == 8) {
            fprintf(stderr, "client %d: closed by the server\n", idx);
        } else if (op == 1 || op == 0) {
            if (op == 1 && fin) on_message(c, idx, pl, (size_t)n);
            else {
                if (c->mlen + n > c->mcap) {
                    c->mcap = (c->mlen + n) * 2;
                    c->msg = realloc(c->msg, c->mcap);
                }
                memcpy(c->msg + c->mlen, pl, (size_t)n);
                c->mlen += (size_t)n;
                if (fin) {
                    on_message(c, idx, c->msg, c->mlen);
                    c->mlen = 0;
                }
            }
        }
        off += hl + (size_t)n;
    }
    memmove(c->buf, c->buf + off, c->len - off);
    c->len -= off;
}

static void read_client(client_t *c, int idx)
{
    for (;;) {
        if (c->cap - c->len < 65536) {
            c->cap = c->cap ? c->cap * 2 : 131072;
            c->buf = realloc(c->buf, c->cap);
        }
        ssize_t r = read(c->fd, c->buf + c->len, c->cap - c->len);
        if (r > 0) {
            c->len += (size_t)r;
            continue;
        }
        if (r == 0) {
            fprintf(stderr, "client %d: connection closed\n", idx);
            close(c->fd);
            c->fd = -1;
        } else if (errno != EAGAIN && errno != EINTR) {
            perror("read");
            close(c->fd);
            c->fd = -1;
        }
        break;
    }
    drain(c, idx);
    /* a client that read nothing for long keeps a small buffer */
    if (!c->len && c->cap > 262144) {
        free(c->buf);
        c->buf = NULL;
        c->cap = 0;
    }
}

/* ---- the reference: a raw watch on kubesim ---- */

#define SIMW_IDX 0xfffffffu
static int simw_fd = -1;
static char simw_tail[64]; /* the end of the previous read: a name may straddle reads */
static size_t simw_tl;

static void simw_open(int ep)
{
    simw_fd = dial(A.sim_host, A.sim_port, true);
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "GET /api/v1/configmaps?watch=1 HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n\r\n",
                     A.sim_host, A.sim_port, A.token);
    write_all(simw_fd, req, (size_t)n);
    if (fcntl(simw_fd, F_SETFL, fcntl(simw_fd, F_GETFL) | O_NONBLOCK) < 0) die("fcntl");
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = SIMW_IDX};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, simw_fd, &ev) < 0) die("epoll_ctl");
}

static void simw_read(void)
{
    static char buf[1 << 17];
    char tag[32];
    int tl = snprintf(tag, sizeof tag, "wsp-%d-", (int)getpid());
    for (;;) {
        memcpy(buf, simw_tail, simw_tl);
        ssize_t r = read(simw_fd, buf + simw_tl, sizeof buf - simw_tl - 1);
        if (r <= 0) {
            if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                close(simw_fd);
                simw_fd = -1;
            }
            return;
        }
        int64_t t = now_us();
        size_t n = simw_tl + (size_t)r;
        const char *q = buf, *end = buf + n;
        while ((q = memmem(q, (size_t)(end - q), tag, (size_t)tl))) {
            q += tl;
            if (end - q < 12) break; /* maybe cut: seen again with the tail */
            long k = strtol(q, NULL, 10);
            if (k < 0 || k >= A.probes || sgot[k]) continue;
            int64_t t0 = atomic_load(&probe_t[k]);
            if (!t0) continue;
            sgot[k] = 1;
            slat[nslat++] = (double)(t - t0) / 1000.0;
        }
        simw_tl = n < sizeof simw_tail ? n : sizeof simw_tail;
        memcpy(simw_tail, buf + n - simw_tl, simw_tl);
    }
}

static void pump(int ep, client_t *cl, int ms)
{
    struct epoll_event ev[256];
    int n = epoll_wait(ep, ev, 256, ms);
    for (int i = 0; i < n; i++) {
        uint32_t idx = ev[i].data.u32;
        if (idx == SIMW_IDX) {
            if (simw_fd >= 0) simw_read();
            continue;
        }
        if (cl[idx].fd >= 0) read_client(&cl[idx], (int)idx);
    }
}

/* ---- probes: blocking HTTP/1.1 to kubesim on its own thread ---- */

static void *prober(void *unused)
{
    (void)unused;
    int fd = dial(A.sim_host, A.sim_port, true);
    char body[512], req[2048], resp[65536];
    for (int k = 0; k < A.probes; k++) {
        const char *ns = A.nss[k % A.nns];
        int bl = snprintf(body, sizeof body,
                          "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"wsp-%d-%d\","
                          "\"namespace\":\"%s\"},\"data\":{\"k\":\"v\"}}",
                          (int)getpid(), k, ns);
        int rl = snprintf(req, sizeof req,
                          "POST /api/v1/namespaces/%s/configmaps HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer "
                          "%s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
                          ns, A.sim_host, A.sim_port, A.token, bl, body);
        int64_t t0 = now_us();
        atomic_store(&probe_t[k], t0);
        write_all(fd, req, (size_t)rl);
        /* read one answer: headers, then Content-Length bytes */
        size_t have = 0;
        long want = -1;
        for (;;) {
            ssize_t r = read(fd, resp + have, sizeof resp - 1 - have);
            if (r <= 0) die("probe read");
            have += (size_t)r;
            resp[have] = '\0';
            char *e = strstr(resp, "\r\n\r\n");
            if (!e) continue;
            if (want < 0) {
                char *cl = strcasestr(resp, "Content-Length:");
                want = cl ? strtol(cl + 15, NULL, 10) : 0;
                if (strncmp(resp + 9, "201", 3) != 0 && strncmp(resp + 9, "200", 3) != 0)
                    fprintf(stderr, "probe %d: %.60s\n", k, resp);
            }
            if ((long)(have - (size_t)(e + 4 - resp)) >= want) break;
        }
        atomic_fetch_add(&probes_sent, 1);
        int64_t next = t0 + (int64_t)A.probe_ms * 1000;
        int64_t now = now_us();
        if (next > now) usleep((useconds_t)(next - now));
    }
    close(fd);
    return NULL;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void hostport(const char *s, const char **host, int *port)
{
    const char *p = strstr(s, "//");
    p = p ? p + 2 : s;
    char *h = strdup(p);
    char *c = strrchr(h, ':');
    if (!c) {
        fprintf(stderr, "expected HOST:PORT, got %s\n", s);
        exit(2);
    }
    *c = '\0';
    *port = atoi(c + 1);
    char *slash = strchr(c + 1, '/');
    if (slash) *slash = '\0';
    *host = h;
}

int main(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--kb")) hostport(v, &A.kb_host, &A.kb_port);
        else if (!strcmp(k, "--sim")) hostport(v, &A.sim_host, &A.sim_port);
        else if (!strcmp(k, "--token")) A.token = v;
        else if (!strcmp(k, "--cluster")) A.cluster = v;
        else if (!strcmp(k, "--clients")) A.clients = atoi(v);
        else if (!strcmp(k, "--probes")) A.probes = atoi(v);
        else if (!strcmp(k, "--probe-ms")) A.probe_ms = atoi(v);
        else if (!strcmp(k, "--server-pid")) A.server_pid = atoi(v);
        else if (!strcmp(k, "--namespaces")) {
            char *s = strdup(v);
            for (char *t = strtok(s, ","); t; t = strtok(NULL, ",")) {
                A.nss = realloc(A.nss, (size_t)(A.nns + 1) * sizeof *A.nss);
                A.nss[A.nns++] = t;
            }
        } else {
            fprintf(stderr, "unknown option %s\n", k);
            return 2;
        }
    }
    if (!A.kb_host || !A.sim_host || !A.token || !A.cluster || !A.nns || A.clients < 1) {
        fprintf(stderr, "usage: wsload --kb H:P --sim H:P --token T --cluster ID --namespaces a,b "
                        "[--clients N] [--probes N] [--probe-ms MS] [--server-pid PID]\n");
        return 2;
    }
    struct rlimit rl = {65536, 65536};
    setrlimit(RLIMIT_NOFILE, &rl);
    probe_t = calloc((size_t)A.probes, sizeof *probe_t);
    got = calloc((size_t)A.probes * (size_t)A.clients, 1);
    lat = calloc((size_t)A.probes * (size_t)A.clients + 1, sizeof *lat);
    slat = calloc((size_t)A.probes + 1, sizeof *slat);
    sgot = calloc((size_t)A.probes + 1, 1);
    client_t *cl = calloc((size_t)A.clients, sizeof *cl);
    int ep = epoll_create1(0);

    sleep(1);
    long rss0 = rss_bytes();
    char req[512];
    int rqlen = snprintf(req, sizeof req,
                         "GET /api/v1/ws HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                         A.kb_host, A.kb_port);
    for (int i = 0; i < A.clients; i++) {
        cl[i].fd = dial(A.kb_host, A.kb_port, true); /* blocking connect, then non-blocking */
        cl[i].ns = i % A.nns;
        write_all(cl[i].fd, req, (size_t)rqlen);
        if (fcntl(cl[i].fd, F_SETFL, fcntl(cl[i].fd, F_GETFL) | O_NONBLOCK) < 0) die("fcntl");
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, cl[i].fd, &ev) < 0) die("epoll_ctl");
        /* keep up with the answers as they come */
        if (i % 64 == 63) pump(ep, cl, 0);
    }
    int64_t dl = now_us() + 30000000;
    for (;;) {
        int up = 0;
        for (int i = 0; i < A.clients; i++) up += cl[i].upgraded;
        if (up == A.clients || now_us() > dl) {
            if (up != A.clients) fprintf(stderr, "only %d of %d sockets upgraded\n", up, A.clients);
            break;
        }
        pump(ep, cl, 100);
    }
    int64_t settle = now_us() + 2000000;
    while (now_us() < settle) pump(ep, cl, 100);
    long rss1 = rss_bytes();

    char sub[512];
    for (int i = 0; i < A.clients; i++) {
        int n = snprintf(sub, sizeof sub, "{\"op\":\"subscribe\",\"id\":\"s\",\"cluster\":\"%s\",\"namespace\":\"%s\"}",
                         A.cluster, A.nss[cl[i].ns]);
        send_frame(cl[i].fd, 1, sub, (size_t)n);
        if (i % 64 == 63) pump(ep, cl, 0);
    }
    dl = now_us() + 60000000;
    int acked = 0;
    for (;;) {
        acked = 0;
        for (int i = 0; i < A.clients; i++) acked += cl[i].subscribed;
        if (acked == A.clients || now_us() > dl) break;
        pump(ep, cl, 100);
    }
    settle = now_us() + 2000000;
    while (now_us() < settle) pump(ep, cl, 100);
    long rss2 = rss_bytes();

    simw_open(ep);
    settle = now_us() + 500000;
    while (now_us() < settle) pump(ep, cl, 100);
    uint64_t m0 = messages, b0 = bytes;
    int64_t t_start = now_us();
    pthread_t th;
    pthread_create(&th, NULL, prober, NULL);
    int64_t grace_until = 0;
    for (;;) {
        pump(ep, cl, 5);
        if (atomic_load(&probes_sent) == A.probes) {
            if (!grace_until) grace_until = now_us() + 5000000;
            size_t want = 0;
            for (int k = 0; k < A.probes; k++)
                for (int i = 0; i < A.clients; i++) want += cl[i].ns == k % A.nns;
            if (nlat >= want || now_us() > grace_until) break;
        }
    }
    int64_t t_end = now_us();
    pthread_join(th, NULL);
    size_t expected = 0;
    for (int k = 0; k < A.probes; k++)
        for (int i = 0; i < A.clients; i++) expected += cl[i].ns == k % A.nns;
    qsort(lat, nlat, sizeof *lat, cmpd);
    qsort(slat, nslat, sizeof *slat, cmpd);
#define PCT(p) (nlat ? lat[(size_t)((p) * (double)(nlat - 1) + 0.5)] : -1.0)
#define SPCT(p) (nslat ? slat[(size_t)((p) * (double)(nslat - 1) + 0.5)] : -1.0)
    double secs = (double)(t_end - t_start) / 1e6;
    printf("{\"clients\":%d,\"namespaces\":%d,\"acked\":%d,\"rss_before_mb\":%.1f,\"rss_idle_mb\":%.1f,"
           "\"rss_subscribed_mb\":%.1f,\"bytes_per_idle_ws\":%.0f,\"bytes_per_subscribed_ws\":%.0f,"
           "\"probes\":%d,\"deliveries\":%zu,\"missed\":%zu,\"latency_ms_p50\":%.2f,\"latency_ms_p90\":%.2f,"
           "\"latency_ms_p99\":%.2f,\"latency_ms_max\":%.2f,\"messages_per_s\":%.0f,\"mbytes_per_s\":%.2f,"
           "\"resyncs\":%llu,\"errors\":%llu,\"sim_events\":%zu,\"sim_latency_ms_p50\":%.2f,"
           "\"sim_latency_ms_p90\":%.2f,\"sim_latency_ms_p99\":%.2f,\"sim_latency_ms_max\":%.2f}\n",
           A.clients, A.nns, acked, rss0 / 1e6, rss1 / 1e6, rss2 / 1e6, (double)(rss1 - rss0) / A.clients,
           (double)(rss2 - rss0) / A.clients, A.probes, nlat, expected - nlat, PCT(0.5), PCT(0.9), PCT(0.99),
           PCT(1.0), (double)(messages - m0) / secs, (double)(bytes - b0) / secs / 1e6,
           (unsigned long long)resyncs, (unsigned long long)errors_seen, nslat, SPCT(0.5), SPCT(0.9), SPCT(0.99),
           SPCT(1.0));
    for (int i = 0; i < A.clients; i++)
        if (cl[i].fd >= 0) close(cl[i].fd);
    return 0;
}
