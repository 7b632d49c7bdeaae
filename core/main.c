/* main.c — the kubilitics command line.
 *
 *   kubilitics serve   [flags]      the server (see docs/config.md for flags)
 *   kubilitics plugin  check PATH   validate a plugin without a server
 *   kubilitics version
 *
 * Exit codes: 0 clean stop, 1 runtime failure, 2 bad usage or bad config.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
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
               "  plugin check P  load and validate the plugin file or folder P\n"
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
    if (argc < 2 || strcmp(argv[0], "check") != 0) {
        fprintf(stderr, "usage: kubilitics plugin check FILE|DIR\n");
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

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "serve")) return cmd_serve(argc - 2, argv + 2);
    if (!strcmp(cmd, "plugin")) return cmd_plugin(argc - 2, argv + 2);
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
