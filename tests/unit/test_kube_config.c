/* test_kube_config.c — kubeconfig loading, merging, resolution and every
 * error message (file, line, field). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kube/kubeconfig.h"
#include "test.h"

static char tmpdir[256];

static void mk_tmp(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/kb-kc-XXXXXX");
    CHECK(mkdtemp(tmpdir) != NULL);
}

static const char *write_file(const char *name, const char *content)
{
    static char path[8][512];
    static int k;
    char *p = path[k++ % 8];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    fputs(content, f);
    fclose(f);
    return p;
}

static const char *BASE =
    "apiVersion: v1\n"                                  /* 1 */
    "kind: Config\n"                                    /* 2 */
    "current-context: dev\n"                            /* 3 */
    "clusters:\n"                                       /* 4 */
    "- name: c-dev\n"                                   /* 5 */
    "  cluster:\n"                                      /* 6 */
    "    server: https://127.0.0.1:6443/\n"             /* 7 */
    "    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==\n" /* 8 */
    "    tls-server-name: kubernetes\n"                 /* 9 */
    "contexts:\n"                                       /* 10 */
    "- name: dev\n"                                     /* 11 */
    "  context:\n"                                      /* 12 */
    "    cluster: c-dev\n"                              /* 13 */
    "    user: u-dev\n"                                 /* 14 */
    "    namespace: shop\n"                             /* 15 */
    "users:\n"                                          /* 16 */
    "- name: u-dev\n"                                   /* 17 */
    "  user:\n"                                         /* 18 */
    "    token: s3cr3t-token\n";                        /* 19 */

TEST(loads_current_context_with_token_and_ca_data)
{
    err_t e = {0};
    kubeconfig_t *kc = kubeconfig_load_mem("mem", "/tmp", BASE, strlen(BASE), &e);
    CHECK(kc != NULL);
    CHECK_STR(kubeconfig_current_context(kc), "dev");
    kube_cluster_config_t *c = kubeconfig_resolve(kc, NULL, &e);
    if (!c) fprintf(stderr, "%s\n", e.msg);
    CHECK(c != NULL);
    CHECK_STR(c->id, "dev");
    CHECK_STR(c->server, "https://127.0.0.1:6443");
    CHECK_STR(c->default_namespace, "shop");
    CHECK_STR(c->tls_server_name, "kubernetes");
    CHECK_STR(c->token, "s3cr3t-token");
    CHECK(c->ca_pem != NULL);
    CHECK(strncmp(c->ca_pem, "-----BEGIN CERTIFICATE-----", 27) == 0);
    CHECK_STR(c->source, "mem:11");
    /* named in TLS verification failures ("…; CA from kubeconfig mem:8: …") */
    CHECK_STR(c->ca_source, "kubeconfig mem:8: clusters[0].cluster.certificate-authority-data");
    kube_cluster_config_t *d = kube_cluster_config_dup(c);
    CHECK_STR(d->token, "s3cr3t-token");
    CHECK_INT(d->ca_pem_len, c->ca_pem_len);
    CHECK_STR(d->ca_source, c->ca_source);
    kube_cluster_config_free(d);
    kube_cluster_config_free(c);
    kubeconfig_free(kc);
}

TEST(merge_first_file_wins_for_names_and_current_context)
{
    mk_tmp();
    const char *a = write_file("a",
                               "clusters:\n- name: shared\n  cluster:\n    server: https://a.example:443\n"
                               "contexts:\n- name: ctx\n  context:\n    cluster: shared\n");
    const char *b = write_file("b",
                               "current-context: ctx\n"
                               "clusters:\n- name: shared\n  cluster:\n    server: https://b.example:443\n"
                               "- name: only-b\n  cluster:\n    server: http://b2.example\n"
                               "contexts:\n- name: ctx\n  context:\n    cluster: only-b\n"
                               "- name: ctx2\n  context:\n    cluster: only-b\n");
    const char *c = write_file("c", "current-context: other\n");
    const char *paths[] = {a, b, c};
    err_t e = {0};
    kubeconfig_t *kc = kubeconfig_load(paths, 3, 0, &e);
    CHECK(kc != NULL);
    /* a sets no current-context; b is the first that does. */
    CHECK_STR(kubeconfig_current_context(kc), "ctx");
    CHECK_INT(kubeconfig_context_count(kc), 2);
    CHECK_STR(kubeconfig_context_name(kc, 0), "ctx");
    CHECK_STR(kubeconfig_context_name(kc, 1), "ctx2");
    kube_cluster_config_t *cfg = kubeconfig_resolve(kc, NULL, &e);
    CHECK(cfg != NULL);
    /* ctx comes from a (cluster "shared"), and "shared" from a as well. */
    CHECK_STR(cfg->server, "https://a.example:443");
    kube_cluster_config_free(cfg);
    cfg = kubeconfig_resolve(kc, "ctx2", &e);
    CHECK(cfg != NULL);
    CHECK_STR(cfg->server, "http://b2.example");
    kube_cluster_config_free(cfg);
    kubeconfig_free(kc);
}

TEST(missing_file_names_the_file)
{
    const char *paths[] = {"/nonexistent/kubeconfig"};
    err_t e = {0};
    CHECK(kubeconfig_load(paths, 1, 0, &e) == NULL);
    CHECK_STR(e.msg, "kubeconfig /nonexistent/kubeconfig: No such file or directory");
}

TEST(missing_file_is_skipped_for_kubeconfig_env_lists)
{
    mk_tmp();
    const char *a = write_file("a", BASE);
    const char *paths[] = {"/nonexistent/kubeconfig", a};
    err_t e = {0};
    kubeconfig_t *kc = kubeconfig_load(paths, 2, KUBECONFIG_SKIP_MISSING, &e);
    CHECK(kc != NULL);
    CHECK_STR(kubeconfig_current_context(kc), "dev");
    kubeconfig_free(kc);
}

TEST(bad_yaml_names_file_and_line)
{
    mk_tmp();
    const char *p = write_file("bad", "apiVersion: v1\nclusters:\n- name: x\n  cluster: [unclosed\n");
    const char *paths[] = {p};
    err_t e = {0};
    CHECK(kubeconfig_load(paths, 1, 0, &e) == NULL);
    char want[600];
    snprintf(want, sizeof want, "kubeconfig %s:5: invalid YAML:", p);
    if (strncmp(e.msg, want, strlen(want))) fprintf(stderr, "got: %s\n", e.msg);
    CHECK(strncmp(e.msg, want, strlen(want)) == 0);
}

TEST(wrong_structure_names_the_field)
{
    err_t e = {0};
    const char *y = "clusters:\n  name: x\n";
    CHECK(kubeconfig_load_mem("k", NULL, y, strlen(y), &e) == NULL);
    CHECK_STR(e.msg, "kubeconfig k:2: clusters: expected a list");
    y = "users:\n- user:\n    token: x\n";
    CHECK(kubeconfig_load_mem("k", NULL, y, strlen(y), &e) == NULL);
    CHECK_STR(e.msg, "kubeconfig k:2: users[0].name: missing");
    y = "kind: Pod\n";
    CHECK(kubeconfig_load_mem("k", NULL, y, strlen(y), &e) == NULL);
    CHECK_STR(e.msg, "kubeconfig k:1: kind: expected \"Config\", got \"Pod\"");
}

TEST(unknown_context_lists_known_ones)
{
    err_t e = {0};
    kubeconfig_t *kc = kubeconfig_load_mem("mem", NULL, BASE, strlen(BASE), &e);
    CHECK(kubeconfig_resolve(kc, "prod", &e) == NULL);
    CHECK_STR(e.msg, "kubeconfig mem: context \"prod\" not found (known: dev)");
    kubeconfig_free(kc);
}

TEST(context_pointing_at_unknown_cluster_or_user)
{
    const char *y = "contexts:\n- name: x\n  context:\n    cluster: nope\n    user: u\n";
    err_t e = {0};
    kubeconfig_t *kc = kubeconfig_load_mem("k", NULL, y, strlen(y), &e);
    CHECK(kubeconfig_resolve(kc, "x", &e) == NULL);
    CHECK_STR(e.msg, "kubeconfig k:4: contexts[0].context.cluster: cluster \"nope\" not found");
    kubeconfig_free(kc);
}

TEST(missing_ca_file_names_file_line_and_field)
{
    mk_tmp();
    const char *y = "clusters:\n"
                    "- name: c\n"
                    "  cluster:\n"
                    "    server: https://h:1\n"
                    "    certificate-authority: ca.crt\n"
                    "contexts:\n- name: x\n  context:\n    cluster: c\n";
    const char *p = write_file("cfg", y);
    const char *paths[] = {p};
    err_t e = {0};
    kubeconfig_t *kc = kubeconfig_load(paths, 1, 0, &e);
    CHECK(kc != NULL);
    CHECK(kubeconfig_resolve(kc, "x", &e) == NULL);
    char want[800];
    snprintf(want, sizeof want,
             "kubeconfig %s:5: clusters[0].cluster.certificate-authority: file %s/ca.crt: No such file or directory",
             p, tmpdir);
    CHECK_STR(e.msg, want);
    kubeconfig_free(kc);
}

TEST(missing_client_certificate_file_is_reported_per_user)
{
    mk_tmp();
    const char *y = "clusters:\n- name: c\n  cluster:\n    server: https://h:1\n"
                    "users:\n"
                    "- name: ok\n  user:\n    token: t\n"
                    "- name: broken\n"
                    "  user:\n"
                    "    client-certificate: /y/crt\n"
                    "    client-key: /y/key\n"
                    "contexts:\n- name: good\n  context:\n    cluster: c\n    user: ok\n"
                    "- name: bad\n  context:\n    cluster: c\n    user: broken\n";
    const char *p = write_file("cfg", y);
    const char *paths[] = {p};
    err_t e = {0};
    kubeconfig_t *kc = kubeconfig_load(paths, 1, 0, &e);
    CHECK(kc != NULL);
    char want[800];
    snprintf(want, sizeof want,
             "kubeconfig %s:11: users[1].user.client-certificate: file /y/crt: No such file or directory", p);
    CHECK(kubeconfig_resolve(kc, "bad", &e) == NULL);
    CHECK_STR(e.msg, want);
    /* The other context still resolves. */
    kube_cluster_config_t *c = kubeconfig_resolve(kc, "good", &e);
    CHECK(c != NULL);
    kube_cluster_config_free(c);
    kubeconfig_free(kc);
}

TEST(client_cert_and_key_files_are_read_relative_to_the_file)
{
    mk_tmp();
    write_file("crt.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    write_file("key.pem", "-----BEGIN PRIVATE KEY-----\nBBBB\n-----END PRIVATE KEY-----\n");
    const char *y = "clusters:\n- name: c\n  cluster:\n    server: https://h:1\n    insecure-skip-tls-verify: true\n"
                    "users:\n- name: u\n  user:\n    client-certificate: crt.pem\n    client-key: key.pem\n"
                    "contexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n";
    const char *p = write_file("cfg", y);
    const char *paths[] = {p};
    err_t e = {0};
    kubeconfig_t *kc = kubeconfig_load(paths, 1, 0, &e);
    kube_cluster_config_t *c = kubeconfig_resolve(kc, "x", &e);
    if (!c) fprintf(stderr, "%s\n", e.msg);
    CHECK(c != NULL);
    CHECK(c->insecure_skip_tls_verify);
    CHECK(strstr(c->cert_pem, "BEGIN CERTIFICATE") != NULL);
    CHECK(strstr(c->key_pem, "BEGIN PRIVATE KEY") != NULL);
    kube_cluster_config_free(c);
    kubeconfig_free(kc);
}

TEST(basic_auth_is_refused_clearly)
{
    const char *y = "clusters:\n- name: c\n  cluster:\n    server: https://h:1\n"
                    "users:\n- name: u\n  user:\n    username: admin\n    password: hunter2\n"
                    "contexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n";
    err_t e = {0};
    kubeconfig_t *kc = kubeconfig_load_mem("k", NULL, y, strlen(y), &e);
    CHECK(kubeconfig_resolve(kc, "x", &e) == NULL);
    CHECK_STR(e.msg, "kubeconfig k:8: users[0].user.username: basic authentication (username/password) is not "
                     "supported; use a token, a client certificate or an exec plugin");
    CHECK(strstr(e.msg, "hunter2") == NULL);
    kubeconfig_free(kc);
}

TEST(bad_base64_and_half_a_client_certificate)
{
    const char *y = "clusters:\n- name: c\n  cluster:\n    server: https://h:1\n    certificate-authority-data: '***'\n"
                    "users:\n- name: u\n  user:\n    client-certificate-data: QUJD\n"
                    "contexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n"
                    "- name: y\n  context:\n    cluster: c2\n"
                    "clusters2: []\n";
    err_t e = {0};
    kubeconfig_t *kc = kubeconfig_load_mem("k", NULL, y, strlen(y), &e);
    CHECK(kc != NULL);
    CHECK(kubeconfig_resolve(kc, "x", &e) == NULL);
    CHECK_STR(e.msg, "kubeconfig k:5: clusters[0].cluster.certificate-authority-data: not valid base64");
    kubeconfig_free(kc);
    y = "clusters:\n- name: c\n  cluster:\n    server: https://h:1\n"
        "users:\n- name: u\n  user:\n    client-certificate-data: QUJD\n"
        "contexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n";
    kc = kubeconfig_load_mem("k", NULL, y, strlen(y), &e);
    CHECK(kubeconfig_resolve(kc, "x", &e) == NULL);
    CHECK_STR(e.msg, "kubeconfig k:8: users[0].user.client-key: missing (client-certificate is set; both are needed)");
    kubeconfig_free(kc);
}

TEST(exec_plugin_config_is_parsed_and_env_never_printed)
{
    const char *y = "clusters:\n- name: c\n  cluster:\n    server: https://h:1\n"
                    "users:\n- name: u\n  user:\n    exec:\n"
                    "      apiVersion: client.authentication.k8s.io/v1beta1\n"
                    "      command: ./bin/get-token\n"
                    "      args: [--cluster, prod]\n"
                    "      env:\n      - name: SECRET\n        value: pa55\n"
                    "      provideClusterInfo: true\n"
                    "contexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n";
    err_t e = {0};
    kubeconfig_t *kc = kubeconfig_load_mem("k", "/etc/kube", y, strlen(y), &e);
    kube_cluster_config_t *c = kubeconfig_resolve(kc, "x", &e);
    CHECK(c != NULL);
    CHECK(c->exec != NULL);
    CHECK_STR(c->exec->command, "/etc/kube/./bin/get-token");
    CHECK_INT(c->exec->nargs, 2);
    CHECK_STR(c->exec->args[1], "prod");
    CHECK_INT(c->exec->nenv, 1);
    CHECK_STR(c->exec->env[0], "SECRET=pa55");
    CHECK(c->exec->provide_cluster_info);
    kube_cluster_config_free(c);
    kubeconfig_free(kc);

    y = "clusters:\n- name: c\n  cluster:\n    server: https://h:1\n"
        "users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1alpha1\n"
        "      command: x\n"
        "contexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n";
    kc = kubeconfig_load_mem("k", NULL, y, strlen(y), &e);
    CHECK(kubeconfig_resolve(kc, "x", &e) == NULL);
    CHECK_STR(e.msg, "kubeconfig k:9: users[0].user.exec.apiVersion: \"client.authentication.k8s.io/v1alpha1\" is "
                     "not supported (use client.authentication.k8s.io/v1 or v1beta1)");
    kubeconfig_free(kc);
}

TEST(aliases_are_refused_and_depth_is_bounded)
{
    const char *y = "a: &x [1, 2]\nb: *x\n";
    err_t e = {0};
    CHECK(kubeconfig_load_mem("k", NULL, y, strlen(y), &e) == NULL);
    CHECK_STR(e.msg, "kubeconfig k:2: YAML aliases are not supported");
    char deep[400];
    memset(deep, '[', 200);
    deep[200] = '\0';
    CHECK(kubeconfig_load_mem("k", NULL, deep, strlen(deep), &e) == NULL);
    CHECK(strstr(e.msg, "nesting deeper than 64 levels") != NULL);
}

TEST(server_must_be_http_url_and_proxy_scheme_checked)
{
    const char *y = "clusters:\n- name: c\n  cluster:\n    server: ftp://h\n"
                    "contexts:\n- name: x\n  context:\n    cluster: c\n";
    err_t e = {0};
    kubeconfig_t *kc = kubeconfig_load_mem("k", NULL, y, strlen(y), &e);
    CHECK(kubeconfig_resolve(kc, "x", &e) == NULL);
    CHECK_STR(e.msg, "kubeconfig k:4: clusters[0].cluster.server: \"ftp://h\" is not an http:// or https:// URL");
    kubeconfig_free(kc);
    y = "clusters:\n- name: c\n  cluster:\n    server: https://h\n    proxy-url: gopher://p\n"
        "contexts:\n- name: x\n  context:\n    cluster: c\n";
    kc = kubeconfig_load_mem("k", NULL, y, strlen(y), &e);
    CHECK(kubeconfig_resolve(kc, "x", &e) == NULL);
    CHECK_STR(e.msg, "kubeconfig k:5: clusters[0].cluster.proxy-url: scheme must be http, https or socks5");
    kubeconfig_free(kc);
}

TEST(token_file_must_exist_and_json_kubeconfig_works)
{
    const char *y = "{\"clusters\":[{\"name\":\"c\",\"cluster\":{\"server\":\"https://h\"}}],"
                    "\"users\":[{\"name\":\"u\",\"user\":{\"tokenFile\":\"/nope/token\"}}],"
                    "\"contexts\":[{\"name\":\"x\",\"context\":{\"cluster\":\"c\",\"user\":\"u\"}}]}";
    err_t e = {0};
    kubeconfig_t *kc = kubeconfig_load_mem("k.json", NULL, y, strlen(y), &e);
    CHECK(kc != NULL);
    CHECK(kubeconfig_resolve(kc, "x", &e) == NULL);
    CHECK_STR(e.msg, "kubeconfig k.json:1: users[0].user.tokenFile: file /nope/token: No such file or directory");
    kubeconfig_free(kc);
}

TEST(split_paths_drops_empty_and_duplicate_entries)
{
    size_t n = 0;
    char **p = kubeconfig_split_paths("/a::/b:/a:", &n);
    CHECK_INT(n, 2);
    CHECK_STR(p[0], "/a");
    CHECK_STR(p[1], "/b");
    CHECK(p[2] == NULL);
    kubeconfig_paths_free(p);
}

TEST(empty_file_is_an_empty_config)
{
    err_t e = {0};
    kubeconfig_t *kc = kubeconfig_load_mem("k", NULL, "", 0, &e);
    CHECK(kc != NULL);
    CHECK(kubeconfig_current_context(kc) == NULL);
    CHECK(kubeconfig_resolve(kc, NULL, &e) == NULL);
    CHECK_STR(e.msg, "kubeconfig k: no context given and no current-context set");
    kubeconfig_free(kc);
}

TEST_MAIN()
