/* static.c — files from a directory and compiled-in assets.
 *
 * http_res_file maps a decoded relative path below a root to a file, refusing
 * any ".." segment, and answers with its MIME type, an ETag made from size
 * and modification time (If-None-Match → 304), and a gzip variant when the
 * client accepts one and the type compresses. Small files are kept in a
 * per-server cache validated by one stat() per request, so a hot file costs
 * no open/read and its gzip is made once. The cache owns its copies; it is
 * emptied whole when it outgrows its budget.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "base/mem.h"
#include "http/http_internal.h"

#define CACHE_FILE_MAX (2u * 1024 * 1024)
#define CACHE_TOTAL_MAX (64u * 1024 * 1024)
#define GZIP_MIN 256

typedef struct mime {
    const char *ext, *type;
    bool compress;
} mime_t;

static const mime_t mimes[] = {
    {"html", "text/html; charset=utf-8", true},
    {"htm", "text/html; charset=utf-8", true},
    {"css", "text/css; charset=utf-8", true},
    {"js", "text/javascript; charset=utf-8", true},
    {"mjs", "text/javascript; charset=utf-8", true},
    {"json", "application/json", true},
    {"map", "application/json", true},
    {"webmanifest", "application/manifest+json", true},
    {"txt", "text/plain; charset=utf-8", true},
    {"md", "text/markdown; charset=utf-8", true},
    {"csv", "text/csv; charset=utf-8", true},
    {"xml", "application/xml", true},
    {"yaml", "application/yaml", true},
    {"yml", "application/yaml", true},
    {"svg", "image/svg+xml", true},
    {"wasm", "application/wasm", true},
    {"ico", "image/x-icon", true},
    {"png", "image/png", false},
    {"jpg", "image/jpeg", false},
    {"jpeg", "image/jpeg", false},
    {"gif", "image/gif", false},
    {"webp", "image/webp", false},
    {"avif", "image/avif", false},
    {"woff", "font/woff", false},
    {"woff2", "font/woff2", false},
    {"ttf", "font/ttf", true},
    {"otf", "font/otf", true},
    {"pdf", "application/pdf", false},
    {"zip", "application/zip", false},
    {"gz", "application/gzip", false},
    {"mp4", "video/mp4", false},
    {"webm", "video/webm", false},
};

static const mime_t *mime_for(const char *path)
{
    static const mime_t fallback = {"", "application/octet-stream", false};
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (!dot) return &fallback;
    for (size_t i = 0; i < sizeof mimes / sizeof mimes[0]; i++)
        if (strcasecmp(dot + 1, mimes[i].ext) == 0) return &mimes[i];
    return &fallback;
}

const char *http_mime_type(const char *path)
{
    return mime_for(path)->type;
}

/* ---- request header helpers ---- */

bool http_req_accepts_gzip(const http_req_t *r)
{
    const char *ae = http_req_header(r, "Accept-Encoding");
    if (!ae) return false;
    const char *p = ae;
    while (*p) {
        while (*p == ' ' || *p == ',') p++;
        const char *tok = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ') p++;
        size_t tl = (size_t)(p - tok);
        double q = 1.0;
        while (*p && *p != ',') {
            if (*p == ';') {
                const char *qs = strstr(p, "q=");
                const char *comma = strchr(p, ',');
                if (qs && (!comma || qs < comma)) q = strtod(qs + 2, NULL);
            }
            p++;
        }
        if (((tl == 4 && strncasecmp(tok, "gzip", 4) == 0) || (tl == 1 && *tok == '*')) && q > 0) return true;
    }
    return false;
}

/* If-None-Match holds etag (weak comparison, as RFC 9110 asks for it). */
static bool etag_matches(const http_req_t *r, const char *etag)
{
    const char *inm = http_req_header(r, "If-None-Match");
    if (!inm) return false;
    if (etag[0] == 'W' && etag[1] == '/') etag += 2;
    size_t el = strlen(etag);
    const char *p = inm;
    while (*p) {
        while (*p == ' ' || *p == ',') p++;
        if (*p == '*') return true;
        if (p[0] == 'W' && p[1] == '/') p += 2;
        const char *start = p;
        if (*p == '"') {
            p++;
            while (*p && *p != '"') p++;
            if (*p) p++;
        } else {
            while (*p && *p != ',') p++;
        }
        if ((size_t)(p - start) == el && memcmp(start, etag, el) == 0) return true;
        while (*p && *p != ',') p++;
    }
    return false;
}

bool http_gzip(const void *src, size_t n, int level, buf_t *out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return false;
    buf_reset(out);
    buf_reserve(out, deflateBound(&z, (uLong)n));
    z.next_in = (Bytef *)src;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out->data;
    z.avail_out = (uInt)(out->cap - 1);
    int rc = deflate(&z, Z_FINISH);
    out->len = z.total_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END;
}

/* ---- the answer, shared by files and assets ---- */

static void send_entity(http_req_t *r, const char *etag, const char *etag_gz, const char *type,
                        bool compressible, const void *data, size_t len, const void *gz, size_t gz_len)
{
    bool use_gz = compressible && gz && gz_len < len && http_req_accepts_gzip(r);
    const char *tag = use_gz && etag_gz ? etag_gz : etag;
    if (compressible) http_res_header(r, "Vary", "Accept-Encoding");
    if (tag) http_res_header(r, "ETag", tag);
    if (tag && etag_matches(r, tag)) {
        http_res_send(r, 304, NULL, NULL, 0);
        return;
    }
    if (use_gz) {
        http_res_header(r, "Content-Encoding", "gzip");
        http_res_send(r, 200, type, gz, gz_len);
    } else {
        http_res_send(r, 200, type, data, len);
    }
}

/* ---- the file cache ---- */

typedef struct file_entry {
    buf_t data, gz;
    bool gz_done;
    off_t size;
    struct timespec mtime;
    ino_t ino;
    dev_t dev;
    char etag[48], etag_gz[52];
} file_entry_t;

static void entry_free(file_entry_t *f)
{
    buf_free(&f->data);
    buf_free(&f->gz);
    free(f);
}

void static_cache_free(http_server_t *s)
{
    map_slot_t *slot;
    for (size_t it = 0; map_next(&s->files, &it, &slot);) entry_free(slot->val);
    map_free(&s->files);
    s->files_bytes = 0;
}

static bool same_file(const file_entry_t *f, const struct stat *st)
{
    return f->size == st->st_size && f->ino == st->st_ino && f->dev == st->st_dev &&
           f->mtime.tv_sec == st->st_mtim.tv_sec && f->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

static bool read_all(const char *path, struct stat *st, buf_t *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = fstat(fd, st) == 0 && S_ISREG(st->st_mode);
    if (ok) {
        buf_reset(out);
        buf_reserve(out, (size_t)st->st_size);
        size_t got = 0;
        while (got < (size_t)st->st_size) {
            ssize_t n = read(fd, out->data + got, (size_t)st->st_size - got);
            if (n <= 0) break;
            got += (size_t)n;
        }
        out->len = got;
        out->data[got] = '\0';
        ok = got == (size_t)st->st_size;
    }
    close(fd);
    return ok;
}

static void fill_etags(file_entry_t *f)
{
    long long mt = (long long)f->mtime.tv_sec * 1000000000ll + f->mtime.tv_nsec;
    snprintf(f->etag, sizeof f->etag, "\"%llx-%llx\"", (long long)f->size, mt);
    snprintf(f->etag_gz, sizeof f->etag_gz, "\"%llx-%llx-gz\"", (long long)f->size, mt);
}

void http_res_file(http_req_t *r, const char *root, const char *rel)
{
    http_server_t *s = r->conn->srv;
    if (!rel) rel = "";
    /* Refuse any ".." segment outright rather than normalising it away. */
    for (const char *p = rel; *p;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            http_res_error(r, 403, "forbidden", "path traversal refused", NULL);
            return;
        }
        if (memchr(p, '\\', n)) {
            http_res_error(r, 403, "forbidden", "path traversal refused", NULL);
            return;
        }
        p += n + (slash ? 1 : 0);
    }
    while (*rel == '/') rel++;
    char path[PATH_MAX];
    int pl = snprintf(path, sizeof path, "%s/%s", root, rel);
    struct stat st;
    if (pl <= 0 || (size_t)pl >= sizeof path - 12 || stat(path, &st) != 0) goto not_found;
    if (S_ISDIR(st.st_mode)) {
        snprintf(path + pl, sizeof path - (size_t)pl, "%sindex.html", path[pl - 1] == '/' ? "" : "/");
        if (stat(path, &st) != 0) goto not_found;
    }
    if (!S_ISREG(st.st_mode)) goto not_found;
    const mime_t *m = mime_for(path);

    file_entry_t *f = map_gets(&s->files, path);
    if (f && !same_file(f, &st)) {
        s->files_bytes -= f->data.len + f->gz.len;
        entry_free(map_dels(&s->files, path));
        f = NULL;
    }
    if (!f && (size_t)st.st_size <= CACHE_FILE_MAX) {
        f = xcalloc(1, sizeof *f);
        if (!read_all(path, &st, &f->data)) {
            entry_free(f);
            goto not_found;
        }
        f->size = st.st_size;
        f->mtime = st.st_mtim;
        f->ino = st.st_ino;
        f->dev = st.st_dev;
        fill_etags(f);
        if (s->files_bytes + f->data.len > CACHE_TOTAL_MAX) static_cache_free(s);
        map_puts(&s->files, path, f);
        s->files_bytes += f->data.len;
    }
    if (f) {
        if (m->compress && !f->gz_done && f->data.len >= GZIP_MIN && http_req_accepts_gzip(r)) {
            f->gz_done = true;
            if (http_gzip(f->data.data, f->data.len, 6, &f->gz))
                s->files_bytes += f->gz.len;
            else
                buf_free(&f->gz);
        }
        send_entity(r, f->etag, f->etag_gz, m->type, m->compress, f->data.data, f->data.len,
                    f->gz.len ? f->gz.data : NULL, f->gz.len);
        return;
    }
    /* Too big to cache: read it for this answer only. */
    file_entry_t tmp = {0};
    if (!read_all(path, &st, &tmp.data)) goto not_found;
    tmp.size = st.st_size;
    tmp.mtime = st.st_mtim;
    fill_etags(&tmp);
    send_entity(r, tmp.etag, NULL, m->type, false, tmp.data.data, tmp.data.len, NULL, 0);
    buf_free(&tmp.data);
    return;
not_found:
    http_res_error(r, 404, "not_found", "no such file", NULL);
}

void http_res_asset(http_req_t *r, const http_asset_t *a)
{
    const mime_t *m = mime_for(a->path);
    char etag_gz[80] = "";
    if (a->etag && a->gz) {
        /* The gzip variant is a different representation: its own tag. */
        size_t el = strlen(a->etag);
        if (el >= 2 && el + 4 < sizeof etag_gz && a->etag[el - 1] == '"')
            snprintf(etag_gz, sizeof etag_gz, "%.*s-gz\"", (int)(el - 1), a->etag);
    }
    send_entity(r, a->etag, etag_gz[0] ? etag_gz : a->etag, m->type, m->compress || a->gz, a->data, a->len,
                a->gz, a->gz_len);
}
