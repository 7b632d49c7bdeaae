/* ingest.c — bench/sync's in-process ingest measurement.
 *
 *   ingest [--rounds N] [--only ref|items|arena|ingest] [--kind Pod --group G --version v1 --resource pods
 *          --cluster-scoped] PAGE.json...
 *
 * Reads list response bodies captured from kubesim (bench/sync/run.sh
 * fetches them: /api/v1/pods?limit=500 and its continue pages) and measures,
 * in CPU seconds of this process, over the same bytes:
 *   reference  cJSON_ParseWithLength + cJSON_Delete of every page — the
 *              parse-only "ceiling" of issue 4;
 *   per item   the same, but of each item of each page on its own (cut out
 *              beforehand, untimed): cJSON's best case, small trees whose
 *              nodes malloc reuses at once (the old reflector's way);
 *   arena      jsonarena_parse + arena_reset of every page (the parser
 *              alone, for comparison with the reference);
 *   ingest     every page through a real reflector (kube_reflector__ingest_page:
 *              cut into items, sorted by resourceVersion, parsed, rv map,
 *              kind/apiVersion added, delivered) into a store with
 *              store_apply_event, as `kubilitics serve` wires them (without
 *              the topology graph). A fresh reflector and store per round:
 *              every object is an ADDED, as in an initial sync.
 * Each is run --rounds times (default 5), alternating, and the fastest
 * round is kept: on a shared machine the minimum is the least disturbed.
 * Prints one JSON object with MB/s (10^6 bytes per CPU second) and ratios.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <uv.h>

#include "base/arena.h"
#include "base/jsonarena.h"
#include "base/mem.h"
#include "kube/kube.h"
#include "kube/kube_int.h"
#include "store/store.h"

typedef struct page {
    char *data;
    size_t len;
} page_t;

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = xmalloc((size_t)n + 1);
    *len = fread(b, 1, (size_t)n, f);
    b[*len] = '\0';
    fclose(f);
    return b;
}

typedef struct sink {
    store_t *store;
    store_kind_t kind;
    size_t events, failed;
} sink_t;

static void on_event(int type, cJSON *obj, void *ud)
{
    sink_t *s = ud;
    err_t e = {0};
    s->events++;
    if (store_apply_event(s->store, type, &s->kind, obj, &e) != 0) s->failed++;
}

static double run_reference(const page_t *pages, size_t n)
{
    double t0 = cpu_now();
    for (size_t i = 0; i < n; i++) {
        cJSON *doc = cJSON_ParseWithLength(pages[i].data, pages[i].len);
        if (!doc) {
            fprintf(stderr, "page %zu: cJSON rejects it\n", i);
            exit(1);
        }
        cJSON_Delete(doc);
    }
    return cpu_now() - t0;
}

/* Each item's text, cut out of the pages (untimed). */
static page_t *cut_items(const page_t *pages, size_t n, size_t *nitems)
{
    page_t *v = NULL;
    size_t cap = 0;
    *nitems = 0;
    arena_t a = {0};
    for (size_t i = 0; i < n; i++) {
        const char *p = strstr(pages[i].data, "\"items\":[");
        if (!p) continue;
        p += 9;
        const char *end = pages[i].data + pages[i].len;
        while (p < end && *p != ']') {
            const char *e;
            if (!jsonarena_parse_prefix(&a, p, (size_t)(end - p), &e)) break;
            arena_reset(&a);
            while (p < e && *p != '{') p++;
            if (*nitems == cap) {
                cap = cap ? cap * 2 : 1024;
                v = xrealloc(v, cap * sizeof *v);
            }
            v[(*nitems)++] = (page_t){(char *)p, (size_t)(e - p)};
            p = e;
            while (p < end && (*p == ',' || *p == ' ' || *p == '\n')) p++;
        }
    }
    arena_free(&a);
    return v;
}

static double run_items(const page_t *items, size_t n)
{
    double t0 = cpu_now();
    for (size_t i = 0; i < n; i++) {
        cJSON *doc = cJSON_ParseWithLength(items[i].data, items[i].len);
        if (!doc) {
            fprintf(stderr, "item %zu: cJSON rejects it\n", i);
            exit(1);
        }
        cJSON_Delete(doc);
    }
    return cpu_now() - t0;
}

static double run_arena(const page_t *pages, size_t n)
{
    arena_t a = {.block_size = 1u << 20};
    double t0 = cpu_now();
    for (size_t i = 0; i < n; i++) {
        if (!jsonarena_parse(&a, pages[i].data, pages[i].len)) {
            fprintf(stderr, "page %zu: jsonarena rejects it\n", i);
            exit(1);
        }
        arena_reset(&a);
    }
    double t = cpu_now() - t0;
    arena_free(&a);
    return t;
}

static double run_ingest(uv_loop_t *loop, kube_cluster_t *cl, const char *group, const char *version,
                         const char *resource, const store_kind_t *kind, const page_t *pages, size_t n,
                         size_t *objects)
{
    sink_t s = {.store = store_new("bench"), .kind = *kind};
    static const kube_reflector_handlers_t h = {.on_event = on_event};
    err_t e = {0};
    kube_reflector_t *r = kube_reflector_new(cl, group, version, resource, NULL, &h, &s, &e);
    if (!r) {
        fprintf(stderr, "reflector: %s\n", e.msg);
        exit(1);
    }
    double t0 = cpu_now();
    for (size_t i = 0; i < n; i++) {
        if (kube_reflector__ingest_page(r, pages[i].data, pages[i].len) != 1) {
            fprintf(stderr, "page %zu: the reflector rejects it\n", i);
            exit(1);
        }
    }
    double t = cpu_now() - t0;
    if (s.failed) {
        fprintf(stderr, "%zu objects not stored\n", s.failed);
        exit(1);
    }
    *objects = store_count(s.store);
    kube_reflector_free(r);
    store_free(s.store);
    uv_run(loop, UV_RUN_NOWAIT);
    return t;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int rounds = 5;
    const char *only = NULL; /* --only ingest: one phase, for a profiler */
    const char *kind = "Pod", *group = "", *version = "v1", *resource = "pods";
    bool namespaced = true;
    page_t *pages = NULL;
    size_t npages = 0, bytes = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--kind") && i + 1 < argc) kind = argv[++i];
        else if (!strcmp(argv[i], "--group") && i + 1 < argc) group = argv[++i];
        else if (!strcmp(argv[i], "--version") && i + 1 < argc) version = argv[++i];
        else if (!strcmp(argv[i], "--resource") && i + 1 < argc) resource = argv[++i];
        else if (!strcmp(argv[i], "--cluster-scoped")) namespaced = false;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
        else {
            size_t len;
            char *d = slurp(argv[i], &len);
            if (!d) {
                fprintf(stderr, "%s: cannot read\n", argv[i]);
                return 2;
            }
            pages = xrealloc(pages, (npages + 1) * sizeof *pages);
            pages[npages++] = (page_t){d, len};
            bytes += len;
        }
    }
    if (!npages || rounds < 1) {
        fprintf(stderr, "usage: ingest [--rounds N] [--kind K --group G --version V --resource R] PAGE.json...\n");
        return 2;
    }
    uv_loop_t loop;
    uv_loop_init(&loop);
    err_t e = {0};
    kube_client_t *client = kube_client_new(&loop, &e);
    /* Never contacted: the loop does not run while pages are fed. */
    kube_cluster_config_t cfg = {.id = "bench", .server = "http://127.0.0.1:9"};
    kube_cluster_t *cl = client ? kube_cluster_new(client, &cfg, &e) : NULL;
    if (!cl) {
        fprintf(stderr, "cluster: %s\n", e.msg);
        return 1;
    }
    store_kind_t sk = {group, version, kind, namespaced};
    double *ref = xcalloc((size_t)rounds, sizeof *ref), *are = xcalloc((size_t)rounds, sizeof *are),
           *ing = xcalloc((size_t)rounds, sizeof *ing), *itm = xcalloc((size_t)rounds, sizeof *itm);
    size_t nitems;
    page_t *items = cut_items(pages, npages, &nitems);
    size_t objects = 0;
    for (int r = 0; r < rounds; r++) {
        ref[r] = !only || !strcmp(only, "ref") ? run_reference(pages, npages) : 1;
        itm[r] = !only || !strcmp(only, "items") ? run_items(items, nitems) : 1;
        are[r] = !only || !strcmp(only, "arena") ? run_arena(pages, npages) : 1;
        ing[r] = !only || !strcmp(only, "ingest")
                     ? run_ingest(&loop, cl, group, version, resource, &sk, pages, npages, &objects)
                     : 1;
    }
    qsort(ref, (size_t)rounds, sizeof *ref, cmp_double);
    qsort(are, (size_t)rounds, sizeof *are, cmp_double);
    qsort(ing, (size_t)rounds, sizeof *ing, cmp_double);
    qsort(itm, (size_t)rounds, sizeof *itm, cmp_double);
    double mb = bytes / 1e6;
    struct utsname u;
    uname(&u);
    double load[3] = {0};
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = load[1] = load[2] = 0;
        fclose(f);
    }
    printf("{\"machine\":\"%s %s\",\"loadavg\":\"%.2f %.2f %.2f\",\"pages\":%zu,\"bytes\":%zu,\"objects\":%zu,"
           "\"rounds\":%d,\"refSeconds\":%.4f,\"arenaSeconds\":%.4f,\"ingestSeconds\":%.4f,"
           "\"refMBps\":%.1f,\"arenaParseMBps\":%.1f,\"ingestMBps\":%.1f,\"ingestMBpsMedian\":%.1f,"
           "\"refMBpsMedian\":%.1f,\"ingestVsRef\":%.3f,\"arenaVsRef\":%.3f,\"items\":%zu,"
           "\"itemSeconds\":%.4f,\"refItemMBps\":%.1f,\"ingestVsRefItem\":%.3f}\n",
           u.sysname, u.release, load[0], load[1], load[2], npages, bytes, objects, rounds, ref[0], are[0], ing[0],
           mb / ref[0], mb / are[0], mb / ing[0], mb / ing[rounds / 2], mb / ref[rounds / 2], ref[0] / ing[0],
           ref[0] / are[0], nitems, itm[0], mb / itm[0], itm[0] / ing[0]);
    kube_client_free(client);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    for (size_t i = 0; i < npages; i++) free(pages[i].data);
    free(pages);
    free(ref);
    free(are);
    free(ing);
    free(itm);
    free(items);
    return 0;
}
