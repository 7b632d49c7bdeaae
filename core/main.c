/* main.c — the kubilitics command line.
 *
 *   kubilitics serve   [flags]      the server (see docs/config.md for flags)
 *   kubilitics export  --cluster ID [--namespace NS] [--focus ID] [--depth N]
 *                      --format json|svg|dot [-o FILE] [serve flags]
 *   kubilitics sim     [kubesim flags]   runs the kubesim binary beside this one
 *   kubilitics plugin  check PATH   validate a plugin without a server
 *   kubilitics plugin  test PATH [BUSTED_ARGS]   run its busted specs
 *   kubilitics version
 *
 * Exit codes: 0 clean stop, 1 runtime failure, 2 bad usage or bad config.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <unistd.h>

#include "app/app.h"
#include "app/clusters.h"
#include "base/clock.h"
#include "db/db.h"
#include "obs/obs.h"
#include "base/log.h"
#include "config/config.h"
#include "loop/loop.h"
#include "script/script.h"

#ifndef KB_VERSION
#define KB_VERSION "0.1.0-dev"
#endif

static void usage(FILE *f)
{
    fprintf(f, "usage: kubilitics COMMAND [flags]\n\n"
               "commands:\n"
               "  serve           serve the API and web UI (kubilitics serve --help)\n"
               "  export          write a cluster's topology as JSON, SVG or DOT (kubilitics export --help)\n"
               "  sim             run kubesim, the Kubernetes API simulator (kubilitics sim --help)\n"
               "  plugin check P  load and validate the plugin file or folder P\n"
               "  plugin test P   run the busted specs of plugin P against its fixtures\n"
               "  version         print the version\n");
}

static int cmd_serve(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            buf_t b = {0};
            kb_config_usage(&b);
            printf("usage: kubilitics serve [flags]\n\nflags (each also settable in the --config file; "
                   "see docs/config.md):\n%s",
                   buf_cstr(&b));
            buf_free(&b);
            return 0;
        }
    kb_config_t cfg;
    err_t err = {0};
    if (kb_config_load(&cfg, argc, argv, &err) != 0) {
        fprintf(stderr, "kubilitics: %s\n", err.msg);
        return 2;
    }
    int lvl = log_parse_level(cfg.log_level ? cfg.log_level : "info");
    if (lvl < 0) {
        fprintf(stderr, "kubilitics: %s: logLevel: expected debug, info, warn or error, got \"%s\"\n",
                cfg.config_file ? cfg.config_file : "flag --log-level", cfg.log_level);
        kb_config_free(&cfg);
        return 2;
    }
    log_set_level(lvl);
    kb_loop_t loop;
    if (kb_loop_init(&loop, &err) != 0) {
        fprintf(stderr, "kubilitics: %s\n", err.msg);
        kb_config_free(&cfg);
        return 1;
    }
    app_t *app = app_start(&loop, &cfg, &err);
    int rc = 0;
    if (!app) {
        log_error("start failed", "error=%s", err.msg);
        fprintf(stderr, "kubilitics: %s\n", err.msg);
        rc = err.code == ERR_INVALID ? 2 : 1;
    } else {
        kb_loop_run(&loop);
    }
    kb_loop_close(&loop);
    app_free(app);
    kb_config_free(&cfg);
    return rc;
}

static int cmd_plugin(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[0], "test")) {
        err_t terr = {0};
        int st = script_test_path(argv[1], (const char *const *)argv + 2, (size_t)(argc - 2), stdout, &terr);
        if (st) fprintf(stderr, "kubilitics: %s\n", terr.msg);
        return st;
    }
    if (argc < 2 || strcmp(argv[0], "check") != 0) {
        fprintf(stderr, "usage: kubilitics plugin check|test FILE|DIR\n");
        return 2;
    }
    buf_t report = {0};
    err_t err = {0};
    int rc = script_check_path(argv[1], &report, &err);
    if (report.len) fputs(buf_cstr(&report), stdout);
    if (rc) fprintf(stderr, "kubilitics: %s\n", err.msg);
    buf_free(&report);
    return rc ? 2 : 0;
}

/* ---- export ---- */

typedef struct export_job {
    kb_loop_t *loop;
    clusters_t *clusters;
    const char *cluster, *format, *out_path;
    graph_query_t q;
    const char *ns[1];
    kb_timer_t *poll, *deadline;
    int rc;
} export_job_t;

static void export_finish(export_job_t *j, int rc)
{
    j->rc = rc;
    kb_timer_stop(j->poll);
    kb_timer_stop(j->deadline);
    j->poll = j->deadline = NULL;
    kb_loop_stop(j->loop);
}

static void export_poll(void *ud)
{
    export_job_t *j = ud;
    cluster_t *c = clusters_get(j->clusters, j->cluster);
    if (!c) {
        fprintf(stderr, "kubilitics: no cluster \"%s\" in the kubeconfig (use a context name)\n", j->cluster);
        export_finish(j, 2);
        return;
    }
    const char *error;
    const char *status = cluster_status(c, &error, NULL);
    if (!strcmp(status, "error") || !strcmp(status, "forbidden")) {
        fprintf(stderr, "kubilitics: cluster %s: %s: %s\n", j->cluster, status, error ? error : "");
        export_finish(j, 1);
        return;
    }
    if (!clusters_all_synced(j->clusters) || strcmp(status, "connected")) return;
    buf_t out = {0};
    err_t e = {0};
    if (graph_export(cluster_graph(c), &j->q, j->format, &out, &e) != 0) {
        fprintf(stderr, "kubilitics: export: %s\n", e.msg);
        buf_free(&out);
        export_finish(j, e.code == ERR_INVALID || e.code == ERR_NOTFOUND ? 2 : 1);
        return;
    }
    FILE *f = j->out_path ? fopen(j->out_path, "wb") : stdout;
    if (!f) {
        fprintf(stderr, "kubilitics: %s: %s\n", j->out_path, strerror(errno));
        export_finish(j, 1);
    } else {
        fwrite(out.data, 1, out.len, f);
        if (f != stdout) fclose(f);
        export_finish(j, 0);
    }
    buf_free(&out);
}

static void export_timeout(void *ud)
{
    export_job_t *j = ud;
    j->deadline = NULL;
    fprintf(stderr, "kubilitics: cluster %s did not finish syncing within 120 s\n", j->cluster);
    export_finish(j, 1);
}

static int cmd_export(int argc, char **argv)
{
    export_job_t j = {.format = "json", .rc = 1};
    char *kinds_buf = NULL, *kinds[32];
    size_t nkinds = 0;
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: kubilitics export --cluster ID [--namespace NS] [--focus ID] [--depth N]\n"
                   "                         [--kinds K1,K2] --format json|svg|dot [-o FILE] [serve flags]\n"
                   "Connects to the cluster (a context of --kubeconfig), waits for the first full sync,\n"
                   "and writes the topology with the layout the UI shows.\n");
            free(rest);
            return 0;
        }
        bool takes = !strcmp(a, "--cluster") || !strcmp(a, "--namespace") || !strcmp(a, "--focus") ||
                     !strcmp(a, "--depth") || !strcmp(a, "--format") || !strcmp(a, "-o") || !strcmp(a, "--kinds");
        if (takes && !v) {
            fprintf(stderr, "kubilitics: %s needs a value\n", a);
            free(rest);
            return 2;
        }
        if (!strcmp(a, "--cluster")) j.cluster = v;
        else if (!strcmp(a, "--namespace")) j.ns[0] = v, j.q.namespaces = j.ns, j.q.nnamespaces = 1;
        else if (!strcmp(a, "--focus")) j.q.focus = v;
        else if (!strcmp(a, "--depth")) j.q.depth = atoi(v);
        else if (!strcmp(a, "--format")) j.format = v;
        else if (!strcmp(a, "-o")) j.out_path = v;
        else if (!strcmp(a, "--kinds")) {
            /* comma-separated; the pieces point into a copy kept for the run */
            free(kinds_buf);
            nkinds = 0;
            char *list = kinds_buf = strdup(v);
            for (char *tok = strtok(list, ","); tok && nkinds < 32; tok = strtok(NULL, ",")) kinds[nkinds++] = tok;
            j.q.kinds = (const char *const *)kinds;
            j.q.nkinds = nkinds;
        } else {
            rest[nrest++] = argv[i];
            continue;
        }
        i++;
    }
    if (!j.cluster || (strcmp(j.format, "json") && strcmp(j.format, "svg") && strcmp(j.format, "dot"))) {
        fprintf(stderr, "kubilitics: export needs --cluster ID and --format json|svg|dot\n");
        free(rest);
        free(kinds_buf);
        return 2;
    }
    kb_config_t cfg;
    err_t err = {0};
    if (kb_config_load(&cfg, nrest, rest, &err) != 0) {
        fprintf(stderr, "kubilitics: %s\n", err.msg);
        free(rest);
        free(kinds_buf);
        return 2;
    }
    free(rest);
    log_set_level(LOG_WARN);
    kb_loop_t loop;
    kb_loop_init(&loop, &err);
    j.loop = &loop;
    script_limits_t lim = {.max_instructions = (uint64_t)cfg.plugin_instructions,
                           .max_ms = (uint32_t)cfg.plugin_timeout_ms,
                           .max_memory = (size_t)cfg.plugin_memory_mb << 20};
    script_host_t *plugins = script_host_new(&loop.uv, NULL, (const char *const *)cfg.plugin_dirs.v,
                                             cfg.plugin_dirs.n, &lim, &err);
    if (plugins && script_host_load(plugins, &err) != 0) fprintf(stderr, "kubilitics: plugins: %s\n", err.msg);
    obs_registry_t *obs = obs_registry_new();
    clusters_config_t cc = {(const char *const *)cfg.kubeconfigs.v, cfg.kubeconfigs.n,
                            (const char *const *)cfg.contexts.v, cfg.contexts.n, cfg.kube_qps, (int)cfg.kube_burst,
                            (int)cfg.kube_timeout_ms, NULL, 0, 0}; /* export needs no Prometheus */
    j.clusters = clusters_new(&loop.uv, NULL, obs, plugins, &cc, &err);
    if (!j.clusters) {
        fprintf(stderr, "kubilitics: %s\n", err.msg);
    } else {
        j.poll = kb_timer_start(&loop, 50, 100, export_poll, &j);
        j.deadline = kb_timer_start(&loop, 120000, 0, export_timeout, &j);
        kb_loop_run(&loop);
        clusters_free(j.clusters);
    }
    if (plugins) script_host_close(plugins);
    kb_loop_close(&loop);
    obs_registry_free(obs);
    kb_config_free(&cfg);
    free(kinds_buf);
    return j.rc;
}

/* `kubilitics sim …` is kubesim: run the binary built beside this one. */
static int cmd_sim(char **argv)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        fprintf(stderr, "kubilitics: cannot find my own path\n");
        return 1;
    }
    self[n] = '\0';
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/kubesim", dirname(self));
    argv[0] = path;
    execv(path, argv);
    fprintf(stderr, "kubilitics: cannot run %s: %s (build it with `make`)\n", path, strerror(errno));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "serve")) return cmd_serve(argc - 2, argv + 2);
    if (!strcmp(cmd, "plugin")) return cmd_plugin(argc - 2, argv + 2);
    if (!strcmp(cmd, "export")) return cmd_export(argc - 2, argv + 2);
    if (!strcmp(cmd, "sim")) return cmd_sim(argv + 1);
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("kubilitics %s\n", KB_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "kubilitics: unknown command \"%s\"\n", cmd);
    usage(stderr);
    return 2;
}
