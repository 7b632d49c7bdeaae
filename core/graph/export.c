/* export.c — a query result drawn as SVG or written as Graphviz DOT.
 * Owner: the topology layout (with layout.c).
 *
 * Both use the result's own coordinates, so an export is exactly the
 * picture the UI shows for the same scope: every node box is drawn centred
 * on the node's x/y of the topology JSON, in the same pixel space (the
 * header sits at negative y, the legend right of the content, so no
 * transform is ever applied). The SVG is self-contained (no fonts or images
 * fetched): namespace frames and application groups with titles; edges as
 * curves from the source's side to the target's, styled per type (colour and
 * dash pattern, as in the legend) with arrowheads; nodes as boxes with a
 * kind glyph (kubectl's short names) coloured by kind family, the status as
 * a bar and, when not ok, the reason in the status colour; and a legend of
 * the statuses, edge types and kinds that appear. Status colours meet WCAG
 * AA (≥ 4.5:1) against the white node boxes and legend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "graph/graph_int.h"

#define NODE_W LAYOUT_NODE_W
#define NODE_H LAYOUT_NODE_H
#define NAME_MAX_CHARS 28
#define LEGEND_W 290.0
#define HEADER_H 84.0
#define MARGIN 24.0

enum { FAM_WORKLOAD, FAM_NETWORK, FAM_CONFIG, FAM_STORAGE, FAM_IDENTITY, FAM_SCALING, FAM_CLUSTER, FAM_OTHER };

typedef struct glyph {
    const char *kind, *glyph;
    int fam;
} glyph_t;

static const glyph_t GLYPHS[] = {
    {"Pod", "po", FAM_WORKLOAD},
    {"Deployment.apps", "deploy", FAM_WORKLOAD},
    {"ReplicaSet.apps", "rs", FAM_WORKLOAD},
    {"StatefulSet.apps", "sts", FAM_WORKLOAD},
    {"DaemonSet.apps", "ds", FAM_WORKLOAD},
    {"Job.batch", "job", FAM_WORKLOAD},
    {"CronJob.batch", "cj", FAM_WORKLOAD},
    {"ControllerRevision.apps", "rev", FAM_WORKLOAD},
    {"Service", "svc", FAM_NETWORK},
    {"EndpointSlice.discovery.k8s.io", "eps", FAM_NETWORK},
    {"Endpoints", "ep", FAM_NETWORK},
    {"Ingress.networking.k8s.io", "ing", FAM_NETWORK},
    {"HTTPRoute.gateway.networking.k8s.io", "route", FAM_NETWORK},
    {"Gateway.gateway.networking.k8s.io", "gw", FAM_NETWORK},
    {"NetworkPolicy.networking.k8s.io", "netpol", FAM_NETWORK},
    {"PodDisruptionBudget.policy", "pdb", FAM_SCALING},
    {"HorizontalPodAutoscaler.autoscaling", "hpa", FAM_SCALING},
    {"ConfigMap", "cm", FAM_CONFIG},
    {"Secret", "secret", FAM_CONFIG},
    {"PersistentVolumeClaim", "pvc", FAM_STORAGE},
    {"PersistentVolume", "pv", FAM_STORAGE},
    {"StorageClass.storage.k8s.io", "sc", FAM_STORAGE},
    {"ServiceAccount", "sa", FAM_IDENTITY},
    {"Role.rbac.authorization.k8s.io", "role", FAM_IDENTITY},
    {"ClusterRole.rbac.authorization.k8s.io", "crole", FAM_IDENTITY},
    {"RoleBinding.rbac.authorization.k8s.io", "rb", FAM_IDENTITY},
    {"ClusterRoleBinding.rbac.authorization.k8s.io", "crb", FAM_IDENTITY},
    {"Node", "node", FAM_CLUSTER},
    {"Namespace", "ns", FAM_CLUSTER},
    {NULL, NULL, FAM_OTHER},
};
#define NGLYPHS (sizeof GLYPHS / sizeof GLYPHS[0] - 1)

/* Family colours: white glyph text on them is ≥ 4.5:1. */
static const char *const FAM_COLOUR[] = {"#0969da", "#8250df", "#953800", "#bc4c00",
                                         "#bf3989", "#1b7c83", "#57606a", "#6e7781"};

int graph_kind_glyph(const char *kind, const char **glyph, const char **lane_name)
{
    for (int i = 0; GLYPHS[i].kind; i++)
        if (strcmp(GLYPHS[i].kind, kind) == 0) {
            *glyph = GLYPHS[i].glyph;
            if (lane_name) *lane_name = GLYPHS[i].kind;
            return i;
        }
    *glyph = "cr"; /* custom resources and other kinds */
    if (lane_name) *lane_name = "other kinds";
    return -1;
}

/* ok, unknown, warning, error: ≥ 4.5:1 on white (WCAG AA for text). */
static const char *status_colour(int st)
{
    static const char *const c[] = {"#1a7f37", "#656d76", "#9a6700", "#c62828"};
    return st >= 0 && st <= 3 ? c[st] : c[1];
}

typedef struct estyle {
    const char *type, *colour, *dash;
    double width;
} estyle_t;

/* Edge styles: solid for ownership and traffic, dashed for selection,
 * dotted for references; the legend shows each with its name. */
static const estyle_t ESTYLES[] = {
    {"owns", "#57606a", NULL, 1.6},
    {"selects", "#0969da", "6 4", 1.4},
    {"routes", "#8250df", NULL, 2.2},
    {"mounts", "#953800", "2 3", 1.6},
    {"references", "#9a6700", "1 3", 1.8},
    {"uses", "#bf3989", "8 3 2 3", 1.4},
    {"runs-on", "#6e7781", "10 5", 1.2},
    {"binds", "#bc4c00", "6 3", 1.6},
    {"grants", "#6639ba", "8 3 2 3", 1.4},
    {"scales", "#1b7c83", NULL, 1.6},
    {"terminates", "#116329", "4 3", 1.6},
    {NULL, "#6e7781", "3 3", 1.4},
};
#define NESTYLES (sizeof ESTYLES / sizeof ESTYLES[0] - 1)

static int estyle_of(const char *type)
{
    for (size_t i = 0; i < NESTYLES; i++)
        if (strcmp(ESTYLES[i].type, type) == 0) return (int)i;
    return (int)NESTYLES;
}

static const char *edge_colour(const char *type)
{
    return ESTYLES[estyle_of(type)].colour;
}

/* Exactly the first n bytes of s (or all of it), escaped for XML. */
static void xml_bytes(buf_t *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        switch (s[i]) {
        case '&':
            buf_puts(out, "&amp;");
            break;
        case '<':
            buf_puts(out, "&lt;");
            break;
        case '>':
            buf_puts(out, "&gt;");
            break;
        case '"':
            buf_puts(out, "&quot;");
            break;
        case '\'':
            buf_puts(out, "&#39;");
            break;
        default:
            if ((unsigned char)s[i] >= 0x20) buf_putc(out, s[i]);
        }
    }
}

/* At most max bytes of s, escaped, with an ellipsis when cut. */
static void xml_text(buf_t *out, const char *s, size_t max)
{
    size_t n = strlen(s);
    xml_bytes(out, s, n < max ? n : max);
    if (n > max) buf_puts(out, "…");
}

/* A name of at most NAME_MAX_CHARS characters: longer ones keep their start
 * and their end (a Pod's distinguishing suffix) around an ellipsis. */
static size_t name_text(buf_t *out, const char *s)
{
    size_t n = strlen(s);
    if (n <= NAME_MAX_CHARS) {
        xml_text(out, s, n);
        return n;
    }
    size_t head = (NAME_MAX_CHARS - 1) / 2, tail = NAME_MAX_CHARS - 1 - head;
    xml_bytes(out, s, head);
    buf_puts(out, "…");
    xml_bytes(out, s + n - tail, tail);
    return NAME_MAX_CHARS;
}

static void id_text(const store_t *s, store_oid_t o, buf_t *out)
{
    buf_t id = {0};
    store_obj_id(s, o, &id);
    xml_text(out, id.data ? id.data : "", SIZE_MAX);
    buf_free(&id);
}

/* The kind without its group, as people say it: "Deployment". */
static void short_kind(buf_t *out, const char *kind)
{
    const char *dot = strchr(kind, '.');
    size_t n = dot ? (size_t)(dot - kind) : strlen(kind);
    char tmp[64];
    if (n >= sizeof tmp) n = sizeof tmp - 1;
    memcpy(tmp, kind, n);
    tmp[n] = '\0';
    xml_text(out, tmp, 40);
}

static void svg_group(const graph_result_t *r, const layout_group_t *gr, buf_t *out)
{
    const store_t *s = r->g->s;
    switch (gr->kind) {
    case LAYOUT_G_NAMESPACE:
    case LAYOUT_G_CLUSTER:
        if (gr->kind == LAYOUT_G_CLUSTER && gr->title && strcmp(gr->title, "cluster-scoped") != 0) break;
        buf_printf(out,
                   "<g class=\"frame\"><rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" rx=\"14\" "
                   "fill=\"#ffffff\" stroke=\"#d0d7de\" stroke-width=\"1.5\"/>",
                   gr->x, gr->y, gr->w, gr->h);
        buf_printf(out,
                   "<text x=\"%.0f\" y=\"%.0f\"><tspan font-size=\"12\" fill=\"#57606a\" "
                   "letter-spacing=\"1\">%s</tspan><tspan dx=\"10\" font-size=\"22\" font-weight=\"700\" "
                   "fill=\"#1f2328\">",
                   gr->x + 24, gr->y + 38, gr->kind == LAYOUT_G_CLUSTER ? "CLUSTER" : "NAMESPACE");
        if (gr->kind == LAYOUT_G_CLUSTER)
            buf_puts(out, "cluster-scoped objects");
        else
            xml_text(out, store_str(s, gr->ns), 120);
        buf_puts(out, "</tspan></text></g>\n");
        return;
    default:
        break;
    }
    bool plain = gr->kind == LAYOUT_G_APP || gr->kind == LAYOUT_G_CLUSTER;
    buf_printf(out,
               "<g class=\"group %s\"><rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" rx=\"10\" "
               "fill=\"%s\" stroke=\"%s\"%s/>",
               layout_group_kind_name(gr->kind), gr->x, gr->y, gr->w, gr->h, plain ? "#f3f6fa" : "#f6f8fa",
               plain ? "#d0d7de" : "#afb8c1", plain ? "" : " stroke-dasharray=\"6 4\"");
    buf_printf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"14\">", gr->x + 16, gr->y + 26);
    if (gr->kind == LAYOUT_G_APP) {
        buf_puts(out, "<tspan font-size=\"11\" fill=\"#57606a\">app</tspan><tspan dx=\"6\" font-weight=\"700\" "
                      "fill=\"#1f2328\">");
        xml_text(out, store_str(s, gr->app), 80);
        buf_puts(out, "</tspan>");
    } else {
        buf_printf(out, "<tspan font-weight=\"600\" fill=\"%s\"%s>", plain ? "#1f2328" : "#57606a",
                   plain ? "" : " font-style=\"italic\"");
        xml_text(out, gr->title ? gr->title : "", 80);
        buf_puts(out, "</tspan>");
    }
    buf_puts(out, "</text></g>\n");
}

/* An edge as a curve leaving the source's side towards the target and
 * entering the target's facing side. A long, nearly level edge would run
 * behind the boxes of its row: it climbs into the gap above the row, runs
 * there and comes down. Between boxes of one column: an arc on the right, so
 * it does not cross the boxes in between. */
static void svg_edge(buf_t *out, double sx, double sy, double tx, double ty, int st, const char *type)
{
    const estyle_t *es = &ESTYLES[st];
    double hw = NODE_W / 2.0, x1, x2, c1, c2;
    double span = tx > sx ? tx - sx : sx - tx, dy = ty > sy ? ty - sy : sy - ty;
    if (span >= 2.5 * NODE_W && dy < NODE_H / 2.0) {
        double dir = tx > sx ? 1 : -1, gy = (sy < ty ? sy : ty) - NODE_H / 2.0 - 10;
        x1 = sx + dir * hw, x2 = tx - dir * hw;
        buf_printf(out,
                   "<path d=\"M%.0f,%.0fC%.0f,%.0f %.0f,%.0f %.0f,%.0fH%.0fC%.0f,%.0f %.0f,%.0f %.0f,%.0f\" "
                   "stroke=\"%s\" stroke-width=\"%.1f\"",
                   x1, sy, x1 + dir * 30, sy, x1 + dir * 20, gy, x1 + dir * 50, gy, x2 - dir * 50, x2 - dir * 20, gy,
                   x2 - dir * 30, ty, x2, ty, es->colour, es->width);
    } else {
        if (tx - sx >= NODE_W) {
            x1 = sx + hw, x2 = tx - hw;
            double d = (x2 - x1) / 2 > 40 ? (x2 - x1) / 2 : 40;
            c1 = x1 + d, c2 = x2 - d;
        } else if (sx - tx >= NODE_W) {
            x1 = sx - hw, x2 = tx + hw;
            double d = (x1 - x2) / 2 > 40 ? (x1 - x2) / 2 : 40;
            c1 = x1 - d, c2 = x2 + d;
        } else {
            x1 = sx + hw, x2 = tx + hw;
            double bulge = 24 + dy / 10;
            if (bulge > 70) bulge = 70;
            c1 = c2 = (x1 > x2 ? x1 : x2) + bulge;
        }
        buf_printf(out,
                   "<path d=\"M%.0f,%.0fC%.0f,%.0f %.0f,%.0f %.0f,%.0f\" stroke=\"%s\" stroke-width=\"%.1f\"", x1,
                   sy, c1, sy, c2, ty, x2, ty, es->colour, es->width);
    }
    if (es->dash) buf_printf(out, " stroke-dasharray=\"%s\"", es->dash);
    if (strcmp(type, "runs-on") == 0) buf_puts(out, " stroke-opacity=\"0.6\"");
    buf_printf(out, " marker-end=\"url(#ah%d)\"><title>", st);
    xml_text(out, type, 64);
    buf_puts(out, "</title></path>\n");
}

static void svg_node(const graph_result_t *r, size_t i, bool *glyph_seen, bool *status_seen, buf_t *out)
{
    graph_t *g = r->g;
    const store_t *s = g->s;
    store_oid_t o = r->nodes[i];
    double x = r->xy[2 * i], y = r->xy[2 * i + 1], l = x - NODE_W / 2.0, t = y - NODE_H / 2.0;
    int st = graph_node_status(g, o) & 3;
    status_seen[st] = true;
    const char *kind = store_str(s, store_obj_kind(s, o)), *glyph;
    int gi = graph_kind_glyph(kind, &glyph, NULL);
    glyph_seen[gi < 0 ? NGLYPHS : (size_t)gi] = true;
    int fam = gi < 0 ? FAM_OTHER : GLYPHS[gi].fam;
    const char *reason = graph_node_reason(g, o);
    bool alert = st >= STORE_STATUS_WARNING;
    buf_printf(out, "<g class=\"node %s\"><title>", store_status_name(st));
    id_text(s, o, out);
    buf_printf(out, " — %s", store_status_name(st));
    if (*reason) {
        buf_puts(out, ": ");
        xml_text(out, reason, 200);
    }
    buf_printf(out,
               "</title><rect x=\"%.0f\" y=\"%.0f\" width=\"%d\" height=\"%d\" rx=\"7\" fill=\"#ffffff\" "
               "stroke=\"%s\" stroke-width=\"%s\"/>",
               l, t, NODE_W, NODE_H, alert ? status_colour(st) : "#d0d7de", alert ? "2" : "1");
    /* status bar */
    buf_printf(out, "<rect x=\"%.0f\" y=\"%.0f\" width=\"5\" height=\"%d\" rx=\"2.5\" fill=\"%s\"/>", l + 4, t + 6,
               NODE_H - 12, status_colour(st));
    /* kind glyph */
    double gw = (double)strlen(glyph) * 6.6 + 12;
    buf_printf(out,
               "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"18\" rx=\"4\" fill=\"%s\"/>"
               "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\" font-weight=\"700\" text-anchor=\"middle\" "
               "fill=\"#ffffff\">%s</text>",
               l + 16, t + 10, gw, FAM_COLOUR[fam], l + 16 + gw / 2, t + 23, glyph);
    /* second item of the first line: the reason when not ok, else the kind */
    buf_printf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\"", l + 22 + gw, t + 23);
    if (*reason && st != STORE_STATUS_OK) {
        buf_printf(out, " font-weight=\"700\" fill=\"%s\">", status_colour(st));
        xml_text(out, reason, 18);
    } else {
        buf_puts(out, " fill=\"#57606a\">");
        short_kind(out, kind);
    }
    buf_puts(out, "</text>");
    /* the name: ≤ 28 characters, squeezed into the box when long */
    const char *name = store_str(s, store_obj_name(s, o));
    size_t chars = strlen(name) > NAME_MAX_CHARS ? NAME_MAX_CHARS : strlen(name);
    /* Long names get a smaller font (renderers without textLength, such
     * as librsvg) and textLength (browsers fit it exactly). A semibold
     * sans-serif character is about 0.57 em wide. */
    double avail = NODE_W - 26, fs = 12.5;
    if (chars * 0.57 * fs > avail) fs = avail / (chars * 0.57);
    buf_printf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"%.1f\" font-weight=\"600\" fill=\"#1f2328\"", l + 16,
               t + 48, fs);
    if (fs < 12.5) buf_printf(out, " textLength=\"%.0f\" lengthAdjust=\"spacingAndGlyphs\"", avail);
    buf_putc(out, '>');
    name_text(out, name);
    buf_puts(out, "</text></g>\n");
}

static void svg_legend(const graph_t *g, double lx, double top, double bottom, const bool *type_seen,
                       const bool *glyph_seen, const bool *status_seen, buf_t *out)
{
    buf_printf(out,
               "<g class=\"legend\"><rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" rx=\"12\" "
               "fill=\"#ffffff\" stroke=\"#d0d7de\" stroke-width=\"1.5\"/>\n",
               lx, top, LEGEND_W, bottom - top);
    double x = lx + 20, ly = top + 34;
    buf_printf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"16\" font-weight=\"700\" fill=\"#1f2328\">Legend</text>\n",
               x, ly);
    ly += 30;
    buf_printf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\" font-weight=\"700\" fill=\"#57606a\" "
                    "letter-spacing=\"1\">STATUS</text>\n",
               x, ly);
    static const char *const stn[] = {"ok", "unknown", "warning", "error"};
    static const int order[] = {STORE_STATUS_OK, STORE_STATUS_WARNING, STORE_STATUS_ERROR, STORE_STATUS_UNKNOWN};
    for (int k = 0; k < 4; k++) {
        int st = order[k];
        ly += 22;
        buf_printf(out,
                   "<rect x=\"%.0f\" y=\"%.0f\" width=\"5\" height=\"16\" rx=\"2.5\" fill=\"%s\"/>"
                   "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12.5\" fill=\"%s\">%s</text>",
                   x, ly - 12, status_colour(st), x + 16, ly, status_colour(st), stn[st]);
        if (!status_seen[st])
            buf_printf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\" fill=\"#57606a\">none shown</text>", x + 90,
                       ly);
        buf_putc(out, '\n');
    }
    ly += 34;
    buf_printf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\" font-weight=\"700\" fill=\"#57606a\" "
                    "letter-spacing=\"1\">EDGES</text>\n",
               x, ly);
    for (uint32_t t = 0; t < g->ntypes; t++) {
        if (!type_seen[t]) continue;
        const char *ty = graph_type_str(g, t);
        int st = estyle_of(ty);
        const estyle_t *es = &ESTYLES[st];
        ly += 22;
        buf_printf(out, "<path d=\"M%.0f,%.0fH%.0f\" stroke=\"%s\" stroke-width=\"%.1f\"", x, ly - 4, x + 44,
                   es->colour, es->width + 0.4);
        if (es->dash) buf_printf(out, " stroke-dasharray=\"%s\"", es->dash);
        buf_printf(out, " marker-end=\"url(#ah%d)\"/><text x=\"%.0f\" y=\"%.0f\" font-size=\"12.5\" fill=\"#1f2328\">",
                   st, x + 58, ly);
        xml_text(out, ty, 40);
        buf_puts(out, "</text>\n");
    }
    ly += 34;
    buf_printf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\" font-weight=\"700\" fill=\"#57606a\" "
                    "letter-spacing=\"1\">KINDS</text>\n",
               x, ly);
    for (size_t i = 0; i <= NGLYPHS; i++) {
        if (!glyph_seen[i]) continue;
        bool other = i == NGLYPHS;
        const char *gl = other ? "cr" : GLYPHS[i].glyph;
        double gw = (double)strlen(gl) * 6.6 + 12;
        ly += 24;
        buf_printf(out,
                   "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"18\" rx=\"4\" fill=\"%s\"/>"
                   "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\" font-weight=\"700\" text-anchor=\"middle\" "
                   "fill=\"#ffffff\">%s</text><text x=\"%.0f\" y=\"%.0f\" font-size=\"12.5\" fill=\"#1f2328\">",
                   x, ly - 13, gw, FAM_COLOUR[other ? FAM_OTHER : GLYPHS[i].fam], x + gw / 2, ly, gl, x + 58, ly);
        if (other)
            buf_puts(out, "other kinds");
        else
            short_kind(out, GLYPHS[i].kind);
        buf_puts(out, "</text>\n");
    }
    ly += 34;
    buf_printf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\" font-weight=\"700\" fill=\"#57606a\" "
                    "letter-spacing=\"1\">GROUPS</text>\n",
               x, ly);
    static const char *const gdesc[][2] = {
        {"app", "application (labels, owners)"},
        {"traffic", "routes/policies of several apps"},
        {"shared", "used by several apps"},
        {"unattached", "no edges in the namespace"},
    };
    for (int k = 0; k < 4; k++) {
        ly += 24;
        buf_printf(out,
                   "<rect x=\"%.0f\" y=\"%.0f\" width=\"44\" height=\"16\" rx=\"4\" fill=\"%s\" stroke=\"%s\"%s/>"
                   "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12.5\" fill=\"#1f2328\">%s</text>\n",
                   x, ly - 12, k ? "#f6f8fa" : "#f3f6fa", k ? "#afb8c1" : "#d0d7de",
                   k ? " stroke-dasharray=\"6 4\"" : "", x + 58, ly, gdesc[k][1]);
    }
    buf_puts(out, "</g>\n");
}

void graph_result_svg(const graph_result_t *r, buf_t *out)
{
    graph_t *g = r->g;
    const store_t *s = g->s;
    double maxx = 600, maxy = 400;
    for (size_t i = 0; i < r->nnodes; i++) {
        if (r->xy[2 * i] + NODE_W / 2.0 > maxx) maxx = r->xy[2 * i] + NODE_W / 2.0;
        if (r->xy[2 * i + 1] + NODE_H / 2.0 > maxy) maxy = r->xy[2 * i + 1] + NODE_H / 2.0;
    }
    for (size_t i = 0; i < r->ngroups; i++) {
        if (r->groups[i].x + r->groups[i].w > maxx) maxx = r->groups[i].x + r->groups[i].w;
        if (r->groups[i].y + r->groups[i].h > maxy) maxy = r->groups[i].y + r->groups[i].h;
    }
    /* What was seen, for the legend; the legend needs about this much. */
    bool *type_seen = xcalloc(g->ntypes + 1, sizeof *type_seen);
    bool glyph_seen[NGLYPHS + 1], status_seen[4] = {false, false, false, false};
    memset(glyph_seen, 0, sizeof glyph_seen);
    size_t ntypes = 0, nglyphs = 0;
    for (size_t i = 0; i < r->nedges; i++)
        if (!type_seen[r->edges[i].type]) type_seen[r->edges[i].type] = true, ntypes++;
    for (size_t i = 0; i < r->nnodes; i++) {
        const char *glyph;
        int gi = graph_kind_glyph(store_str(s, store_obj_kind(s, r->nodes[i])), &glyph, NULL);
        size_t k = gi < 0 ? NGLYPHS : (size_t)gi;
        if (!glyph_seen[k]) glyph_seen[k] = true, nglyphs++;
    }
    memset(glyph_seen, 0, sizeof glyph_seen);
    double legend_h = 64 + 30 + 4 * 22 + 34 + ntypes * 22.0 + 34 + nglyphs * 24.0 + 34 + 4 * 24 + 24;
    if (maxy < legend_h) maxy = legend_h;
    double lx = maxx + 40, vx = -MARGIN, vy = -HEADER_H, vw = lx + LEGEND_W + MARGIN - vx, vh = maxy + MARGIN - vy;
    buf_printf(out,
               "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"%.0f %.0f %.0f %.0f\" width=\"%.0f\" "
               "height=\"%.0f\" font-family=\"'Inter','Segoe UI','Helvetica Neue',Helvetica,Arial,sans-serif\">\n",
               vx, vy, vw, vh, vw, vh);
    buf_puts(out, "<title>Kubilitics topology: ");
    xml_text(out, store_cluster(s), 200);
    buf_printf(out, " (resourceVersion %llu)</title>\n<defs>", (unsigned long long)r->rv);
    for (size_t k = 0; k <= NESTYLES; k++)
        buf_printf(out,
                   "<marker id=\"ah%zu\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" "
                   "markerHeight=\"8\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0,1L10,5L0,9z\" "
                   "fill=\"%s\"/></marker>",
                   k, ESTYLES[k].colour);
    buf_printf(out, "</defs>\n<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"#f6f8fa\"/>\n", vx,
               vy, vw, vh);
    /* header: what this is */
    size_t nframes = 0;
    const layout_group_t *one = NULL;
    for (size_t i = 0; i < r->ngroups; i++)
        if (r->groups[i].kind == LAYOUT_G_NAMESPACE) nframes++, one = &r->groups[i];
    buf_printf(out, "<g class=\"header\"><text x=\"0\" y=\"%.0f\" font-size=\"24\" font-weight=\"700\" "
                    "fill=\"#1f2328\">",
               -HEADER_H + 40);
    xml_text(out, store_cluster(s), 120);
    if (nframes == 1) {
        buf_puts(out, " / ");
        xml_text(out, store_str(s, one->ns), 120);
    }
    buf_printf(out, "</text><text x=\"0\" y=\"%.0f\" font-size=\"13\" fill=\"#57606a\">", -HEADER_H + 64);
    buf_printf(out, "%zu objects · %zu edges · %zu namespace%s · resourceVersion %llu%s", r->nnodes, r->nedges,
               nframes, nframes == 1 ? "" : "s", (unsigned long long)r->rv,
               r->truncated ? " · truncated: narrow the scope to see everything" : "");
    buf_puts(out, "</text></g>\n<g class=\"groups\">\n");
    for (size_t i = 0; i < r->ngroups; i++) svg_group(r, &r->groups[i], out);
    buf_puts(out, "</g>\n<g class=\"edges\" fill=\"none\" stroke-linecap=\"round\">\n");
    for (size_t i = 0; i < r->nedges; i++) {
        const gpend_t *e = &r->edges[i];
        svg_edge(out, r->xy[2 * e->src], r->xy[2 * e->src + 1], r->xy[2 * e->dst], r->xy[2 * e->dst + 1],
                 estyle_of(graph_type_str(g, e->type)), graph_type_str(g, e->type));
    }
    buf_puts(out, "</g>\n<g class=\"nodes\">\n");
    for (size_t i = 0; i < r->nnodes; i++) svg_node(r, i, glyph_seen, status_seen, out);
    buf_puts(out, "</g>\n");
    svg_legend(g, lx, 0, maxy, type_seen, glyph_seen, status_seen, out);
    buf_puts(out, "</svg>\n");
    free(type_seen);
}

static void dot_str(buf_t *out, const char *s)
{
    buf_putc(out, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') buf_putc(out, '\\');
        if ((unsigned char)*s >= 0x20) buf_putc(out, *s);
    }
    buf_putc(out, '"');
}

void graph_result_dot(const graph_result_t *r, buf_t *out)
{
    graph_t *g = r->g;
    const store_t *s = g->s;
    buf_puts(out, "digraph topology {\n  graph [label=");
    buf_t t = {0};
    buf_printf(&t, "%s @ resourceVersion %llu%s", store_cluster(s), (unsigned long long)r->rv,
               r->truncated ? " (truncated)" : "");
    dot_str(out, t.data);
    buf_free(&t);
    buf_puts(
        out,
        ", labelloc=t, splines=true, outputorder=edgesfirst];\n"
        "  node [shape=box, style=\"rounded,filled\", fillcolor=white, penwidth=3, fontname=Helvetica];\n"
        "  edge [fontname=Helvetica, fontsize=9];\n");
    buf_t id = {0};
    for (size_t i = 0; i < r->nnodes; i++) {
        store_oid_t o = r->nodes[i];
        buf_reset(&id);
        store_obj_id(s, o, &id);
        buf_puts(out, "  ");
        dot_str(out, id.data);
        const char *kind = store_str(s, store_obj_kind(s, o)), *glyph;
        graph_kind_glyph(kind, &glyph, NULL);
        buf_t label = {0};
        buf_printf(&label, "%s %s\n%s", glyph, kind, store_str(s, store_obj_name(s, o)));
        buf_puts(out, " [label=");
        dot_str(out, label.data);
        buf_free(&label);
        /* Graphviz's y axis points up; the layout's points down. Points are
         * 1/72 inch: the layout's pixels are used as points. */
        buf_printf(out, ", pos=\"%.0f,%.0f!\", color=\"%s\", tooltip=", r->xy[2 * i], -r->xy[2 * i + 1],
                   status_colour(graph_node_status(g, o)));
        dot_str(out, graph_node_reason(g, o));
        buf_puts(out, "];\n");
    }
    for (size_t i = 0; i < r->nedges; i++) {
        const gpend_t *e = &r->edges[i];
        buf_puts(out, "  ");
        buf_reset(&id);
        store_obj_id(s, r->nodes[e->src], &id);
        dot_str(out, id.data);
        buf_puts(out, " -> ");
        buf_reset(&id);
        store_obj_id(s, r->nodes[e->dst], &id);
        dot_str(out, id.data);
        const char *ty = graph_type_str(g, e->type);
        buf_puts(out, " [label=");
        dot_str(out, ty);
        buf_printf(out, ", color=\"%s\"];\n", edge_colour(ty));
    }
    buf_free(&id);
    buf_puts(out, "}\n");
}
