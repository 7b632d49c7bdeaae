/* config.h — kubilitics configuration: defaults < YAML file < flags.
 *
 * Every field is described once, in the schema table of config.c: its YAML
 * path, its flag, its type, its default and its help line. The file loader,
 * the flag parser, `--help` and the test that keeps docs/config.md and
 * config/kubilitics.yaml complete all read that one table.
 *
 * A kb_config_t owns all its strings; kb_config_free releases them.
 */
#ifndef KB_CONFIG_H
#define KB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

typedef struct kb_strlist {
    char **v;
    size_t n;
} kb_strlist_t;

typedef struct kb_config {
    char *config_file; /* the file loaded, or NULL */
    char *listen;
    char *port_file;
    char *data_dir;
    char *log_level;
    char *ui_dir;
    bool demo;
    bool read_only;
    kb_strlist_t kubeconfigs;
    kb_strlist_t contexts;
    kb_strlist_t plugin_dirs;
    bool trust_proxy_headers;
    char *default_user;
    kb_strlist_t default_groups;
    int64_t http_max_body_bytes;
    int64_t http_max_header_bytes;
    int64_t http_max_connections;
    int64_t http_header_timeout_ms;
    int64_t http_idle_timeout_ms;
    int64_t drain_timeout_ms;
    int64_t plugin_instructions;
    int64_t plugin_memory_mb;
    int64_t plugin_timeout_ms;
    double kube_qps;
    int64_t kube_burst;
    int64_t kube_timeout_ms;
    kb_strlist_t prometheus_urls; /* "CLUSTER=URL" */
    int64_t prometheus_timeout_ms;
} kb_config_t;

enum { CFG_STR, CFG_INT, CFG_BOOL, CFG_LIST, CFG_DOUBLE };

typedef struct kb_config_field {
    const char *path; /* YAML path, dotted: "http.maxBodyBytes" */
    const char *flag; /* "--http-max-body-bytes" */
    int type;
    size_t offset;
    const char *def; /* default, as it would be written in YAML ("" for none) */
    double min, max; /* numeric range */
    const char *help;
} kb_config_field_t;

/* The schema, terminated by an entry with path NULL. */
extern const kb_config_field_t kb_config_schema[];

/* Fill cfg from defaults, then the file named by --config (if any), then the
 * flags in argv[0..argc). Unknown flags, unknown fields, wrong types and out
 * of range values fail with a message naming the file, line and field (or the
 * flag). On failure cfg is freed. */
int kb_config_load(kb_config_t *cfg, int argc, char **argv, err_t *err);
/* Apply one YAML file over cfg (used by kb_config_load and by reload). */
int kb_config_apply_file(kb_config_t *cfg, const char *path, err_t *err);
void kb_config_free(kb_config_t *cfg);
/* The flag list for --help. */
void kb_config_usage(buf_t *out);

#endif
