/* test_sim_ctrl.c — kubesim's controllers, generator, logs, metrics and cron
 * parser, against a real store on a real loop (no HTTP). */
#include <uv.h>

#include "base/buf.h"
#include "base/clock.h"
#include "ctrl.h"
#include "ctrl_internal.h"
#include "store.h"
#include "test.h"

typedef struct fixture {
    uv_loop_t loop;
    sim_store_t *store;
    sim_config_t cfg;
    sim_ctx_t ctx;
    sim_controllers_t *ctl;
} fixture_t;

static void fx_init(fixture_t *f, bool controllers)
{
    memset(f, 0, sizeof *f);
    uv_loop_init(&f->loop);
    sim_store_opts_t so = {.seed = 7};
    f->store = sim_store_new(&so);
    f->cfg.seed = 7;
    f->ctx = (sim_ctx_t){.loop = &f->loop, .store = f->store, .cfg = &f->cfg};
    if (controllers) {
        err_t e = {0};
        f->ctl = sim_controllers_start(&f->ctx, &e);
        if (!f->ctl) TEST_FAIL_("controllers did not start: %s", e.msg);
    }
}

static void fx_free(fixture_t *f)
{
    sim_controllers_stop(f->ctl);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    uv_loop_close(&f->loop);
    sim_store_free(f->store);
}

static int apply(fixture_t *f, const char *json)
{
    cJSON *o = cJSON_Parse(json);
    if (!o) TEST_FAIL_("bad test JSON: %s", json);
    const sim_kind_t *k = sim_kind_by_gvk(f->store, sim_jstr(o, "apiVersion"), sim_jstr(o, "kind"));
    const char *ns = sim_jstr(sim_jpath(o, "metadata"), "namespace");
    err_t e = {0};
    int rc = sim_create(f->store, k, ns, o, NULL, NULL, &e);
    if (rc < 0) TEST_FAIL_("create failed: %s", e.msg);
    return rc;
}

typedef bool (*cond_fn)(fixture_t *f, void *ud);

static void gc_cb(uv_check_t *h) { sim_store_gc(((fixture_t *)h->data)->store); }

/* Run the loop until cond holds (checked every 50 ms) or max_ms passes. */
static bool run_until(fixture_t *f, cond_fn cond, void *ud, int max_ms)
{
    uv_check_t chk;
    uv_check_init(&f->loop, &chk);
    chk.data = f;
    uv_check_start(&chk, gc_cb);
    bool ok = false;
    for (int waited = 0; waited <= max_ms; waited += 50) {
        if (cond(f, ud)) {
            ok = true;
            break;
        }
        uv_timer_t t;
        uv_timer_init(&f->loop, &t);
        uv_timer_start(&t, NULL, 50, 0);
        uv_run(&f->loop, UV_RUN_ONCE);
        uv_close((uv_handle_t *)&t, NULL);
        uv_run(&f->loop, UV_RUN_NOWAIT);
    }
    uv_check_stop(&chk);
    uv_close((uv_handle_t *)&chk, NULL);
    uv_run(&f->loop, UV_RUN_NOWAIT);
    return ok;
}

typedef struct count_q {
    const char *kind, *group, *ns, *phase, *label_key, *label_val;
    int n;
} count_q_t;

static bool count_visit(const sim_obj_t *o, void *ud)
{
    count_q_t *q = ud;
    if (q->phase) {
        const char *p = sim_obj_field(o, "status.phase");
        if (!p || strcmp(p, q->phase) != 0) return true;
    }
    if (q->label_key) {
        const char *v = sim_obj_label(o, q->label_key);
        if (!v || strcmp(v, q->label_val) != 0) return true;
    }
    if (sim_obj_deleting(o)) return true;
    q->n++;
    return true;
}

static int count(fixture_t *f, const char *group, const char *kind, const char *ns, const char *phase)
{
    count_q_t q = {.kind = kind, .group = group, .ns = ns, .phase = phase};
    sim_each(f->store, sim_kind_by_kind(f->store, group, kind), ns, count_visit, &q);
    return q.n;
}

#define DEPLOY(name, replicas, image)                                                                             \
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"" name "\",\"namespace\":"      \
    "\"default\"},\"spec\":{\"replicas\":" #replicas ",\"selector\":{\"matchLabels\":{\"app\":\"" name "\"}},"    \
    "\"template\":{\"metadata\":{\"labels\":{\"app\":\"" name "\"}},\"spec\":{\"containers\":[{\"name\":\"app\","  \
    "\"image\":\"" image "\",\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"64Mi\"}}}]}}}}"

/* ---- cron ---- */

TEST(cron_every_five_minutes_fires_on_the_next_boundary)
{
    sim_cron_t c;
    err_t e = {0};
    CHECK_INT(sim_cron_parse("*/5 * * * *", &c, &e), 0);
    /* 2026-01-01T00:07:30Z → 00:10:00 */
    int64_t t0 = 1767225600 + 7 * 60 + 30;
    CHECK_INT(sim_cron_next(&c, t0), 1767225600 + 10 * 60);
}

TEST(cron_rejects_six_fields_and_bad_ranges)
{
    sim_cron_t c;
    err_t e = {0};
    CHECK(sim_cron_parse("* * * * * *", &c, &e) < 0);
    CHECK(strstr(e.msg, "5 fields") != NULL);
    CHECK(sim_cron_parse("61 * * * *", &c, &e) < 0);
    CHECK(strstr(e.msg, "minute") != NULL);
    CHECK(sim_cron_parse("@sometimes", &c, &e) < 0);
}

TEST(cron_names_and_macros_parse)
{
    sim_cron_t c;
    err_t e = {0};
    CHECK_INT(sim_cron_parse("30 2 * JAN-MAR mon-fri", &c, &e), 0);
    CHECK_INT(sim_cron_parse("@hourly", &c, &e), 0);
    /* 2026-01-01T00:00:00Z is a Thursday; hourly → 01:00 */
    CHECK_INT(sim_cron_next(&c, 1767225600), 1767225600 + 3600);
}

TEST(cron_restricted_day_of_month_and_week_match_either)
{
    sim_cron_t c;
    err_t e = {0};
    /* the 15th or any Monday, at midnight; from Thu 2026-01-01 the next is Mon 01-05 */
    CHECK_INT(sim_cron_parse("0 0 15 * 1", &c, &e), 0);
    CHECK_INT(sim_cron_next(&c, 1767225600), 1767225600 + 4 * 86400);
}

/* ---- logs ---- */

static cJSON *pod_json(const char *image, int restarts, bool two)
{
    char buf[2048];
    snprintf(buf, sizeof buf,
             "{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"shop\"},\"spec\":{\"containers\":[{\"name\":\"app\","
             "\"image\":\"%s\"}%s]},\"status\":{\"phase\":\"Running\",\"podIP\":\"10.244.1.5\","
             "\"containerStatuses\":[{\"name\":\"app\",\"restartCount\":%d,\"state\":{\"running\":{\"startedAt\":"
             "\"2026-01-01T00:00:00Z\"}}%s}]}}",
             image, two ? ",{\"name\":\"side\",\"image\":\"fluent/fluent-bit:2\"}" : "", restarts,
             restarts ? ",\"lastState\":{\"terminated\":{\"exitCode\":1,\"reason\":\"Error\",\"startedAt\":"
                        "\"2025-12-31T23:59:00Z\",\"finishedAt\":\"2025-12-31T23:59:50Z\"}}"
                      : "");
    return cJSON_Parse(buf);
}

static int count_lines(const buf_t *b)
{
    int n = 0;
    for (size_t i = 0; i < b->len; i++) n += b->data[i] == '\n';
    return n;
}

TEST(logs_tail_returns_exactly_the_last_lines_and_is_deterministic)
{
    cJSON *pod = pod_json("nginx:1.25", 0, false);
    int64_t now = 1767225600000LL + 3600000;
    sim_log_opts_t o = {.tail_lines = 5};
    buf_t a = {0}, b = {0}, all = {0};
    err_t e = {0};
    CHECK_INT(sim_logs_render(pod, &o, now, &a, NULL, &e), 0);
    CHECK_INT(count_lines(&a), 5);
    CHECK_INT(sim_logs_render(pod, &o, now, &b, NULL, &e), 0);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    o.tail_lines = -1;
    CHECK_INT(sim_logs_render(pod, &o, now, &all, NULL, &e), 0);
    CHECK(all.len > a.len);
    CHECK(memcmp(all.data + all.len - a.len, a.data, a.len) == 0);
    CHECK(strstr(a.data, "HTTP/1.1") != NULL); /* nginx access log style */
    buf_free(&a);
    buf_free(&b);
    buf_free(&all);
    cJSON_Delete(pod);
}

TEST(logs_since_seconds_only_returns_recent_timestamped_lines)
{
    cJSON *pod = pod_json("example/api:1", 0, false);
    int64_t now = 1767225600000LL + 3600000;
    sim_log_opts_t o = {.tail_lines = -1, .since_seconds = 60, .timestamps = true};
    buf_t out = {0};
    err_t e = {0};
    CHECK_INT(sim_logs_render(pod, &o, now, &out, NULL, &e), 0);
    CHECK(count_lines(&out) > 5 && count_lines(&out) < 60);
    /* every line starts with a timestamp within the last minute: 00:59 or 01:00 */
    CHECK(strncmp(out.data, "2026-01-01T00:59:", 17) == 0 || strncmp(out.data, "2026-01-01T01:00:", 17) == 0);
    buf_free(&out);
    cJSON_Delete(pod);
}

TEST(logs_errors_use_the_kubelet_words)
{
    cJSON *pod = pod_json("example/api:1", 0, true);
    sim_log_opts_t o = {.tail_lines = -1};
    buf_t out = {0};
    err_t e = {0};
    CHECK_INT(sim_logs_render(pod, &o, 1767229200000LL, &out, NULL, &e), SIM_ERR_BAD_REQUEST);
    CHECK(strstr(e.msg, "a container name must be specified for pod web-1, choose one of: [app side]") != NULL);
    o.container = "nope";
    CHECK_INT(sim_logs_render(pod, &o, 1767229200000LL, &out, NULL, &e), SIM_ERR_BAD_REQUEST);
    CHECK(strstr(e.msg, "container nope is not valid for pod web-1") != NULL);
    o.container = "app";
    o.previous = true;
    CHECK_INT(sim_logs_render(pod, &o, 1767229200000LL, &out, NULL, &e), SIM_ERR_BAD_REQUEST);
    CHECK(strstr(e.msg, "previous terminated container \"app\" in pod \"web-1\" not found") != NULL);
    buf_free(&out);
    cJSON_Delete(pod);
}

TEST(logs_previous_of_a_crashed_container_ends_with_its_error)
{
    cJSON *pod = pod_json("example/crash-app:1", 1, false);
    sim_log_opts_t o = {.tail_lines = -1, .previous = true};
    buf_t out = {0};
    err_t e = {0};
    CHECK_INT(sim_logs_render(pod, &o, 1767229200000LL, &out, NULL, &e), 0);
    CHECK(strstr(out.data, "panic:") != NULL);
    buf_free(&out);
    cJSON_Delete(pod);
}

TEST(logs_follow_cursor_yields_only_new_lines)
{
    cJSON *pod = pod_json("redis:7", 0, false);
    sim_log_opts_t o = {.tail_lines = -1};
    int64_t now = 1767225600000LL + 600000;
    buf_t first = {0}, more = {0}, all = {0};
    err_t e = {0};
    sim_log_cursor_t cur;
    CHECK_INT(sim_logs_render(pod, &o, now, &first, &cur, &e), 0);
    CHECK_INT(sim_logs_render_more(pod, &o, now + 60000, &cur, &more, &e), 0);
    CHECK(more.len > 0);
    CHECK_INT(sim_logs_render(pod, &o, now + 60000, &all, NULL, &e), 0);
    CHECK(first.len + more.len == all.len);
    buf_free(&first);
    buf_free(&more);
    buf_free(&all);
    cJSON_Delete(pod);
}

/* ---- metrics ---- */

TEST(metrics_usage_moves_but_stays_under_limits)
{
    int64_t cpu0 = 0, mem0 = 0;
    bool moved = false;
    for (int i = 0; i < 200; i++) {
        int64_t cpu, mem;
        sim_metrics_container_usage(42, 200, 300, 256LL << 20, 300LL << 20, 1767225600000LL + i * 17000, &cpu, &mem);
        CHECK(cpu > 0 && cpu <= 300LL * 1000000);
        CHECK(mem > 0 && mem <= 300LL << 20);
        if (i && (cpu != cpu0 || mem != mem0)) moved = true;
        cpu0 = cpu, mem0 = mem;
    }
    CHECK(moved);
}

/* ---- controllers ---- */

static bool pods_running(fixture_t *f, void *ud)
{
    return count(f, "", "Pod", "default", "Running") == *(int *)ud;
}

TEST(deployment_gets_a_replicaset_and_running_ready_pods)
{
    fixture_t f;
    fx_init(&f, true);
    apply(&f, DEPLOY("web", 3, "nginx:1.25"));
    int want = 3;
    CHECK(run_until(&f, pods_running, &want, 8000));
    CHECK_INT(count(&f, "apps", "ReplicaSet", "default", NULL), 1);
    const cJSON *d = sim_get(f.store, sim_kind_by_kind(f.store, "apps", "Deployment"), "default", "web");
    CHECK(d != NULL);
    /* status follows within a tick or two */
    int64_t ready = 0;
    for (int i = 0; i < 20 && ready != 3; i++) {
        run_until(&f, pods_running, &want, 100);
        d = sim_get(f.store, sim_kind_by_kind(f.store, "apps", "Deployment"), "default", "web");
        ready = sim_jint(sim_jpath(d, "status"), "readyReplicas", 0);
    }
    CHECK_INT(ready, 3);
    /* pods are owned by the ReplicaSet with controller=true and carry the hash label */
    CHECK(count(&f, "", "Event", "default", NULL) > 0);
    fx_free(&f);
}

TEST(scaling_a_deployment_down_removes_pods)
{
    fixture_t f;
    fx_init(&f, true);
    apply(&f, DEPLOY("api", 4, "example/api:1"));
    int want = 4;
    CHECK(run_until(&f, pods_running, &want, 8000));
    const sim_kind_t *dk = sim_kind_by_kind(f.store, "apps", "Deployment");
    cJSON *d = sim_get_copy(f.store, dk, "default", "api");
    sim_jset_num(sim_jobj(d, "spec"), "replicas", 1);
    err_t e = {0};
    CHECK_INT(sim_update(f.store, dk, "default", d, NULL, NULL, &e), 0);
    want = 1;
    CHECK(run_until(&f, pods_running, &want, 5000));
    CHECK_INT(count(&f, "", "Pod", "default", NULL), 1);
    fx_free(&f);
}

static bool crash_visit(const sim_obj_t *o, void *ud)
{
    bool *found = ud;
    const cJSON *cs = cJSON_GetArrayItem(sim_jpath(sim_obj_json(o), "status", "containerStatuses"), 0);
    const char *why = sim_jstr(sim_jpath(cs, "state", "waiting"), "reason");
    if (why && strcmp(why, "CrashLoopBackOff") == 0 && sim_jint(cs, "restartCount", 0) >= 1) *found = true;
    return true;
}

static bool any_crashloop(fixture_t *f, void *ud)
{
    (void)ud;
    bool found = false;
    sim_each(f->store, sim_kind_by_kind(f->store, "", "Pod"), "default", crash_visit, &found);
    return found;
}

TEST(crash_image_reaches_crashloopbackoff_with_restarts_and_backoff_event)
{
    fixture_t f;
    fx_init(&f, true);
    apply(&f, DEPLOY("broken", 1, "example/crash-app:1"));
    CHECK(run_until(&f, any_crashloop, NULL, 8000));
    fx_free(&f);
}

static bool pvc_bound(fixture_t *f, void *ud)
{
    (void)ud;
    const cJSON *p = sim_get(f->store, sim_kind_by_kind(f->store, "", "PersistentVolumeClaim"), "default", "data");
    const char *ph = sim_jstr(sim_jpath(p, "status"), "phase");
    return ph && strcmp(ph, "Bound") == 0;
}

TEST(pvc_binds_to_a_volume_provisioned_from_the_default_class)
{
    fixture_t f;
    fx_init(&f, true);
    apply(&f, "{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"data\","
              "\"namespace\":\"default\"},\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"resources\":{\"requests\":"
              "{\"storage\":\"5Gi\"}}}}");
    CHECK(run_until(&f, pvc_bound, NULL, 3000));
    const cJSON *p = sim_get(f.store, sim_kind_by_kind(f.store, "", "PersistentVolumeClaim"), "default", "data");
    const char *vol = sim_jstr(sim_jpath(p, "spec"), "volumeName");
    CHECK(vol != NULL);
    const cJSON *pv = sim_get(f.store, sim_kind_by_kind(f.store, "", "PersistentVolume"), NULL, vol);
    CHECK_STR(sim_jstr(sim_jpath(pv, "status"), "phase"), "Bound");
    CHECK_STR(sim_jstr(sim_jpath(pv, "spec"), "storageClassName"), "standard");
    fx_free(&f);
}

static bool job_complete(fixture_t *f, void *ud)
{
    (void)ud;
    const cJSON *j = sim_get(f->store, sim_kind_by_kind(f->store, "batch", "Job"), "default", "once");
    return sim_jint(sim_jpath(j, "status"), "succeeded", 0) == 1 && sim_jstr(sim_jpath(j, "status"), "completionTime");
}

TEST(job_runs_its_pod_to_completion)
{
    fixture_t f;
    fx_init(&f, true);
    apply(&f, "{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"once\",\"namespace\":"
              "\"default\"},\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{"
              "\"name\":\"job\",\"image\":\"busybox:1.36\"}]}}}}");
    CHECK(run_until(&f, job_complete, NULL, 8000));
    CHECK_INT(count(&f, "", "Pod", "default", "Succeeded"), 1);
    fx_free(&f);
}

static bool unschedulable_event(fixture_t *f, void *ud)
{
    (void)ud;
    const cJSON *p = sim_get(f->store, sim_kind_by_kind(f->store, "", "Pod"), "default", "picky");
    const cJSON *c = cJSON_GetArrayItem(sim_jpath(p, "status", "conditions"), 0);
    return c && sim_jstr(c, "reason") && strcmp(sim_jstr(c, "reason"), "Unschedulable") == 0;
}

TEST(scheduler_leaves_a_pod_pending_when_no_node_matches_its_selector)
{
    fixture_t f;
    fx_init(&f, true);
    apply(&f, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"picky\",\"namespace\":\"default\"},"
              "\"spec\":{\"nodeSelector\":{\"disk\":\"ssd\"},\"containers\":[{\"name\":\"a\",\"image\":\"x\"}]}}");
    CHECK(run_until(&f, unschedulable_event, NULL, 3000));
    const cJSON *p = sim_get(f.store, sim_kind_by_kind(f.store, "", "Pod"), "default", "picky");
    CHECK(sim_jstr(sim_jpath(p, "spec"), "nodeName") == NULL);
    const cJSON *c = cJSON_GetArrayItem(sim_jpath(p, "status", "conditions"), 0);
    CHECK(strstr(sim_jstr(c, "message"), "didn't match Pod's node affinity/selector") != NULL);
    fx_free(&f);
}

static bool slice_has_two(fixture_t *f, void *ud)
{
    (void)ud;
    char name[256];
    ctrl_slice_name("default", "web", name, sizeof name);
    const cJSON *s = sim_get(f->store, sim_kind_by_kind(f->store, "discovery.k8s.io", "EndpointSlice"), "default", name);
    return cJSON_GetArraySize(sim_jpath(s, "endpoints")) == 2;
}

TEST(service_gets_an_endpointslice_of_its_ready_pods)
{
    fixture_t f;
    fx_init(&f, true);
    apply(&f, DEPLOY("web", 2, "nginx:1"));
    apply(&f, "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\",\"namespace\":\"default\"},"
              "\"spec\":{\"selector\":{\"app\":\"web\"},\"ports\":[{\"port\":80,\"targetPort\":8080}]}}");
    CHECK(run_until(&f, slice_has_two, NULL, 8000));
    const cJSON *ep = sim_get(f.store, sim_kind_by_kind(f.store, "", "Endpoints"), "default", "web");
    CHECK_INT(cJSON_GetArraySize(sim_jpath(cJSON_GetArrayItem(sim_jpath(ep, "subsets", NULL), 0), "addresses")), 2);
    fx_free(&f);
}

/* ---- generator ---- */

TEST(generator_builds_a_consistent_running_cluster)
{
    fixture_t f;
    fx_init(&f, false);
    f.cfg.nodes = 10;
    f.cfg.pods = 200;
    f.cfg.namespaces = 3;
    err_t e = {0};
    CHECK_INT(sim_generate(&f.ctx, &e), 0);
    CHECK_INT(count(&f, "", "Node", NULL, NULL), 10);
    const sim_kind_t *pk = sim_kind_by_kind(f.store, "", "Pod");
    CHECK_INT(sim_store_count(f.store, pk), 200);
    CHECK_INT(count(&f, "", "Pod", NULL, "Running"), 200);
    CHECK_INT(count(&f, "", "Namespace", "", NULL) >= 3, 1);
    /* pods are 3–8 KB of JSON */
    typedef struct {
        size_t min, max;
    } sz_t;
    sz_t sz = {SIZE_MAX, 0};
    bool size_visit(const sim_obj_t *o, void *ud);
    sim_each(f.store, pk, NULL, size_visit, &sz);
    CHECK(sz.min >= 3000);
    CHECK(sz.max <= 8192);
    /* controllers adopt it: no new ReplicaSet, no pod churn */
    size_t rs_before = sim_store_count(f.store, sim_kind_by_kind(f.store, "apps", "ReplicaSet"));
    uint64_t rv_before = sim_store_rv(f.store);
    f.ctl = sim_controllers_start(&f.ctx, &e);
    CHECK(f.ctl != NULL);
    int never = -1;
    run_until(&f, pods_running, &never, 1500);
    CHECK_INT(sim_store_count(f.store, sim_kind_by_kind(f.store, "apps", "ReplicaSet")), rs_before);
    CHECK_INT(sim_store_count(f.store, pk), 200);
    /* only node bookkeeping (leases, namespace defaults) may have been written, not workloads */
    CHECK(sim_store_rv(f.store) - rv_before < 200);
    fx_free(&f);
}

bool size_visit(const sim_obj_t *o, void *ud)
{
    size_t *mm = ud;
    size_t n = sim_obj_bytes(o).n;
    if (n < mm[0]) mm[0] = n;
    if (n > mm[1]) mm[1] = n;
    return true;
}

/* ---- the generator's objects, field by field ---- */

typedef struct gen_check {
    fixture_t *f;
    int pods, bad;
} gen_check_t;

static bool check_generated_pod(const sim_obj_t *o, void *ud)
{
    gen_check_t *g = ud;
    sim_store_t *st = g->f->store;
    const char *ns = sim_obj_namespace(o);
    g->pods++;
    const cJSON *pod = sim_obj_json(o);
    const cJSON *labels = sim_jpath(pod, "metadata", "labels");
    ctrl_owner_t ow;
    if (!pod || !ctrl_controller_of(o, &ow) || strcmp(ow.kind, "ReplicaSet") != 0) return g->bad++, true;
    const sim_obj_t *rs = sim_get_obj(st, sim_kind_by_kind(st, "apps", "ReplicaSet"), ns, ow.name);
    if (!rs || strcmp(sim_obj_uid(rs), ow.uid) != 0) return g->bad++, true;
    const cJSON *rst = sim_obj_json(rs);
    if (!sim_selector_match(sim_jpath(rst, "spec", "selector"), labels)) return g->bad++, true;
    ctrl_owner_t dow;
    if (!ctrl_controller_of(rs, &dow) || strcmp(dow.kind, "Deployment") != 0) return g->bad++, true;
    const sim_obj_t *dep = sim_get_obj(st, sim_kind_by_kind(st, "apps", "Deployment"), ns, dow.name);
    if (!dep || strcmp(sim_obj_uid(dep), dow.uid) != 0) return g->bad++, true;
    const cJSON *dt = sim_obj_json(dep);
    if (!sim_selector_match(sim_jpath(dt, "spec", "selector"), labels)) return g->bad++, true;
    /* the controller would compute the same pod-template-hash */
    char hash[16];
    ctrl_template_hash(sim_jpath(dt, "spec", "template"), 0, hash);
    const char *h = sim_obj_label(rs, "pod-template-hash");
    if (!h || strcmp(h, hash) != 0 || strcmp(sim_obj_label(o, "pod-template-hash"), hash) != 0)
        return g->bad++, true;
    const sim_obj_t *svc = sim_get_obj(st, sim_kind_by_kind(st, "", "Service"), ns, dow.name);
    if (!svc || !sim_labels_match(sim_jpath(sim_obj_json(svc), "spec", "selector"), labels))
        return g->bad++, true;
    /* indexed fields agree with the object */
    const char *node = sim_obj_field(o, "spec.nodeName"), *ip = sim_obj_field(o, "status.podIP");
    if (!node || strcmp(node, sim_jstr(sim_jpath(pod, "spec"), "nodeName")) != 0) return g->bad++, true;
    if (!ip || strcmp(ip, sim_jstr(sim_jpath(pod, "status"), "podIP")) != 0) return g->bad++, true;
    if (!sim_get_obj(st, sim_kind_by_kind(st, "", "Node"), NULL, node)) return g->bad++, true;
    return true;
}

static bool check_generated_slice(const sim_obj_t *o, void *ud)
{
    gen_check_t *g = ud;
    sim_store_t *st = g->f->store;
    const cJSON *t = sim_obj_json(o);
    const char *svc = sim_obj_label(o, "kubernetes.io/service-name");
    count_q_t q = {.label_key = "app", .label_val = svc};
    sim_each(st, sim_kind_by_kind(st, "", "Pod"), sim_obj_namespace(o), count_visit, &q);
    const cJSON *eps = cJSON_GetObjectItem(t, "endpoints"), *ep;
    if (!t || !svc || cJSON_GetArraySize(eps) != q.n || q.n == 0) return g->bad++, true;
    cJSON_ArrayForEach(ep, eps)
    {
        const sim_obj_t *p = sim_get_by_uid(st, sim_jstr(sim_jpath(ep, "targetRef"), "uid"));
        if (!p || strcmp(sim_obj_name(p), sim_jstr(sim_jpath(ep, "targetRef"), "name")) != 0) g->bad++;
    }
    return true;
}

TEST(generator_objects_are_valid_json_owned_and_selected_consistently)
{
    fixture_t f;
    fx_init(&f, false);
    f.cfg.nodes = 6;
    f.cfg.pods = 90;
    f.cfg.namespaces = 2;
    err_t e = {0};
    CHECK_INT(sim_generate(&f.ctx, &e), 0);
    gen_check_t g = {.f = &f};
    sim_each(f.store, sim_kind_by_kind(f.store, "", "Pod"), NULL, check_generated_pod, &g);
    CHECK_INT(g.pods, 90);
    CHECK_INT(g.bad, 0);
    sim_each(f.store, sim_kind_by_kind(f.store, "discovery.k8s.io", "EndpointSlice"), NULL, check_generated_slice, &g);
    CHECK_INT(g.bad, 0);
    fx_free(&f);
}

typedef struct same_check {
    sim_store_t *other;
    int n, bad;
} same_check_t;

static void strip_server(cJSON *t)
{
    cJSON *m = cJSON_GetObjectItem(t, "metadata");
    cJSON_DeleteItemFromObject(m, "uid");
    cJSON_DeleteItemFromObject(m, "resourceVersion");
    cJSON_DeleteItemFromObject(m, "creationTimestamp");
}

/* Length of packed pairs "k\0v\0…\0" without the final NUL. */
static size_t packed_len(const char *p)
{
    const char *q = p;
    while (*q) {
        q += strlen(q) + 1;
        q += strlen(q) + 1;
    }
    return (size_t)(q - p);
}

/* Write the object again through sim_create (the tree path the generator
 * used to take) and compare object, labels and selectable fields. */
static bool recreate_and_compare(const sim_obj_t *o, void *ud)
{
    same_check_t *c = ud;
    const sim_kind_t *k = sim_obj_kind(o);
    cJSON *t = cJSON_Duplicate(sim_obj_json(o), true);
    strip_server(t);
    err_t e = {0};
    const sim_obj_t *n = NULL;
    const sim_kind_t *k2 = sim_kind_by_kind(c->other, k->group, k->kind);
    if (sim_create(c->other, k2, sim_obj_namespace(o), t, NULL, &n, &e) < 0 || !n) {
        if (strstr(e.msg, "already exists")) return true; /* the store's own namespaces */
        c->bad++;
        return true;
    }
    c->n++;
    cJSON *a = cJSON_Duplicate(sim_obj_json(o), true), *b = cJSON_Duplicate(sim_obj_json(n), true);
    strip_server(a);
    strip_server(b);
    if (!cJSON_Compare(a, b, true)) c->bad++;
    cJSON_Delete(a);
    cJSON_Delete(b);
    const char *la = sim_obj_labels_packed(o), *lb = sim_obj_labels_packed(n);
    size_t lna = packed_len(la), lnb = packed_len(lb);
    if (lna != lnb || memcmp(la, lb, lna) != 0) c->bad++;
    char path[128];
    for (const char *p = k->field_paths; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        snprintf(path, sizeof path, "%.*s", (int)len, p);
        const char *x = sim_obj_field(o, path), *y = sim_obj_field(n, path);
        if ((x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0)) c->bad++;
        p = comma ? comma + 1 : NULL;
    }
    return true;
}

TEST(generator_objects_equal_what_the_tree_path_stores)
{
    fixture_t f;
    fx_init(&f, false);
    f.cfg.nodes = 4;
    f.cfg.pods = 40;
    f.cfg.namespaces = 2;
    err_t e = {0};
    CHECK_INT(sim_generate(&f.ctx, &e), 0);
    sim_store_opts_t so = {.seed = 9};
    same_check_t c = {.other = sim_store_new(&so)};
    static const char *const kinds[][2] = {{"", "Namespace"},  {"", "Node"},         {"coordination.k8s.io", "Lease"},
                                           {"", "ServiceAccount"}, {"", "ConfigMap"}, {"", "Secret"},
                                           {"apps", "Deployment"}, {"apps", "ReplicaSet"}, {"", "Pod"},
                                           {"", "Service"}, {"discovery.k8s.io", "EndpointSlice"}};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        sim_each(f.store, sim_kind_by_kind(f.store, kinds[i][0], kinds[i][1]), NULL, recreate_and_compare, &c);
    CHECK_INT(c.bad, 0);
    CHECK(c.n > 40 + 4 + 4);
    sim_store_free(c.other);
    fx_free(&f);
}

TEST(first_sweep_of_a_generated_cluster_queues_no_workloads)
{
    fixture_t f;
    fx_init(&f, false);
    f.cfg.nodes = 4;
    f.cfg.pods = 60;
    err_t e = {0};
    CHECK_INT(sim_generate(&f.ctx, &e), 0);
    CHECK(f.ctx.generated_rv_first > 0 && f.ctx.generated_rv_last >= f.ctx.generated_rv_first);
    f.ctl = sim_controllers_start(&f.ctx, &e);
    CHECK(f.ctl != NULL);
    CHECK_INT(f.ctl->q[CQ_DEPLOY].len, 0);
    CHECK_INT(f.ctl->q[CQ_RS].len, 0);
    CHECK_INT(f.ctl->q[CQ_ENDPOINTS].len, 0);
    CHECK_INT(f.ctl->q[CQ_KUBELET].len, 0);
    fx_free(&f);
}

TEST_MAIN()
