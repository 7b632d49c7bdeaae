/* path.c — field paths of relation rules: "spec.volumes[*].configMap.name".
 *
 * Grammar (the same as lua/kubilitics/path.lua):
 *   path := key step*
 *   step := "." key | "[*]" | "[" digits "]" | "[\"" chars "\"]"
 *   key  := one or more of [A-Za-z0-9_$-]
 * The quoted form carries keys with dots or slashes, as label keys have:
 * metadata.labels["app.kubernetes.io/name"]. A parsed path owns its strings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "script/script.h"

#define PATH_MAX_LEN 256
#define PATH_MAX_SEGS 32

static bool key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$' || c == '-';
}

void script_path_free(script_path_t *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->nsegs; i++) free(p->segs[i].key);
    free(p->segs);
    free(p->text);
    memset(p, 0, sizeof *p);
}

static int bad(script_path_t *p, err_t *err, const char *text, size_t at, const char *why)
{
    script_path_free(p);
    return err_set(err, ERR_INVALID, "bad path '%s': %s at column %zu", text, why, at + 1);
}

int script_path_parse(const char *text, script_path_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    size_t n = strlen(text);
    if (n == 0) return err_set(err, ERR_INVALID, "bad path '': empty");
    if (n > PATH_MAX_LEN) return err_set(err, ERR_INVALID, "bad path: longer than %d bytes", PATH_MAX_LEN);
    out->segs = xcalloc(PATH_MAX_SEGS, sizeof *out->segs);
    size_t i = 0;
    bool need_key = true; /* at the start and after '.' */
    while (i < n || need_key) {
        if (out->nsegs == PATH_MAX_SEGS) return bad(out, err, text, i, "too many steps");
        script_path_seg_t *s = &out->segs[out->nsegs];
        if (need_key) {
            size_t j = i;
            while (j < n && key_char(text[j])) j++;
            if (j == i) return bad(out, err, text, i, i == n ? "missing key at the end" : "expected a key");
            s->kind = SCRIPT_SEG_KEY;
            s->key = xstrndup(text + i, j - i);
            out->nsegs++;
            i = j;
            need_key = false;
            continue;
        }
        if (text[i] == '.') {
            i++;
            need_key = true;
            continue;
        }
        if (text[i] != '[') return bad(out, err, text, i, "expected '.' or '['");
        if (i + 2 < n && text[i + 1] == '*' && text[i + 2] == ']') {
            s->kind = SCRIPT_SEG_ALL;
            out->nsegs++;
            i += 3;
        } else if (i + 1 < n && text[i + 1] >= '0' && text[i + 1] <= '9') {
            size_t j = i + 1;
            long v = 0;
            while (j < n && text[j] >= '0' && text[j] <= '9' && v < 1000000) v = v * 10 + (text[j++] - '0');
            if (j >= n || text[j] != ']') return bad(out, err, text, j, "expected ']' after an index");
            s->kind = SCRIPT_SEG_INDEX;
            s->index = (int)v;
            out->nsegs++;
            i = j + 1;
        } else if (i + 1 < n && text[i + 1] == '"') {
            size_t j = i + 2;
            while (j < n && text[j] != '"' && text[j] != '\\') j++;
            if (j >= n || text[j] != '"') return bad(out, err, text, j, "unterminated quoted key");
            if (j == i + 2) return bad(out, err, text, j, "empty quoted key");
            if (j + 1 >= n || text[j + 1] != ']')
                return bad(out, err, text, j + 1, "expected ']' after a quoted key");
            s->kind = SCRIPT_SEG_KEY;
            s->key = xstrndup(text + i + 2, j - (i + 2));
            out->nsegs++;
            i = j + 2;
        } else {
            return bad(out, err, text, i + 1, "expected '*', an index or a quoted key after '['");
        }
    }
    out->text = xstrdup(text);
    return 0;
}
