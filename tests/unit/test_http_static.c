/* test_http_static.c — core/http static files and assets: content types,
 * ETag / If-None-Match, gzip, index.html, traversal refusal, cache refresh. */
#include <stdlib.h>
#include <sys/stat.h>
#include <zlib.h>

#include "test_http_client.h"

static char root[64];

static void write_file(const char *rel, const char *data, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    CHECK_INT(fwrite(data, 1, n, f), n);
    fclose(f);
}

static void rm_tree(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK_INT(system(cmd), 0);
}

static void h_static(http_req_t *r, void *ud)
{
    http_res_file(r, root, http_req_param(r, "*"));
}

static const unsigned char asset_data[] = "console.log('embedded');\n";
static const http_asset_t asset = {
    "assets/app-1a2b.js", asset_data, sizeof asset_data - 1, NULL, 0, "\"a1\""};

static void h_asset(http_req_t *r, void *ud)
{
    http_res_asset(r, &asset);
}

static buf_t js;

static void static_env(env_t *e)
{
    snprintf(root, sizeof root, "/tmp/kb-http-static-XXXXXX");
    CHECK(mkdtemp(root) != NULL);
    char sub[128];
    snprintf(sub, sizeof sub, "%s/docs", root);
    CHECK_INT(mkdir(sub, 0755), 0);
    write_file("index.html", "<h1>home</h1>", 13);
    write_file("docs/index.html", "<h1>docs</h1>", 13);
    write_file("style.css", "body{}", 6);
    write_file("logo.png", "\x89PNG....", 8);
    buf_reset(&js);
    for (int i = 0; i < 200; i++) buf_printf(&js, "function f%d() { return %d; }\n", i, i);
    write_file("app.js", js.data, js.len);
    env_start(e, NULL);
    http_route(e->srv, "GET", "/static/*", h_static, NULL);
    http_route(e->srv, "GET", "/asset", h_asset, NULL);
    env_listen(e);
}

static resp_t get(env_t *e, const char *path, const char *extra)
{
    char req[10000];
    snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\n%s\r\n", path, extra ? extra : "");
    return cl_roundtrip(e, req);
}

TEST(static_files_get_their_content_type)
{
    env_t e;
    static_env(&e);
    resp_t r = get(&e, "/static/style.css", NULL);
    CHECK_INT(r.status, 200);
    CHECK_STR(resp_header(&r, "Content-Type"), "text/css; charset=utf-8");
    CHECK_MEM(r.body.data, r.body.len, "body{}");
    resp_free(&r);
    r = get(&e, "/static/app.js", NULL);
    CHECK_STR(resp_header(&r, "Content-Type"), "text/javascript; charset=utf-8");
    CHECK_INT(r.body.len, js.len);
    resp_free(&r);
    r = get(&e, "/static/logo.png", NULL);
    CHECK_STR(resp_header(&r, "Content-Type"), "image/png");
    resp_free(&r);
    CHECK_STR(http_mime_type("x/y.json"), "application/json");
    CHECK_STR(http_mime_type("x/y.unknown"), "application/octet-stream");
    CHECK_STR(http_mime_type("noext"), "application/octet-stream");
    env_close(&e);
    rm_tree();
}

TEST(static_directory_serves_index_html)
{
    env_t e;
    static_env(&e);
    resp_t r = get(&e, "/static/", NULL);
    CHECK_INT(r.status, 200);
    CHECK_MEM(r.body.data, r.body.len, "<h1>home</h1>");
    CHECK_STR(resp_header(&r, "Content-Type"), "text/html; charset=utf-8");
    resp_free(&r);
    r = get(&e, "/static/docs", NULL);
    CHECK_MEM(r.body.data, r.body.len, "<h1>docs</h1>");
    resp_free(&r);
    r = get(&e, "/static/missing.txt", NULL);
    CHECK_INT(r.status, 404);
    CHECK(strstr(r.body.data, "not_found") != NULL);
    resp_free(&r);
    env_close(&e);
    rm_tree();
}

TEST(static_etag_match_gets_304)
{
    env_t e;
    static_env(&e);
    resp_t r = get(&e, "/static/style.css", NULL);
    char etag[4200];
    CHECK(resp_header(&r, "ETag") != NULL);
    snprintf(etag, sizeof etag, "%s", resp_header(&r, "ETag"));
    CHECK(etag[0] == '"');
    resp_free(&r);
    char hdr[8600];
    snprintf(hdr, sizeof hdr, "If-None-Match: \"other\", %s\r\n", etag);
    r = get(&e, "/static/style.css", hdr);
    CHECK_INT(r.status, 304);
    CHECK_INT(r.body.len, 0);
    CHECK_STR(resp_header(&r, "ETag"), etag);
    resp_free(&r);
    snprintf(hdr, sizeof hdr, "If-None-Match: W/%s\r\n", etag);
    r = get(&e, "/static/style.css", hdr);
    CHECK_INT(r.status, 304);
    resp_free(&r);
    r = get(&e, "/static/style.css", "If-None-Match: \"stale\"\r\n");
    CHECK_INT(r.status, 200);
    resp_free(&r);
    env_close(&e);
    rm_tree();
}

TEST(static_changed_file_is_served_fresh)
{
    env_t e;
    static_env(&e);
    resp_t r = get(&e, "/static/style.css", NULL);
    char etag[4200];
    snprintf(etag, sizeof etag, "%s", resp_header(&r, "ETag"));
    resp_free(&r);
    write_file("style.css", "body{color:red}", 15);
    r = get(&e, "/static/style.css", NULL);
    CHECK_MEM(r.body.data, r.body.len, "body{color:red}");
    CHECK(strcmp(resp_header(&r, "ETag"), etag) != 0);
    resp_free(&r);
    env_close(&e);
    rm_tree();
}

static void gunzip(const buf_t *in, buf_t *out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    CHECK_INT(inflateInit2(&z, 15 + 16), Z_OK);
    buf_reserve(out, 1 << 20);
    z.next_in = (Bytef *)in->data;
    z.avail_in = (uInt)in->len;
    z.next_out = (Bytef *)out->data;
    z.avail_out = (uInt)(out->cap - 1);
    CHECK_INT(inflate(&z, Z_FINISH), Z_STREAM_END);
    out->len = z.total_out;
    inflateEnd(&z);
}

TEST(static_gzip_when_accepted_and_compressible)
{
    env_t e;
    static_env(&e);
    resp_t r = get(&e, "/static/app.js", "Accept-Encoding: br, gzip;q=0.8\r\n");
    CHECK_INT(r.status, 200);
    CHECK_STR(resp_header(&r, "Content-Encoding"), "gzip");
    CHECK_STR(resp_header(&r, "Vary"), "Accept-Encoding");
    CHECK(r.body.len < js.len);
    buf_t plain = {0};
    gunzip(&r.body, &plain);
    CHECK_INT(plain.len, js.len);
    CHECK(memcmp(plain.data, js.data, js.len) == 0);
    buf_free(&plain);
    char gz_etag[4200];
    snprintf(gz_etag, sizeof gz_etag, "%s", resp_header(&r, "ETag"));
    resp_free(&r);
    /* The plain variant has its own tag. */
    r = get(&e, "/static/app.js", "Accept-Encoding: gzip;q=0\r\n");
    CHECK(resp_header(&r, "Content-Encoding") == NULL);
    CHECK(strcmp(resp_header(&r, "ETag"), gz_etag) != 0);
    CHECK_INT(r.body.len, js.len);
    resp_free(&r);
    /* Images are not compressed; tiny files are not worth it. */
    r = get(&e, "/static/logo.png", "Accept-Encoding: gzip\r\n");
    CHECK(resp_header(&r, "Content-Encoding") == NULL);
    resp_free(&r);
    r = get(&e, "/static/style.css", "Accept-Encoding: gzip\r\n");
    CHECK(resp_header(&r, "Content-Encoding") == NULL);
    resp_free(&r);
    env_close(&e);
    rm_tree();
}

TEST(static_traversal_is_refused)
{
    env_t e;
    static_env(&e);
    const char *bad[] = {"/static/../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd", "/static/docs/../../x",
                         "/static/..%2fx"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        resp_t r = get(&e, bad[i], NULL);
        if (r.status != 403) TEST_FAIL_("%s: expected 403, got %d", bad[i], r.status);
        CHECK(strstr(r.body.data, "forbidden") != NULL);
        resp_free(&r);
    }
    env_close(&e);
    rm_tree();
}

TEST(static_head_gets_length_without_body)
{
    env_t e;
    static_env(&e);
    client_t c = cl_connect(&e);
    cl_send(&c, "HEAD /static/style.css HTTP/1.1\r\n\r\nGET /static/style.css HTTP/1.1\r\n\r\n");
    resp_t r;
    CHECK(cl_response(&e, &c, &r, true, 2000));
    CHECK_INT(r.status, 200);
    CHECK_STR(resp_header(&r, "Content-Length"), "6");
    resp_free(&r);
    CHECK(cl_response(&e, &c, &r, false, 2000));
    CHECK_MEM(r.body.data, r.body.len, "body{}");
    resp_free(&r);
    cl_close(&c);
    env_close(&e);
    rm_tree();
}

TEST(asset_served_with_etag_and_304)
{
    env_t e;
    static_env(&e);
    resp_t r = get(&e, "/asset", NULL);
    CHECK_INT(r.status, 200);
    CHECK_STR(resp_header(&r, "ETag"), "\"a1\"");
    CHECK_STR(resp_header(&r, "Content-Type"), "text/javascript; charset=utf-8");
    CHECK_MEM(r.body.data, r.body.len, "console.log('embedded');\n");
    resp_free(&r);
    r = get(&e, "/asset", "If-None-Match: \"a1\"\r\n");
    CHECK_INT(r.status, 304);
    resp_free(&r);
    env_close(&e);
    rm_tree();
}

TEST_MAIN()
