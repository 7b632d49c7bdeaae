/* test_config.c — configuration: defaults, file, flags, and the errors a person sees. */
#include <stdio.h>

#include "config/config.h"
#include "test.h"

static char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/kb-cfg-XXXXXX");
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    return path;
}

static int load(kb_config_t *c, err_t *e, char *const *args, int n)
{
    return kb_config_load(c, n, (char **)args, e);
}

TEST(defaults_apply_without_file_or_flags)
{
    kb_config_t c;
    err_t e = {0};
    CHECK_INT(load(&c, &e, NULL, 0), 0);
    CHECK_STR(c.listen, "127.0.0.1:8080");
    CHECK_INT(c.http_max_body_bytes, 1048576);
    CHECK(c.read_only);
    CHECK_INT(c.plugin_dirs.n, 1);
    CHECK_STR(c.plugin_dirs.v[0], "plugins");
    kb_config_free(&c);
}

TEST(shipped_config_file_loads_and_equals_defaults)
{
    kb_config_t c;
    err_t e = {0};
    char *args[] = {"--config", "config/kubilitics.yaml"};
    int rc = load(&c, &e, args, 2);
    if (rc) TEST_FAIL_("%s", e.msg);
    CHECK_STR(c.listen, "127.0.0.1:8080");
    CHECK_INT(c.plugin_instructions, 10000000);
    CHECK(c.kube_qps == 50);
    CHECK_INT(c.kubeconfigs.n, 0);
    kb_config_free(&c);
}

TEST(flags_override_file_and_lists_replace_then_append)
{
    char *path = write_tmp("listen: 0.0.0.0:9000\nplugins:\n  dirs: [a, b]\nhttp:\n  maxConnections: 5\n");
    kb_config_t c;
    err_t e = {0};
    char *args[] = {"--config", path, "--listen", "127.0.0.1:0", "--plugins", "x", "--plugins=y", "--demo"};
    CHECK_INT(load(&c, &e, args, 8), 0);
    CHECK_STR(c.listen, "127.0.0.1:0");
    CHECK_INT(c.http_max_connections, 5);
    CHECK_INT(c.plugin_dirs.n, 2);
    CHECK_STR(c.plugin_dirs.v[0], "x");
    CHECK_STR(c.plugin_dirs.v[1], "y");
    CHECK(c.demo);
    kb_config_free(&c);
    unlink(path);
}

TEST(unknown_field_names_file_line_and_field)
{
    char *path = write_tmp("listen: 127.0.0.1:1\nhttp:\n  maxBodyByte: 10\n");
    kb_config_t c;
    err_t e = {0};
    char *args[] = {"--config", path};
    CHECK_INT(load(&c, &e, args, 2), ERR_INVALID);
    char want[128];
    snprintf(want, sizeof want, "%s:3: http.maxBodyByte: unknown field", path);
    CHECK_STR(e.msg, want);
    unlink(path);
}

TEST(wrong_type_and_range_are_reported_with_line)
{
    char *path = write_tmp("http:\n  maxConnections: lots\n");
    kb_config_t c;
    err_t e = {0};
    char *args[] = {"--config", path};
    CHECK_INT(load(&c, &e, args, 2), ERR_INVALID);
    CHECK(strstr(e.msg, ":2: http.maxConnections: expected an integer, got \"lots\"") != NULL);
    path = write_tmp("kube:\n  qps: -3\n");
    args[1] = path;
    CHECK_INT(load(&c, &e, args, 2), ERR_INVALID);
    CHECK(strstr(e.msg, ":2: kube.qps: -3 is out of range") != NULL);
    path = write_tmp("readOnly: maybe\n");
    args[1] = path;
    CHECK_INT(load(&c, &e, args, 2), ERR_INVALID);
    CHECK(strstr(e.msg, ":1: readOnly: expected true or false") != NULL);
}

TEST(broken_yaml_and_missing_file_are_reported)
{
    char *path = write_tmp("listen: [unclosed\n");
    kb_config_t c;
    err_t e = {0};
    char *args[] = {"--config", path};
    CHECK_INT(load(&c, &e, args, 2), ERR_INVALID);
    CHECK(strstr(e.msg, "invalid YAML") != NULL);
    CHECK(strncmp(e.msg, path, strlen(path)) == 0);
    char *missing[] = {"--config", "/nonexistent/k.yaml"};
    CHECK_INT(load(&c, &e, missing, 2), ERR_IO);
    CHECK_STR(e.msg, "/nonexistent/k.yaml: No such file or directory");
    path = write_tmp("- a\n- b\n");
    args[1] = path;
    CHECK_INT(load(&c, &e, args, 2), ERR_INVALID);
    CHECK(strstr(e.msg, "top level must be a map") != NULL);
}

TEST(unknown_flag_and_missing_value_are_reported)
{
    kb_config_t c;
    err_t e = {0};
    char *a1[] = {"--lisen", "x"};
    CHECK_INT(load(&c, &e, a1, 2), ERR_INVALID);
    CHECK_STR(e.msg, "unknown flag --lisen (see --help)");
    char *a2[] = {"--listen"};
    CHECK_INT(load(&c, &e, a2, 1), ERR_INVALID);
    CHECK_STR(e.msg, "flag --listen needs a value");
    char *a3[] = {"--kube-burst", "0"};
    CHECK_INT(load(&c, &e, a3, 2), ERR_INVALID);
    CHECK(strstr(e.msg, "flag --kube-burst: kube.burst: 0 is out of range") != NULL);
}

/* Every field must be documented where a person looks for it. */
TEST(every_field_is_in_docs_and_sample_config)
{
    FILE *f = fopen("docs/config.md", "r");
    CHECK(f != NULL);
    static char doc[65536];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    doc[n] = 0;
    fclose(f);
    f = fopen("config/kubilitics.yaml", "r");
    CHECK(f != NULL);
    static char sample[65536];
    n = fread(sample, 1, sizeof sample - 1, f);
    sample[n] = 0;
    fclose(f);
    for (const kb_config_field_t *fl = kb_config_schema; fl->path; fl++) {
        char want[160];
        snprintf(want, sizeof want, "`%s`", fl->path);
        if (!strstr(doc, want)) TEST_FAIL_("docs/config.md does not document %s", want);
        if (!strstr(doc, fl->flag)) TEST_FAIL_("docs/config.md does not name the flag %s", fl->flag);
        if (!strstr(sample, fl->flag)) TEST_FAIL_("config/kubilitics.yaml does not name the flag %s", fl->flag);
    }
}

TEST_MAIN()
