/* demo.c — run kubesim with the demo application as a child; see demo.h. */
#include "demo.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"

struct demo {
    uv_loop_t *loop;
    uv_process_t proc;
    uv_pipe_t out;
    demo_handlers_t h;
    void *ud;
    buf_t line;
    char *kubeconfig_path;
    char *kubesim;
    int open_handles;
    bool ready, stopping, exited;
};

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The directory holding this executable. */
static void exe_dir(char *out, size_t n)
{
    char self[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) {
        snprintf(out, n, ".");
        return;
    }
    self[len] = '\0';
    snprintf(out, n, "%s", dirname(self));
}

/* examples/demo next to the working directory, or next to the build dir.
 * Returns a fresh string or NULL. */
static char *find_manifests(void)
{
    const char *env = getenv("KUBILITICS_DEMO_DIR");
    if (env && is_dir(env)) return xstrdup(env);
    if (is_dir("examples/demo")) return xstrdup("examples/demo");
    char d[PATH_MAX];
    exe_dir(d, sizeof d);
    buf_t p = {0};
    buf_printf(&p, "%s/../examples/demo", d);
    if (is_dir(buf_cstr(&p))) return buf_steal(&p);
    buf_free(&p);
    return NULL;
}

static void maybe_free(demo_t *d)
{
    if (d->open_handles == 0 && d->stopping) {
        buf_free(&d->line);
        free(d->kubeconfig_path);
        free(d->kubesim);
        free(d);
    }
}

static void handle_closed(uv_handle_t *h)
{
    demo_t *d = h->data;
    d->open_handles--;
    maybe_free(d);
}

static void fail(demo_t *d, const char *why)
{
    if (d->ready) return;
    d->ready = true; /* report once */
    if (d->h.on_fail) d->h.on_fail(why, d->ud);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
    demo_t *d = p->data;
    d->exited = true;
    if (!d->stopping) {
        char why[160];
        snprintf(why, sizeof why, "kubesim exited (status %lld, signal %d); see its log in the data dir",
                 (long long)status, sig);
        log_error("demo cluster stopped", "status=%lld signal=%d", (long long)status, sig);
        fail(d, why);
    }
    uv_close((uv_handle_t *)p, handle_closed);
}

static void announce(demo_t *d)
{
    FILE *f = fopen(d->kubeconfig_path, "rb");
    if (!f) {
        fail(d, "kubesim did not write its kubeconfig");
        return;
    }
    buf_t b = {0};
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) buf_append(&b, tmp, n);
    fclose(f);
    d->ready = true;
    log_info("demo cluster ready", "kubeconfig=%s", d->kubeconfig_path);
    d->h.on_ready(buf_cstr(&b), b.len, d->ud);
    buf_free(&b);
}

static void alloc_cb(uv_handle_t *h, size_t sz, uv_buf_t *buf)
{
    (void)h;
    buf->base = xmalloc(sz);
    buf->len = sz;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    demo_t *d = s->data;
    if (n > 0 && !d->ready) {
        buf_append(&d->line, buf->base, (size_t)n);
        if (strstr(buf_cstr(&d->line), "listening on ")) announce(d);
        else if (d->line.len > 65536) buf_reset(&d->line);
    }
    free(buf->base);
    if (n < 0) {
        uv_read_stop(s);
        if (!uv_is_closing((uv_handle_t *)s)) uv_close((uv_handle_t *)s, handle_closed);
    }
}

demo_t *demo_start(uv_loop_t *loop, const char *data_dir, const demo_handlers_t *h, void *ud, err_t *err)
{
    char dir[PATH_MAX];
    char *manifests = NULL;
    exe_dir(dir, sizeof dir);
    demo_t *d = xcalloc(1, sizeof *d);
    d->loop = loop;
    d->h = *h;
    d->ud = ud;
    buf_t p = {0};
    buf_printf(&p, "%s/kubesim", dir);
    d->kubesim = buf_steal(&p);
    if (!is_file(d->kubesim)) {
        err_set(err, ERR_NOTFOUND, "--demo needs kubesim beside kubilitics (%s): run `make`", d->kubesim);
        goto fail;
    }
    if (!(manifests = find_manifests())) {
        err_set(err, ERR_NOTFOUND,
                "--demo needs the manifests of examples/demo: run from the repository or set KUBILITICS_DEMO_DIR");
        goto fail;
    }
    if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
        err_set(err, ERR_IO, "data dir %s: %s", data_dir, strerror(errno));
        goto fail;
    }
    buf_printf(&p, "%s/demo-kubeconfig.yaml", data_dir);
    d->kubeconfig_path = buf_steal(&p);
    unlink(d->kubeconfig_path);
    buf_printf(&p, "%s/kubesim.log", data_dir);
    char *log_path = buf_steal(&p);
    int log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    free(log_path);

    uv_pipe_init(loop, &d->out, 0);
    d->out.data = d;
    d->open_handles++;
    char *args[] = {d->kubesim, "--listen", "127.0.0.1:0", "--manifests", manifests, "--kubeconfig-out",
                    d->kubeconfig_path, NULL};
    uv_stdio_container_t stdio[3] = {
        {.flags = UV_IGNORE},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&d->out},
        {.flags = log_fd >= 0 ? UV_INHERIT_FD : UV_IGNORE, .data.fd = log_fd},
    };
    uv_process_options_t o = {.exit_cb = on_exit_cb, .file = d->kubesim, .args = args, .stdio = stdio,
                              .stdio_count = 3};
    d->proc.data = d;
    int rc = uv_spawn(loop, &d->proc, &o);
    if (log_fd >= 0) close(log_fd);
    if (!rc) log_info("demo cluster starting", "kubesim=%s manifests=%s pid=%d", d->kubesim, manifests, d->proc.pid);
    free(manifests);
    if (rc) {
        err_set(err, ERR_IO, "cannot start %s: %s", d->kubesim, uv_strerror(rc));
        d->stopping = true;
        uv_close((uv_handle_t *)&d->out, handle_closed);
        return NULL;
    }
    d->open_handles++;
    uv_read_start((uv_stream_t *)&d->out, alloc_cb, on_read);
    return d;
fail:
    free(manifests);
    free(d->kubesim);
    free(d->kubeconfig_path);
    free(d);
    return NULL;
}

void demo_stop(demo_t *d)
{
    if (!d || d->stopping) return;
    d->stopping = true;
    if (!d->exited) uv_process_kill(&d->proc, SIGTERM);
    if (!uv_is_closing((uv_handle_t *)&d->out)) {
        uv_read_stop((uv_stream_t *)&d->out);
        uv_close((uv_handle_t *)&d->out, handle_closed);
    }
    maybe_free(d);
}

const char *demo_kubesim_path(const demo_t *d) { return d->kubesim; }
