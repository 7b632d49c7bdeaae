/* api_path.c — request paths into resource attributes, the way the API
 * server's RequestInfoFactory splits them; see api.h. Pure: no store, no
 * allocation, so it is fuzzed directly. */
#include "api.h"

#include <string.h>

#define MAX_SEGS 12

static bool copy_seg(char *dst, size_t cap, sv_t seg)
{
    if (seg.n == 0 || seg.n >= cap) return false;
    memcpy(dst, seg.p, seg.n);
    dst[seg.n] = '\0';
    return true;
}

int sim_path_parse(const char *path, size_t len, sim_path_t *out)
{
    memset(out, 0, sizeof *out);
    out->type = SIM_PATH_NONRESOURCE;
    sv_t segs[MAX_SEGS];
    int n = 0;
    sv_t rest = sv_make(path, len);
    if (rest.n && rest.p[0] == '/') rest.p++, rest.n--;
    /* A trailing slash is ignored, as the real mux does for resources. */
    if (rest.n && rest.p[rest.n - 1] == '/') rest.n--;
    while (rest.n) {
        if (n == MAX_SEGS) return SIM_ERR_BAD_REQUEST;
        segs[n++] = sv_cut(&rest, '/');
    }
    int i;
    if (n >= 1 && sv_eq_cstr(segs[0], "api")) {
        if (n < 3) return 0; /* /api, /api/v1: discovery */
        out->legacy = true;
        if (!copy_seg(out->version, sizeof out->version, segs[1])) return SIM_ERR_BAD_REQUEST;
        i = 2;
    } else if (n >= 1 && sv_eq_cstr(segs[0], "apis")) {
        if (n < 4) return 0; /* /apis, /apis/g, /apis/g/v */
        if (!copy_seg(out->group, sizeof out->group, segs[1]) ||
            !copy_seg(out->version, sizeof out->version, segs[2]))
            return SIM_ERR_BAD_REQUEST;
        i = 3;
    } else {
        return 0;
    }
    for (int j = i; j < n; j++)
        if (segs[j].n == 0) return SIM_ERR_BAD_REQUEST;
    int left = n - i;
    out->type = SIM_PATH_RESOURCE;
    out->depth = left;
    /* namespaces/{ns}[/{resource}[/{name}[/{sub}]]] */
    if (left >= 3 && sv_eq_cstr(segs[i], "namespaces") &&
        !(left == 3 && (sv_eq_cstr(segs[i + 2], "status") || sv_eq_cstr(segs[i + 2], "finalize")))) {
        if (!copy_seg(out->ns, sizeof out->ns, segs[i + 1])) return SIM_ERR_BAD_REQUEST;
        i += 2;
        left -= 2;
    }
    if (left > 3) return SIM_ERR_BAD_REQUEST;
    if (!copy_seg(out->resource, sizeof out->resource, segs[i])) return SIM_ERR_BAD_REQUEST;
    if (left >= 2 && !copy_seg(out->name, sizeof out->name, segs[i + 1])) return SIM_ERR_BAD_REQUEST;
    if (left == 3 && !copy_seg(out->sub, sizeof out->sub, segs[i + 2])) return SIM_ERR_BAD_REQUEST;
    return 0;
}
